"""/api/v1/claims/ for members and /api/v1/claims/review/ for reviewers, by persona."""

import pytest

from benefits.models import Claim, ClaimDocument
from tests.benefits.claims_helpers import (
    PDF_BYTES,
    draft_stay,
    png_bytes,
    stay_facts,
    submitted_stay,
    upload,
)

pytestmark = pytest.mark.django_db
S = Claim.State
BASE = "/api/v1/claims/"
REVIEW = "/api/v1/claims/review/"


def body(**overrides):
    facts = stay_facts(**overrides)
    facts["invoice_numbers"] = ["FP20260001", "FP20260002"]
    return facts


def test_anonymous_gets_nothing(api_client, claim_world):
    assert api_client.get(BASE).status_code in (401, 403)
    assert api_client.get(REVIEW).status_code in (401, 403)


def test_the_whole_member_flow(api_client, claim_world, django_capture_on_commit_callbacks):
    api_client.force_authenticate(claim_world.claimant.user)
    response = api_client.post(BASE, {"enrolment": claim_world.enrolment.pk, "kind": "inpatient_self_pay",
                                      **body(hospital="")}, format="json")
    assert response.status_code == 201, response.json()
    claim_id = response.json()["id"]
    assert "医院" in response.json()["missing"]
    response = api_client.patch(f"{BASE}{claim_id}/", {"hospital": "市第一医院"}, format="json")
    assert response.status_code == 200 and response.json()["hospital"] == "市第一医院"
    response = api_client.post(f"{BASE}{claim_id}/submit/")
    assert response.status_code == 400 and "出院小结" in response.json()["error"]["message"]
    for kind, data, name in (("invoice", PDF_BYTES, "a.pdf"), ("discharge_summary", png_bytes(), "b.png")):
        response = api_client.post(f"{BASE}{claim_id}/documents/", {"kind": kind, "file": upload(data, name)},
                                   format="multipart")
        assert response.status_code == 201, response.json()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(f"{BASE}{claim_id}/submit/")
    assert response.status_code == 200
    claim = api_client.get(f"{BASE}{claim_id}/").json()
    assert claim["state"] == S.BASE_REVIEW and claim["proposed_amount"] == "900.00"
    timeline = api_client.get(f"{BASE}{claim_id}/timeline/").json()
    assert [e["action"] for e in timeline] == ["create", "update", "submit", "assess"]
    second = api_client.post(f"{BASE}{claim_id}/submit/")
    assert second.status_code == 400 and second.json()["error"]["code"] == "wrong_state"


def test_a_claim_on_someone_elses_enrolment(api_client, claim_world):
    api_client.force_authenticate(claim_world.claimant.user)
    response = api_client.post(BASE, {"enrolment": claim_world.other_enrolment.pk, "kind": "inpatient_self_pay",
                                      **body()}, format="json")
    assert response.status_code == 400 and "enrolment" in response.json()["error"]["fields"]
    assert not Claim.objects.exists()


def test_absurd_amounts_are_refused_with_fields(api_client, claim_world):
    api_client.force_authenticate(claim_world.claimant.user)
    response = api_client.post(BASE, {"enrolment": claim_world.enrolment.pk, "kind": "inpatient_self_pay",
                                      **body(self_paid="13000", bed_fee="-1")}, format="json")
    fields = response.json()["error"]["fields"]
    assert response.status_code == 400 and {"self_paid", "bed_fee"} <= set(fields)
    assert not Claim.objects.exists()


def test_uploads_are_checked_and_draft_documents_removed(api_client, claim_world):
    claim = draft_stay(claim_world)
    api_client.force_authenticate(claim_world.claimant.user)
    bad = api_client.post(f"{BASE}{claim.pk}/documents/",
                          {"kind": "invoice", "file": upload(b"MZ" + b"\0" * 100, "x.pdf")}, format="multipart")
    assert bad.status_code == 400
    good = api_client.post(f"{BASE}{claim.pk}/documents/",
                           {"kind": "invoice", "file": upload(PDF_BYTES, "x.pdf")}, format="multipart")
    token = good.json()["token"]
    assert api_client.delete(f"{BASE}{claim.pk}/documents/{token}/").status_code == 204
    assert ClaimDocument.objects.get(token=token).removed_at is not None


