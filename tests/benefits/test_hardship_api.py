"""/api/v1/aid/hardship/: the member's own family and the staff's scoped side, with the error envelope. Personas
from `hw`: the member, the base officer, the sibling branch's officer, the district admin, finance (no hardship
role), an officer with their own family, a user with no member row, and nobody signed in."""

import io

import pytest
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from benefits.models import HardshipFamily
from benefits.review import links
from tests.benefits.hardship_helpers import S, family_at, file_family, notice_over

pytestmark = pytest.mark.django_db
BASE = "/api/v1/aid/hardship"


@pytest.fixture
def api():
    return APIClient()


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10), "white").save(buffer, format="PNG")
    buffer.name = "photo.png"
    buffer.seek(0)
    return buffer


def test_signed_out_people_get_401_or_403(api):
    assert api.get(f"{BASE}/mine/").status_code in (401, 403)
    assert api.get(f"{BASE}/families/").status_code in (401, 403)


def test_the_member_files_reads_and_adds_to_their_family(api, hw):
    api.force_authenticate(hw.member.user)
    assert api.get(f"{BASE}/mine/").status_code == 404
    response = api.post(f"{BASE}/mine/", {"cause": "illness", "monthly_income": "2000", "household_size": 3},
                        format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["per_capita_income"] == "666.67"
    assert response.json()["status"] == "filed"
    response = api.post(f"{BASE}/mine/household/", {"name": "王小明", "relation": "子女", "age": 17,
                                                    "schooling": "high"}, format="json")
    assert response.status_code == 201
    response = api.post(f"{BASE}/mine/documents/", {"kind": "income", "file": _png()}, format="multipart")
    assert response.status_code == 201, response.json()
    body = api.get(f"{BASE}/mine/").json()
    assert [p["name"] for p in body["household"]] == ["王小明"]
    assert body["documents"][0]["kind"] == "income"
    assert "objections" not in body and "member" not in body


@pytest.mark.parametrize(("data", "field"), [
    ({"cause": "illness", "monthly_income": "-1", "household_size": 3}, "monthly_income"),
    ({"cause": "illness", "monthly_income": "100", "household_size": 21}, "household_size"),
    ({"cause": "illness", "monthly_income": "100", "household_size": 0}, "household_size"),
    ({"cause": "nothing", "monthly_income": "100", "household_size": 2}, "cause"),
])
def test_bad_figures_answer_400_with_the_field(api, hw, data, field):
    api.force_authenticate(hw.member.user)
    response = api.post(f"{BASE}/mine/", data, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not HardshipFamily.objects.exists()


def test_a_second_family_answers_409(api, hw):
    file_family(hw)
    api.force_authenticate(hw.member.user)
    response = api.post(f"{BASE}/mine/", {"cause": "illness", "monthly_income": "100", "household_size": 2},
                        format="json")
    assert response.status_code == 409
    assert "不能重复登记" in response.json()["error"]["message"]


def test_a_user_without_a_member_row_cannot_file(api, hw):
    api.force_authenticate(hw.nobody)
    response = api.post(f"{BASE}/mine/", {"cause": "illness", "monthly_income": "100", "household_size": 2},
                        format="json")
    assert response.status_code == 403


def test_staff_endpoints_refuse_people_without_a_hardship_role(api, hw):
    file_family(hw)
    for person in (hw.member.user, hw.finance, hw.nobody):
        api.force_authenticate(person)
        assert api.get(f"{BASE}/families/").status_code == 403
        assert api.get(f"{BASE}/notices/").status_code == 403
        assert api.get(f"{BASE}/statistics/").status_code == 403


def test_staff_see_only_their_scope(api, hw):
    family = file_family(hw)
    api.force_authenticate(hw.sibling)
    assert api.get(f"{BASE}/families/").json()["count"] == 0
    assert api.get(f"{BASE}/families/{family.pk}/").status_code == 404
    assert api.post(f"{BASE}/families/{family.pk}/notice/").status_code == 404
    api.force_authenticate(hw.officer)
    assert api.get(f"{BASE}/families/").json()["count"] == 1
    body = api.get(f"{BASE}/families/{family.pk}/").json()
    assert body["member"]["id_number"] != hw.member.id_number and "*" in body["member"]["id_number"]


def test_the_staff_flow_through_the_api(api, hw):
    family = file_family(hw)
    api.force_authenticate(hw.officer)
    url = f"{BASE}/families/{family.pk}"
    response = api.post(f"{url}/confirm/", {"level": "deep"}, format="json")
    assert response.status_code == 409 and "尚未入户走访" in response.json()["error"]["message"]
    response = api.post(f"{url}/home-visits/", {"visited_on": timezone.localdate().isoformat(), "notes": "核实",
                                                "photos": [_png()]}, format="multipart")
    assert response.status_code == 201, response.json()
    assert len(response.json()["home_visits"][0]["photos"]) == 1
    assert api.post(f"{url}/notice/").json()["status"] == "notice"
    response = api.post(f"{url}/objections/", {"received_on": timezone.localdate().isoformat(), "content": "异议"},
                        format="json")
    assert response.status_code == 201
    objection_id = response.json()["objections"][0]["id"]
    notice_over(family)
    assert api.post(f"{url}/confirm/", {"level": "deep"}, format="json").status_code == 409
    response = api.post(f"{url}/objections/resolve/", {"objection": objection_id, "resolution": "已核实"},
                        format="json")
    assert response.status_code == 200
    assert api.post(f"{url}/confirm/", {"level": "deep"}, format="json").json()["status"] == "confirmed"
    response = api.post(f"{url}/care-visits/", {"kind": "festival", "due_on": timezone.localdate().isoformat()},
                        format="json")
    assert response.status_code == 201
    visit_id = response.json()["id"]
    assert [v["id"] for v in api.get(f"{BASE}/care-visits/").json()["results"]] == [visit_id]
    response = api.post(f"{BASE}/care-visits/{visit_id}/done/",
                        {"done_on": timezone.localdate().isoformat(), "notes": "慰问"}, format="json")
    assert response.status_code == 200 and response.json()["done_on"]
    response = api.post(f"{url}/recheck/", {"monthly_income": "900", "household_size": 3, "level": "relative"},
                        format="json")
    assert response.status_code == 200 and response.json()["level"] == "relative"
    assert api.post(f"{url}/leave/", {"reason": "情况好转"}, format="json").json()["status"] == "left"


def test_staff_cannot_act_on_their_own_family_through_the_api(api, hw):
    family = family_at(hw, S.NOTICE, hw.officer_member)
    notice_over(family)
    api.force_authenticate(hw.officer_member.user)
    response = api.post(f"{BASE}/families/{family.pk}/confirm/", {"level": "deep"}, format="json")
    assert response.status_code == 403
    assert "利益冲突" in response.json()["error"]["message"]


def test_staff_file_for_a_member_in_scope(api, hw, member_factory):
    api.force_authenticate(hw.officer)
    stranger = member_factory(branch=hw.tree.base_b1)
    data = {"cause": "low_income", "monthly_income": "800", "household_size": 2}
    assert api.post(f"{BASE}/families/", {**data, "member_number": stranger.member_number},
                    format="json").status_code == 404
    response = api.post(f"{BASE}/families/", {**data, "member_number": hw.other.member_number}, format="json")
    assert response.status_code == 201 and response.json()["member"]["name"] == hw.other.name


def test_notices_are_anonymised_and_lists_keep_their_queries(api, hw, member_factory,
                                                             django_assert_max_num_queries):
    for _ in range(4):
        family_at(hw, S.NOTICE, member_factory(branch=hw.tree.base_a1, name="张晓明"))
    api.force_authenticate(hw.officer)
    with django_assert_max_num_queries(8):
        rows = api.get(f"{BASE}/notices/").json()
    assert {row["name"] for row in rows} == {"张*明"}
    with django_assert_max_num_queries(10):
        assert api.get(f"{BASE}/families/").json()["count"] == 4


def test_statistics(api, hw):
    family_at(hw, S.CONFIRMED)
    api.force_authenticate(hw.district_admin)
    body = api.get(f"{BASE}/statistics/").json()
    assert body["totals"]["total"] == 1
    assert body["rows"][0]["branch"] == hw.tree.base_a1.name


def test_the_figures_are_corrected_through_the_api(api, hw):
    family = file_family(hw)
    api.force_authenticate(hw.member.user)
    data = {"cause": "disability", "monthly_income": "900", "household_size": 3}
    assert api.put(f"{BASE}/mine/", data, format="json").json()["per_capita_income"] == "300.00"
    assert api.put(f"{BASE}/mine/", {**data, "monthly_income": "-1"}, format="json").status_code == 400
    api.force_authenticate(hw.officer)
    response = api.post(f"{BASE}/families/{family.pk}/figures/", {**data, "monthly_income": "1200"}, format="json")
    assert response.status_code == 200 and response.json()["per_capita_income"] == "400.00"


def test_the_member_reads_no_staff_notes(api, hw):
    family_at(hw, S.CONFIRMED)
    api.force_authenticate(hw.member.user)
    body = api.get(f"{BASE}/mine/").json()
    assert body["home_visits"] and "notes" not in body["home_visits"][0]
    api.force_authenticate(hw.officer)
    body = api.get(f"{BASE}/families/{HardshipFamily.objects.get().pk}/").json()
    assert body["home_visits"][0]["notes"] == "走访核实"


@pytest.mark.parametrize("pk", ["null,null", "x", "9" * 30])
def test_an_id_that_is_no_number_answers_404_not_500(api, hw, pk):
    """Found by Schemathesis: the officer's care-visit and family ids are numbers in range, anything else no route."""
    api.force_authenticate(hw.officer)
    assert api.post(f"/api/v1/aid/hardship/care-visits/{pk}/done/", {"done_on": "2026-01-01"},
                    format="json").status_code == 404
    assert api.get(f"/api/v1/aid/hardship/families/{pk}/").status_code == 404


def test_document_links_open_without_the_session_for_whom_they_were_signed_and_no_one_else(api, hw, client):
    """The member's app gets a link signed for the member: it opens without the session cookie, for the member
    and staff in scope alike; the same token with another user's signature, a forged one or none (signed out)
    opens nothing; a link signed for the sibling branch's officer (outside the scope) opens nothing either."""
    api.force_authenticate(hw.member.user)
    api.post(f"{BASE}/mine/", {"cause": "illness", "monthly_income": "2000", "household_size": 3}, format="json")
    added = api.post(f"{BASE}/mine/documents/", {"kind": "income", "file": _png()}, format="multipart").json()
    url = added["url"]
    assert "sig=" in url
    path = url.split("testserver", 1)[-1]
    assert client.get(path).status_code == 200  # no session: the signature says who
    plain, _, signature = path.partition("?sig=")
    assert client.get(plain).status_code == 404  # signed out, no signature
    assert client.get(f"{plain}?sig={signature[:-2]}xx").status_code == 404  # forged
    api.force_authenticate(hw.officer)
    family_id = HardshipFamily.objects.get().pk
    staff_view = api.get(f"{BASE}/families/{family_id}/")
    assert staff_view.status_code == 200, staff_view.content
    staff_path = staff_view.json()["documents"][0]["url"].split("testserver", 1)[-1]
    assert client.get(staff_path).status_code == 200
    foreign = links.document_url(token=added["token"], user=hw.sibling, route="benefits:hardship-document")
    assert client.get(foreign).status_code == 404  # signed, but the sibling officer may not see it
