"""Bad input to /api/v1/claims/ from a member (owner) or a generated client: a field message each, nothing saved,
no Python repr in a message."""

import pytest

from benefits.models import Claim
from tests.benefits.claims_helpers import draft_stay

pytestmark = pytest.mark.django_db
BASE = "/api/v1/claims/"


def _fields(response) -> dict:
    assert response.status_code == 400, response.content
    fields = response.json()["error"]["fields"]
    for messages in fields.values():
        assert all(isinstance(m, str) and not m.startswith(("[", "{")) for m in messages)
    return fields


@pytest.mark.parametrize("amount", ["NaN", "nan", "Infinity", "-Infinity", "sNaN", "1e999999"])
def test_not_a_number_amounts_are_refused_with_a_field_message(api_client, claim_world, amount):
    api_client.force_authenticate(claim_world.claimant.user)
    response = api_client.post(BASE, {"enrolment": claim_world.enrolment.pk, "kind": "inpatient_self_pay",
                                      "total_cost": amount}, format="json")
    fields = _fields(response)
    assert list(fields) == ["total_cost"]
    assert "负数" not in fields["total_cost"][0]  # NaN is not a negative number: say what is wrong
    assert not Claim.objects.exists()


def test_a_fact_of_another_kind_is_refused_by_name_on_create_and_update(api_client, claim_world):
    api_client.force_authenticate(claim_world.claimant.user)
    response = api_client.post(BASE, {"enrolment": claim_world.enrolment.pk, "kind": "accidental_injury",
                                      "diagnosis": "骨折", "bed_fee": "300", "grade": "一级"}, format="json")
    assert set(_fields(response)) == {"bed_fee", "grade"}
    assert not Claim.objects.exists()
    claim = draft_stay(claim_world)
    response = api_client.patch(f"{BASE}{claim.pk}/", {"disease_code": "C34", "hospital": "市第二医院"},
                                format="json")
    assert set(_fields(response)) == {"disease_code"}
    claim.refresh_from_db()
    assert claim.hospital == "市第一医院"  # nothing saved half-way


def test_an_account_holder_of_invisible_characters_is_refused(api_client, claim_world):
    api_client.force_authenticate(claim_world.claimant.user)
    claim = draft_stay(claim_world)
    for holder in ("\u200b", "\u200b\u200c\u200d", "\u3000\ufeff"):
        response = api_client.patch(f"{BASE}{claim.pk}/", {"account_holder": holder}, format="json")
        assert "不可见" in _fields(response)["account_holder"][0]
    claim.refresh_from_db()
    assert claim.account_holder == "张三"
    response = api_client.patch(f"{BASE}{claim.pk}/", {"account_holder": "\u200b李四\u200b"}, format="json")
    assert response.status_code == 200 and response.json()["account_holder"] == "李四"  # invisible ends trimmed


def test_another_members_claim_is_not_found_for_a_bad_body_either(api_client, claim_world):
    """Outsider persona: a bad body on someone else's claim reveals nothing about it."""
    claim = draft_stay(claim_world)
    api_client.force_authenticate(claim_world.other.user)
    response = api_client.patch(f"{BASE}{claim.pk}/", {"total_cost": "NaN"}, format="json")
    assert response.status_code == 404