def test_another_member_sees_404(api_client, claim_world):
    claim = draft_stay(claim_world)
    api_client.force_authenticate(claim_world.other.user)
    assert api_client.get(f"{BASE}{claim.pk}/").status_code == 404
    assert api_client.patch(f"{BASE}{claim.pk}/", {"hospital": "x"}, format="json").status_code == 404
    assert api_client.post(f"{BASE}{claim.pk}/withdraw/").status_code == 404
    assert api_client.get(BASE).json()["count"] == 0


def test_withdraw_by_api(api_client, claim_world):
    claim = draft_stay(claim_world)
    api_client.force_authenticate(claim_world.claimant.user)
    assert api_client.post(f"{BASE}{claim.pk}/withdraw/", {"message": "不需要了"}, format="json").status_code == 200
    again = api_client.post(f"{BASE}{claim.pk}/withdraw/")
    assert again.status_code == 400 and again.json()["error"]["code"] == "wrong_state"


def test_member_list_pins_queries(api_client, claim_world, django_assert_max_num_queries):
    for _ in range(6):
        draft_stay(claim_world)
    api_client.force_authenticate(claim_world.claimant.user)
    with django_assert_max_num_queries(6):
        response = api_client.get(BASE)
    assert response.json()["count"] == 6


# --- review -----------------------------------------------------------------------------------------------


def test_review_queue_scope_by_persona(api_client, claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    for who, count in (("reviewer_base", 1), ("reviewer_fed", 1), ("reviewer_sibling", 0), ("reviewer_b", 0),
                       ("finance", 0)):
        api_client.force_authenticate(getattr(claim_world, who))
        assert api_client.get(REVIEW + "?level=base").json()["count"] == count, who
        assert api_client.get(f"{REVIEW}{claim.pk}/").status_code == (200 if count else 404), who
    api_client.force_authenticate(claim_world.claimant.user)
    assert api_client.get(REVIEW).json()["count"] == 0


def test_review_queue_pins_queries(api_client, claim_world, django_capture_on_commit_callbacks,
                                   django_assert_max_num_queries):
    for i in range(5):
        submitted_stay(claim_world, django_capture_on_commit_callbacks, invoice_numbers=f"FPQ{i:05d}")
    api_client.force_authenticate(claim_world.reviewer_base)
    with django_assert_max_num_queries(6):
        response = api_client.get(REVIEW + "?level=base")
    assert response.json()["count"] == 5


def test_decisions_through_the_api_and_a_stale_version(api_client, claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    api_client.force_authenticate(claim_world.reviewer_base)
    response = api_client.post(f"{REVIEW}{claim.pk}/decide/", {"action": "pass", "version": claim.version},
                               format="json")
    assert response.status_code == 200 and response.json()["state"] == S.FEDERATION_REVIEW
    stale = api_client.post(f"{REVIEW}{claim.pk}/decide/", {"action": "return", "version": claim.version,
                                                             "message": "x", "items": ["document:invoice"]},
                            format="json")
    assert stale.status_code in (403, 409)
    api_client.force_authenticate(claim_world.reviewer_fed)
    version = response.json()["version"]
    conflict = api_client.post(f"{REVIEW}{claim.pk}/decide/", {"action": "approve", "version": version - 1},
                               format="json")
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "conflict"
    ok = api_client.post(f"{REVIEW}{claim.pk}/decide/", {"action": "approve", "version": version}, format="json")
    assert ok.status_code == 200 and ok.json()["state"] == S.APPROVED
    assert [e["action"] for e in ok.json()["history"]][-2:] == ["pass", "approve"]


def test_a_decision_on_a_claim_in_the_wrong_state(api_client, claim_world):
    claim = draft_stay(claim_world)
    api_client.force_authenticate(claim_world.reviewer_base)
    response = api_client.post(f"{REVIEW}{claim.pk}/decide/", {"action": "pass", "version": claim.version},
                               format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "wrong_state"


def test_sibling_reviewer_cannot_decide(api_client, claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    api_client.force_authenticate(claim_world.reviewer_sibling)
    response = api_client.post(f"{REVIEW}{claim.pk}/decide/", {"action": "pass", "version": claim.version},
                               format="json")
    assert response.status_code == 404
