"""Pages: finding a union, applying, my membership, transfers, the staff queue."""

import pytest
from django.urls import reverse

from members.models import Member, MembershipApplication, Notification, Transfer
from members.organisation import services
from tests.factories import ApplicantFactory, apply_form_data, make_branch


@pytest.fixture
def federated(org_tree):
    return make_branch("思明区快递物流行业联合工会", parent=org_tree.district_a, kind="federated",
                       federated_type="industry", region="思明区")


def test_branch_search_by_name_and_area_public(client, org_tree, federated):
    response = client.get(reverse("members:branch-list"), {"search": "鹭江"})
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [org_tree.base_a1]
    # Districts and the city federation are not joined directly.
    assert org_tree.district_a not in client.get(reverse("members:branch-list")).context["page"].object_list
    by_area = client.get(reverse("members:branch-list"), {"search": "思明区"}).context["page"].object_list
    assert list(by_area) == [federated]


def test_workers_without_an_own_union_are_led_to_federated_unions(client, org_tree, federated):
    response = client.get(reverse("members:branch-list"), {"informal": "on"})
    assert list(response.context["page"].object_list) == [federated]
    assert "联合工会都接收没有单位工会的职工" in response.content.decode()


def test_branch_list_pins_queries(client, org_tree, django_assert_max_num_queries):
    for n in range(25):
        make_branch(f"企业{n:02d}工会", parent=org_tree.district_b, kind="base")
    with django_assert_max_num_queries(6):  # an N+1 would add 20
        response = client.get(reverse("members:branch-list"))
    assert len(response.context["page"].object_list) == 20


def test_apply_page_prefills_and_submits(client, org_tree, staff_of):
    staff_of(org_tree.district_a)
    user = ApplicantFactory(name="赵磊")
    client.force_login(user)
    url = reverse("members:branch-join", args=[org_tree.base_a1.pk])
    form = client.get(url).context["form"]
    assert form.initial["name"] == "赵磊" and form.initial["mobile"] == user.mobile
    response = client.post(url, apply_form_data(1))
    assert response.status_code == 302 and response["Location"] == reverse("members:membership")
    assert MembershipApplication.objects.get(user=user).branch == org_tree.base_a1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id_number": "350203198503150012"}, "校验位不正确"),
        ({"id_number": "350203198513150011"}, "出生日期不存在"),
    ],
)
def test_apply_page_shows_the_error_on_the_field_and_saves_nothing(client, org_tree, overrides, message):
    client.force_login(ApplicantFactory())
    response = client.post(reverse("members:branch-join", args=[org_tree.base_a1.pk]), apply_form_data(1, **overrides))
    assert response.status_code == 400
    assert message in response.context["form"].errors["id_number"][0]
    assert not Member.objects.exists()
    # The ID number typed in is not echoed into the URL: the form posts to the page itself.
    assert response.request["PATH_INFO"] == reverse("members:branch-join", args=[org_tree.base_a1.pk])


def test_apply_page_needs_login_and_a_joinable_branch(client, org_tree):
    url = reverse("members:branch-join", args=[org_tree.base_a1.pk])
    assert client.get(url).status_code == 302
    client.force_login(ApplicantFactory())
    assert client.get(reverse("members:branch-join", args=[org_tree.district_a.pk])).status_code == 404


def test_membership_page_masks_the_id_number(client, personas):
    client.force_login(personas.member.user)
    text = client.get(reverse("members:membership")).content.decode()
    assert personas.member.member_number in text
    assert personas.member.id_number not in text and personas.member.id_number[-4:] in text


def test_membership_page_for_a_newcomer_points_to_joining(client, user_factory):
    client.force_login(user_factory())
    assert reverse("members:branch-list") in client.get(reverse("members:membership")).content.decode()


def test_transfer_request_page_and_withdrawal(client, org_tree, personas):
    client.force_login(personas.member.user)
    own = client.post(reverse("members:transfer-request", args=[org_tree.base_a1.pk]), {"note": ""})
    assert own.status_code == 400 and "不能转到自己所在的工会" in own.content.decode()
    response = client.post(reverse("members:transfer-request", args=[org_tree.base_b1.pk]), {"note": "换单位"})
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    page = client.get(reverse("members:membership")).content.decode()
    assert reverse("members:transfer-cancel", args=[transfer.pk]) in page
    client.force_login(personas.other_member.user)
    assert client.post(reverse("members:transfer-cancel", args=[transfer.pk])).status_code == 404
    client.force_login(personas.member.user)
    client.post(reverse("members:transfer-cancel", args=[transfer.pk]))
    transfer.refresh_from_db()
    assert transfer.status == "cancelled"


