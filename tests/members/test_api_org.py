"""API: public branch search, my membership, staff endpoints scoped like the admin."""

import pytest
from django.core.management import call_command

from members.models import Member, MembershipApplication, Transfer
from members.organisation import services
from tests.factories import ApplicantFactory, apply_form_data, make_branch


def test_public_branch_search_with_filters(api_client, org_tree):
    park = make_branch("火炬园区联合工会", parent=org_tree.district_b, kind="federated", federated_type="park",
                       region="湖里区")
    response = api_client.get("/api/v1/branches/", {"search": "火炬"})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [park.pk]
    assert api_client.get("/api/v1/branches/", {"kind": "federated", "federated_type": "park"}).json()["count"] == 1
    assert api_client.get("/api/v1/branches/", {"region": "湖里"}).json()["count"] == 1
    assert api_client.get("/api/v1/branches/", {"kind": "nonsense"}).status_code == 400


def test_branch_search_pins_queries(api_client, org_tree, django_assert_max_num_queries):
    for n in range(15):
        make_branch(f"企业{n:02d}工会", parent=org_tree.district_b, kind="base")
    with django_assert_max_num_queries(5):
        assert api_client.get("/api/v1/branches/").json()["count"] == 21


def test_membership_needs_login(api_client, db):
    assert api_client.get("/api/v1/me/membership/").status_code in (401, 403)


