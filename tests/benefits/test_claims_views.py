"""The member's claim pages, the private document view and decision letters, by persona."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from benefits.claims import services as claims
from benefits.models import Claim, ClaimDocument
from tests.benefits.claims_helpers import (
    PDF_BYTES,
    approved,
    draft_stay,
    jpeg_with_gps,
    stay_facts,
    submitted_stay,
    upload,
)

pytestmark = pytest.mark.django_db
S = Claim.State


def test_anonymous_is_sent_to_login(client, claim_world):
    response = client.get(reverse("benefits:claims"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_list_shows_own_claims_only_in_fixed_queries(client, claim_world, django_assert_max_num_queries):
    for _ in range(5):
        draft_stay(claim_world)
    claims.claim_create(actor=claim_world.other.user, enrolment_id=claim_world.other_enrolment.pk,
                        kind="inpatient_self_pay", facts=stay_facts())
    client.force_login(claim_world.claimant.user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("benefits:claims"))
    assert response.status_code == 200
    assert response.content.decode().count("/benefits/claims/") - 1 >= 5
    other = Claim.objects.get(member=claim_world.other)
    assert other.number not in response.content.decode()


def test_apply_from_start_to_submit(client, claim_world, django_capture_on_commit_callbacks):
    client.force_login(claim_world.claimant.user)
    response = client.post(reverse("benefits:claim-new"),
                           {"enrolment": claim_world.enrolment.pk, "kind": "inpatient_self_pay"})
    claim = Claim.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("benefits:claim-edit", args=[claim.pk])
    form = client.get(response["Location"]).content.decode()
    assert 'name="bed_fee"' in form and 'name="grade"' not in form  # only the kind's facts
    response = client.post(reverse("benefits:claim-edit", args=[claim.pk]), stay_facts())
    assert response.status_code == 302
    detail = client.get(reverse("benefits:claim", args=[claim.pk])).content.decode()
    assert "医疗费用发票" in detail and "出院小结" in detail  # still missing
    for kind, data, name in (("invoice", PDF_BYTES, "a.pdf"), ("discharge_summary", jpeg_with_gps(), "b.jpg")):
        client.post(reverse("benefits:claim-document-upload", args=[claim.pk]),
                    {"kind": kind, "file": upload(data, name)})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("benefits:claim-submit", args=[claim.pk]))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == S.BASE_REVIEW
    page = client.get(reverse("benefits:claim", args=[claim.pk])).content.decode()
    assert "提交申请" in page and "系统核算完成" in page  # the timeline


def test_bad_facts_answer_400_with_the_message_and_save_nothing(client, claim_world):
    claim = draft_stay(claim_world)
    client.force_login(claim_world.claimant.user)
    response = client.post(reverse("benefits:claim-edit", args=[claim.pk]),
                           stay_facts(self_paid="20000.00", hospital="别处"))
    assert response.status_code == 400
    assert "个人自付金额不能超过医疗费用总额" in response.content.decode()
    claim.refresh_from_db()
    assert claim.hospital == "市第一医院"


def test_an_executable_upload_is_refused_with_a_message(client, claim_world):
    claim = draft_stay(claim_world)
    client.force_login(claim_world.claimant.user)
    response = client.post(reverse("benefits:claim-document-upload", args=[claim.pk]),
                           {"kind": "invoice", "file": upload(b"MZ\x90\x00" * 100, "invoice.jpg")}, follow=True)
    assert response.status_code == 200 and "不是这几种格式" in response.content.decode()
    assert not ClaimDocument.objects.exists()


def test_another_member_gets_404_on_every_page(client, claim_world):
    claim = draft_stay(claim_world)
    client.force_login(claim_world.other.user)
    for name in ("benefits:claim", "benefits:claim-edit"):
        assert client.get(reverse(name, args=[claim.pk])).status_code == 404
    assert client.post(reverse("benefits:claim-submit", args=[claim.pk])).status_code == 404
    assert client.post(reverse("benefits:claim-withdraw", args=[claim.pk])).status_code == 404


def test_a_second_submit_page_post_shows_a_message(client, claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    client.force_login(claim_world.claimant.user)
    response = client.post(reverse("benefits:claim-submit", args=[claim.pk]), follow=True)
    assert response.status_code == 200 and "不能重复提交" in response.content.decode()


def test_withdraw_from_the_page(client, claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    client.force_login(claim_world.claimant.user)
    # One tap without the confirmation withdraws nothing and says why.
    response = client.post(reverse("benefits:claim-withdraw", args=[claim.pk]), {"message": "已由单位报销"},
                           follow=True)
    assert "请先勾选确认" in response.content.decode()
    claim.refresh_from_db()
    assert claim.state != S.WITHDRAWN
    client.post(reverse("benefits:claim-withdraw", args=[claim.pk]), {"message": "已由单位报销", "confirm": "on"})
    claim.refresh_from_db()
    assert claim.state == S.WITHDRAWN
    assert claim.events.get(action="withdraw").message == "已由单位报销"


# --- the private document view ----------------------------------------------------------------------------


@pytest.fixture
def document(claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    return claim.documents.get(kind="invoice")


@pytest.mark.parametrize(("who", "status"), [
    ("claimant", 200), ("reviewer_base", 200), ("reviewer_fed", 200), ("finance", 404),
    ("other", 404), ("reviewer_sibling", 404), ("reviewer_b", 404), ("nobody", 404),
])
def test_documents_are_served_to_the_owner_and_reviewers_only(client, claim_world, document, who, status):
    user = getattr(claim_world, who)
    client.force_login(getattr(user, "user", user))
    response = client.get(reverse("benefits:claim-document", args=[document.token]))
    assert response.status_code == status
    if status == 200:
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("inline;")
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == PDF_BYTES


def test_anonymous_cannot_open_a_document(client, document):
    assert client.get(reverse("benefits:claim-document", args=[document.token])).status_code == 404


def test_no_public_media_url(client, document):
    assert client.get("/media/" + document.file.name).status_code == 404


# --- decision letters -------------------------------------------------------------------------------------


def test_the_decision_letter_of_an_approved_claim(client, claim_world, django_capture_on_commit_callbacks):
    claim = approved(claim_world, django_capture_on_commit_callbacks)
    client.force_login(claim_world.claimant.user)
    response = client.get(reverse("benefits:claim-letter", args=[claim.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    client.force_login(claim_world.other.user)
    assert client.get(reverse("benefits:claim-letter", args=[claim.pk])).status_code == 404


def test_the_decision_letter_of_a_rejected_claim_gives_the_reason(client, claim_world,
                                                                  django_capture_on_commit_callbacks):
    from tests.benefits.pdf import pdf_text

    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    claims.claim_reject(actor=claim_world.reviewer_base, claim_id=claim.pk, version=claim.version,
                        reason="deadline", message="出院已逾一年")
    client.force_login(claim_world.reviewer_base)
    response = client.get(reverse("benefits:claim-letter", args=[claim.pk]))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "不予补助" in text and "超过申请时限" in text and "出院已逾一年" in text


def test_no_letter_before_a_decision(client, claim_world):
    claim = draft_stay(claim_world)
    client.force_login(claim_world.claimant.user)
    assert client.get(reverse("benefits:claim-letter", args=[claim.pk])).status_code == 404


def test_event_outside_cover_on_the_page(client, claim_world):
    claim = draft_stay(claim_world)
    client.force_login(claim_world.claimant.user)
    far = (timezone.localdate() - timedelta(days=100)).isoformat()
    response = client.post(reverse("benefits:claim-edit", args=[claim.pk]),
                           stay_facts(admission_date=far))
    assert response.status_code == 400 and "不在您的保障期" in response.content.decode()