def _applications(org_tree, count, branch=None):
    return [
        services.membership_apply(
            user=ApplicantFactory(), branch_id=(branch or org_tree.base_a1).pk, **apply_form_data(n)
        )
        for n in range(count)
    ]


def test_staff_queue_is_scoped_and_pins_queries(client, org_tree, personas, django_assert_max_num_queries):
    _applications(org_tree, 8)
    services.transfer_request(user=personas.other_member.user, to_branch_id=org_tree.base_a2.pk)
    client.force_login(personas.staff_a)
    with django_assert_max_num_queries(12):  # an N+1 would add 8
        response = client.get(reverse("members:staff-applications"))
    assert len(response.context["page"].object_list) == 8 and len(response.context["transfers"]) == 1
    client.force_login(personas.staff_b)
    response = client.get(reverse("members:staff-applications"))
    assert len(response.context["page"].object_list) == 0 and len(response.context["transfers"]) == 0


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_staff_queue_is_404_for_people_without_a_role(client, personas, who):
    person = personas.member.user if who == "member" else personas.outsider
    client.force_login(person)
    assert client.get(reverse("members:staff-applications")).status_code == 404


def test_staff_approve_many_at_once_and_reject_needs_a_reason(client, org_tree, personas):
    first, second, third = _applications(org_tree, 3)
    client.force_login(personas.staff_a)
    url = reverse("members:staff-applications-decide")
    client.post(url, {"application": [first.pk, second.pk], "decision": "approve"})
    assert MembershipApplication.objects.filter(status="approved").count() == 2
    client.post(url, {"application": [third.pk], "decision": "reject", "reason": ""})
    third.refresh_from_db()
    assert third.status == "pending"
    client.post(url, {"application": [third.pk], "decision": "reject", "reason": "不是本单位职工"})
    third.refresh_from_db()
    assert third.status == "rejected"
    assert Notification.objects.filter(kind="membership.approved").count() == 2


def test_staff_decide_with_a_guessed_id_is_404_and_changes_nothing(client, org_tree, personas):
    (theirs,) = _applications(org_tree, 1, branch=org_tree.base_b1)
    client.force_login(personas.staff_a)
    response = client.post(reverse("members:staff-applications-decide"), {"application": [theirs.pk],
                                                                         "decision": "approve"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "pending"


def test_staff_transfer_decision_by_the_receiving_side_only(client, org_tree, personas):
    transfer = services.transfer_request(user=personas.member.user, to_branch_id=org_tree.base_b1.pk)
    url = reverse("members:staff-transfer-decide", args=[transfer.pk])
    client.force_login(personas.staff_a)  # the sending side
    assert client.post(url, {"decision": "approve"}).status_code == 404
    client.force_login(personas.staff_b)
    client.post(url, {"decision": "approve"})
    transfer.refresh_from_db()
    assert transfer.status == "approved"


def test_home_links_the_membership_pages(client, personas):
    assert reverse("members:branch-list") in client.get("/").content.decode()
    client.force_login(personas.member.user)
    text = client.get("/").content.decode()
    assert reverse("members:membership") in text and reverse("members:card") in text


def test_an_id_number_typed_in_never_reaches_a_log_line(client, org_tree, member_factory, caplog):
    existing = member_factory(branch=org_tree.base_b1)
    client.force_login(ApplicantFactory())
    with caplog.at_level("DEBUG"):
        client.post(reverse("members:branch-join", args=[org_tree.base_a1.pk]),
                    apply_form_data(1, id_number=existing.id_number))
        client.post(reverse("members:branch-join", args=[org_tree.base_a1.pk]),
                    apply_form_data(2, id_number="350203198503150012"))
    assert caplog.records  # the 400s were logged...
    assert existing.id_number not in caplog.text and "350203198503150012" not in caplog.text  # ...without it
