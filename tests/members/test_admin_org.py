"""Staff screens: each persona sees its subtree only, guessed ids answer 404, lists don't grow queries."""

import pytest
from django.urls import reverse

from members.models import Branch, Member, MembershipApplication, StaffRole, Transfer
from members.organisation import services
from tests.factories import ApplicantFactory, apply_form_data, make_branch


def changelist(model):
    return reverse(f"admin:members_{model}_changelist")


def change(model, pk):
    return reverse(f"admin:members_{model}_change", args=[pk])


def test_member_list_shows_each_persona_its_subtree(client, personas):
    for staff, sees, not_sees in [
        (personas.staff_a, personas.member, personas.other_member),
        (personas.staff_b, personas.other_member, personas.member),
    ]:
        client.force_login(staff)
        response = client.get(changelist("member"))
        assert response.status_code == 200
        shown = set(response.context["cl"].result_list)
        assert sees in shown and not_sees not in shown
    client.force_login(personas.staff_parent)
    assert set(client.get(changelist("member")).context["cl"].result_list) == {personas.member, personas.other_member}


def test_people_without_a_role_cannot_open_the_staff_screens(client, personas):
    for person in (personas.member.user, personas.outsider):
        client.force_login(person)
        assert client.get(changelist("member")).status_code in (302, 403)


def test_sibling_staff_cannot_even_open_a_member(client, personas):
    client.force_login(personas.staff_b)
    url = change("member", personas.member.pk)
    assert client.get(url).status_code == 404
    assert client.get(reverse("admin:members_member_history", args=[personas.member.pk])).status_code == 404


def test_staff_of_the_branch_see_the_full_id_number_lists_show_it_masked(client, personas):
    client.force_login(personas.staff_a)
    page = client.get(change("member", personas.member.pk)).content.decode()
    assert personas.member.id_number in page
    listing = client.get(changelist("member")).content.decode()
    assert personas.member.id_number not in listing
    assert personas.member.id_number[-4:] in listing


def test_id_number_is_not_searchable(client, personas):
    client.force_login(personas.staff_parent)
    response = client.get(changelist("member"), {"q": personas.member.id_number})
    assert list(response.context["cl"].result_list) == []