def test_apply_transfer_and_card_token_through_the_api(api_client, org_tree, staff_of):
    admin_a = staff_of(org_tree.district_a)
    user = ApplicantFactory()
    api_client.force_authenticate(user)
    assert api_client.get("/api/v1/me/membership/").json()["member"] is None
    response = api_client.post("/api/v1/me/membership/", {"branch": org_tree.base_a1.pk, **apply_form_data(1)})
    assert response.status_code == 201 and response.json()["status"] == "pending"
    data = api_client.get("/api/v1/me/membership/").json()
    assert data["member"]["status"] == "applied"
    typed = apply_form_data(1)["id_number"]
    assert data["member"]["id_number"] == typed[:3] + "*" * 11 + typed[-4:]
    assert api_client.get("/api/v1/me/membership/card-token/").status_code == 404

    services.application_approve(actor=admin_a, application_id=response.json()["id"])
    token = api_client.get("/api/v1/me/membership/card-token/").json()
    assert token["verify_url"].endswith(f"/card/verify/{token['token']}/")
    response = api_client.post("/api/v1/me/membership/transfer/", {"to_branch": org_tree.base_b1.pk})
    assert response.status_code == 201 and response.json()["to_branch"] == org_tree.base_b1.pk


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_number": "350203198503150012"}, "id_number", "校验位不正确"),
        ({"id_number": "350203198502300011"}, "id_number", "出生日期不存在"),
        ({"mobile": "1350000"}, "mobile", "手机号码"),
    ],
)
def test_apply_bad_input_answers_400_with_the_field(api_client, org_tree, overrides, field, message):
    api_client.force_authenticate(ApplicantFactory())
    response = api_client.post(
        "/api/v1/me/membership/", {"branch": org_tree.base_a1.pk, **apply_form_data(1, **overrides)}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert message in error["message"] and field in error["fields"]
    assert not Member.objects.exists()


@pytest.mark.parametrize("name", ["\u200b\u200b", "\u3164", "\u3000\u200d", "\u2800"])
def test_apply_with_a_name_of_invisible_characters_is_refused_on_the_name(api_client, org_tree, name):
    api_client.force_authenticate(ApplicantFactory())
    response = api_client.post(
        "/api/v1/me/membership/", {"branch": org_tree.base_a1.pk, **apply_form_data(1, name=name)}
    )
    assert response.status_code == 400
    assert "不可见" in response.json()["error"]["fields"]["name"][0]
    assert not Member.objects.exists()


def test_api_refuses_applying_while_a_member_and_a_transfer_to_ones_own_branch(api_client, personas, org_tree):
    member = personas.member
    api_client.force_authenticate(member.user)
    response = api_client.post("/api/v1/me/membership/", {
        "branch": org_tree.base_a2.pk, **apply_form_data(1, id_number=member.id_number, mobile=member.mobile)
    })
    assert response.status_code == 400 and response.json()["error"]["code"] == "already_member"
    response = api_client.post("/api/v1/me/membership/transfer/", {"to_branch": org_tree.base_a1.pk})
    assert response.status_code == 400 and "不能转到自己所在的工会" in response.json()["error"]["message"]
    assert not Transfer.objects.exists()


def test_staff_member_list_is_scoped_masked_and_detail_is_full(api_client, personas):
    api_client.force_authenticate(personas.staff_a)
    rows = api_client.get("/api/v1/staff/members/").json()["results"]
    assert [row["id"] for row in rows] == [personas.member.pk]
    assert rows[0]["id_number"] != personas.member.id_number and rows[0]["id_number"].endswith(
        personas.member.id_number[-4:]
    )
    detail = api_client.get(f"/api/v1/staff/members/{personas.member.pk}/").json()
    assert detail["id_number"] == personas.member.id_number
    assert api_client.get(f"/api/v1/staff/members/{personas.other_member.pk}/").status_code == 404
    api_client.force_authenticate(personas.staff_parent)
    assert api_client.get("/api/v1/staff/members/").json()["count"] == 2


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_staff_endpoints_refuse_people_without_a_role(api_client, personas, who):
    api_client.force_authenticate(personas.member.user if who == "member" else personas.outsider)
    for url in ("/api/v1/staff/members/", "/api/v1/staff/applications/", "/api/v1/staff/transfers/"):
        assert api_client.get(url).status_code == 403


def test_staff_member_list_pins_queries(api_client, org_tree, staff_of, member_factory, django_assert_max_num_queries):
    member_factory.create_batch(12, branch=org_tree.base_a1)
    api_client.force_authenticate(staff_of(org_tree.city))
    with django_assert_max_num_queries(6):
        assert api_client.get("/api/v1/staff/members/").json()["count"] == 12


def test_staff_applications_approve_reject_and_bulk(api_client, org_tree, personas):
    apps = [
        services.membership_apply(user=ApplicantFactory(), branch_id=org_tree.base_a1.pk, **apply_form_data(n))
        for n in range(4)
    ]
    api_client.force_authenticate(personas.staff_b)
    assert api_client.get("/api/v1/staff/applications/").json()["count"] == 0
    assert api_client.post(f"/api/v1/staff/applications/{apps[0].pk}/approve/").status_code == 404
    bulk = api_client.post("/api/v1/staff/applications/decide/", {"ids": [apps[0].pk], "decision": "approve"},
                           format="json")
    assert bulk.status_code == 404

    api_client.force_authenticate(personas.staff_a)
    listing = api_client.get("/api/v1/staff/applications/", {"status": "pending"}).json()
    assert listing["count"] == 4
    assert api_client.post(f"/api/v1/staff/applications/{apps[0].pk}/approve/").json()["status"] == "approved"
    no_reason = api_client.post(f"/api/v1/staff/applications/{apps[1].pk}/reject/", {"reason": ""})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]["fields"]
    assert api_client.post(f"/api/v1/staff/applications/{apps[1].pk}/reject/", {"reason": "重复"}).status_code == 200
    bulk = api_client.post(
        "/api/v1/staff/applications/decide/", {"ids": [a.pk for a in apps], "decision": "approve"}, format="json"
    )
    assert bulk.json() == {"done": 2, "skipped": 2}
    assert MembershipApplication.objects.filter(status="approved").count() == 3


def test_staff_transfers_receiving_side_decides(api_client, org_tree, personas):
    transfer = services.transfer_request(user=personas.member.user, to_branch_id=org_tree.base_b1.pk)
    api_client.force_authenticate(personas.staff_a)
    assert api_client.get("/api/v1/staff/transfers/").json()["count"] == 1  # the sending side sees it
    assert api_client.post(f"/api/v1/staff/transfers/{transfer.pk}/approve/").status_code == 403
    api_client.force_authenticate(personas.staff_b)
    assert api_client.post(f"/api/v1/staff/transfers/{transfer.pk}/approve/").json()["status"] == "approved"


def test_schema_is_valid(client, db):
    assert client.get("/api/schema/").status_code == 200
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