def test_member_changelist_pins_its_queries(client, org_tree, staff_of, member_factory, django_assert_max_num_queries):
    staff = staff_of(org_tree.city)
    client.force_login(staff)
    member_factory.create_batch(3, branch=org_tree.base_a1)
    with django_assert_max_num_queries(20) as few:
        client.get(changelist("member"))
    member_factory.create_batch(12, branch=org_tree.base_b1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(changelist("member"))
    assert len(response.context["cl"].result_list) == 15


def test_editing_a_member_checks_the_mobile(client, personas):
    client.force_login(personas.staff_a)
    member = personas.member
    data = {"name": member.name, "mobile": personas.other_member.mobile, "employer": "x", "employment_type": "standard"}
    response = client.post(change("member", member.pk), data)
    assert response.status_code == 200 and "该手机号已被其他会员使用" in response.content.decode()
    data["mobile"] = "13512345678"
    assert client.post(change("member", member.pk), data).status_code == 302
    member.refresh_from_db()
    assert member.mobile == "13512345678" and member.employer == "x"


def test_a_claims_reviewer_looks_but_does_not_change(client, org_tree, staff_of, member_factory):
    member = member_factory(branch=org_tree.base_a1)
    client.force_login(staff_of(org_tree.district_a, role="claims_reviewer"))
    response = client.get(change("member", member.pk))
    assert response.status_code == 200 and not response.context["has_change_permission"]
    client.post(change("member", member.pk), {"name": "改名", "mobile": member.mobile, "employment_type": "standard"})
    member.refresh_from_db()
    assert member.name != "改名"


def test_a_claims_reviewer_is_not_offered_status_actions(client, org_tree, staff_of):
    client.force_login(staff_of(org_tree.district_a, role="claims_reviewer"))
    response = client.get(changelist("member"))
    assert response.status_code == 200 and response.context["action_form"] is None  # no action to offer


def test_status_actions_call_the_service(client, personas):
    client.force_login(personas.staff_a)
    client.post(changelist("member"), {"action": "member_suspend", "_selected_action": [personas.member.pk]})
    personas.member.refresh_from_db()
    assert personas.member.status == Member.Status.SUSPENDED


# --- Branch tree ---------------------------------------------------------------------------------------


def test_branch_tree_is_scoped_indented_and_in_path_order(client, org_tree, personas, django_assert_max_num_queries):
    for n in range(10):
        make_branch(f"企业{n}工会", parent=org_tree.district_a, kind="base")
    client.force_login(personas.staff_a)
    with django_assert_max_num_queries(12):
        response = client.get(changelist("branch"))
    shown = list(response.context["cl"].result_list)
    assert shown == sorted(shown, key=lambda b: b.path)  # a subtree follows its root
    assert set(shown) >= {org_tree.district_a, org_tree.base_a1, org_tree.base_a2} and len(shown) == 13
    assert org_tree.base_b1 not in shown
    assert "padding-left:1.5em" in response.content.decode()
    assert client.get(change("branch", org_tree.base_b1.pk)).status_code == 404


def test_branch_admin_adds_a_child_within_the_rules(client, org_tree, personas):
    client.force_login(personas.staff_a)
    url = reverse("admin:members_branch_add")
    form = {
        "parent": org_tree.base_a1.pk,
        "name": "车间工会",
        "kind": "base",
        "federated_type": "",
        "worker_count": 0,
        "is_active": "on",
    }
    response = client.post(url, form)
    assert response.status_code == 200 and "基层工会之下不能再设下级组织" in response.content.decode()
    form["parent"] = org_tree.district_b.pk  # outside the subtree: not even a choice
    assert "parent" in client.post(url, form).context["adminform"].form.errors
    form.update(parent=org_tree.district_a.pk, name="鹭江街道总工会", kind="street")
    assert client.post(url, form).status_code == 302
    street = Branch.objects.get(name="鹭江街道总工会")
    assert Branch.objects.get_parent(street) == org_tree.district_a


def test_moving_a_branch_in_the_admin_moves_its_subtree(client, org_tree, user_factory):
    client.force_login(user_factory(is_staff=True, is_superuser=True))
    street = services.branch_create(actor=None, parent=org_tree.district_a, name="街道", kind="street")
    base = services.branch_create(actor=None, parent=street, name="企业工会", kind="base")
    form = {
        "parent": org_tree.district_b.pk,
        "name": "街道",
        "kind": "street",
        "federated_type": "",
        "worker_count": 0,
        "is_active": "on",
    }
    assert client.post(change("branch", street.pk), form).status_code == 302
    base.refresh_from_db()
    assert Branch.objects.get_parent(Branch.objects.get_parent(base)) == org_tree.district_b
    assert Branch.objects.find_problems() == ([], [], [], [], [])


def test_a_district_admin_edits_their_own_district_without_moving_it(client, org_tree, personas):
    client.force_login(personas.staff_a)
    form = {
        "parent": org_tree.city.pk,
        "name": "思明区总工会（新）",
        "kind": "district",
        "federated_type": "",
        "worker_count": 0,
        "is_active": "on",
    }
    assert client.post(change("branch", org_tree.district_a.pk), form).status_code == 302
    org_tree.district_a.refresh_from_db()
    assert (
        org_tree.district_a.name == "思明区总工会（新）"
        and Branch.objects.get_parent(org_tree.district_a) == org_tree.city
    )
    # ...but cannot move it somewhere else above their scope.
    form["parent"] = org_tree.district_b.pk
    assert client.post(change("branch", org_tree.district_a.pk), form).status_code == 200


# --- Staff roles ---------------------------------------------------------------------------------------


def test_branch_admin_grants_roles_inside_the_subtree_only(client, org_tree, personas, user_factory):
    newcomer = user_factory()
    client.force_login(personas.staff_a)
    url = reverse("admin:members_staffrole_add")
    response = client.post(url, {"mobile": newcomer.mobile, "branch": org_tree.base_b1.pk, "role": "finance"})
    assert response.status_code == 200 and not StaffRole.objects.filter(user=newcomer).exists()
    response = client.post(url, {"mobile": newcomer.mobile, "branch": org_tree.base_a1.pk, "role": "finance"})
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.is_staff and StaffRole.objects.filter(user=newcomer, branch=org_tree.base_a1).exists()
    roles = client.get(changelist("staffrole")).context["cl"].result_list
    assert personas.staff_b.staff_roles.first() not in roles


def test_a_branch_admin_revokes_a_role(client, org_tree, personas, staff_of):
    clerk = staff_of(org_tree.base_a1, role="finance")
    role = clerk.staff_roles.get()
    client.force_login(personas.staff_a)
    response = client.post(reverse("admin:members_staffrole_delete", args=[role.pk]), {"post": "yes"})
    assert response.status_code == 302 and not StaffRole.objects.filter(pk=role.pk).exists()
    clerk.refresh_from_db()
    assert not clerk.is_staff
    sibling_role = personas.staff_b.staff_roles.get()
    assert client.get(reverse("admin:members_staffrole_delete", args=[sibling_role.pk])).status_code == 404


# --- Applications and transfers -----------------------------------------------------------------------


def _applications(org_tree, count):
    return [
        services.membership_apply(user=ApplicantFactory(), branch_id=org_tree.base_a1.pk, **apply_form_data(n))
        for n in range(count)
    ]


def test_approve_and_reject_actions(client, org_tree, personas):
    first, second = _applications(org_tree, 2)
    client.force_login(personas.staff_a)
    assert not client.get(change("membershipapplication", first.pk)).context["has_change_permission"]
    url = changelist("membershipapplication")
    client.post(url, {"action": "approve_selected", "_selected_action": [first.pk]})
    first.refresh_from_db()
    assert first.status == "approved"
    page = client.post(url, {"action": "reject_selected", "_selected_action": [second.pk]})
    assert page.status_code == 200 and "不通过的理由" in page.content.decode()
    second.refresh_from_db()
    assert second.status == "pending"
    client.post(url, {"action": "reject_selected", "_selected_action": [second.pk], "reason": "非本单位职工"})
    second.refresh_from_db()
    assert second.status == "rejected" and second.reason == "非本单位职工"


def test_application_list_is_scoped_and_pins_queries(client, org_tree, personas, django_assert_max_num_queries):
    _applications(org_tree, 6)
    client.force_login(personas.staff_b)
    assert list(client.get(changelist("membershipapplication")).context["cl"].result_list) == []
    pk = MembershipApplication.objects.first().pk
    assert client.get(change("membershipapplication", pk)).status_code == 404
    client.force_login(personas.staff_a)
    with django_assert_max_num_queries(14):
        response = client.get(changelist("membershipapplication"))
    assert len(response.context["cl"].result_list) == 6


def test_transfer_admin_shows_both_sides_receiving_side_decides(client, org_tree, personas):
    transfer = services.transfer_request(user=personas.member.user, to_branch_id=org_tree.base_b1.pk)
    url = changelist("transfer")
    client.force_login(personas.staff_a)
    assert transfer in client.get(url).context["cl"].result_list
    client.post(url, {"action": "approve_selected", "_selected_action": [transfer.pk]})
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.PENDING
    client.force_login(personas.staff_b)
    client.post(url, {"action": "approve_selected", "_selected_action": [transfer.pk]})
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.APPROVED


@pytest.mark.parametrize("model", ["branch", "member", "staffrole", "membershipapplication", "transfer"])
def test_member_and_outsider_get_no_admin_lists(client, personas, model):
    client.force_login(personas.outsider)
    assert client.get(changelist(model)).status_code == 302  # to the admin login: not staff
