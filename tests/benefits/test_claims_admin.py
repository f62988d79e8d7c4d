"""The review queue and claim page in the admin, and payout batches, by persona."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from benefits.claims import services as claims
from benefits.models import Claim, PayoutBatch
from tests.benefits.claims_helpers import (
    EXPECTED_STAY_AMOUNT,
    approved,
    draft_stay,
    in_federation_review,
    submitted_stay,
)

pytestmark = pytest.mark.django_db
S = Claim.State
QUEUE = reverse("admin:benefits_claim_changelist")


def claim_page(claim):
    return reverse("admin:benefits_claim_change", args=[claim.pk])


def test_the_queue_is_scoped_to_the_reviewers_subtree(client, claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    for who, visible in (("reviewer_base", True), ("reviewer_fed", True), ("reviewer_sibling", False),
                         ("reviewer_b", False)):
        client.force_login(getattr(claim_world, who))
        response = client.get(QUEUE)
        assert response.status_code == 200
        assert (claim.number in response.content.decode()) is visible, who
        assert client.get(claim_page(claim)).status_code == (200 if visible else 404), who


def test_members_and_finance_have_no_review_queue(client, claim_world):
    client.force_login(claim_world.finance)
    assert client.get(QUEUE).status_code == 403
    client.force_login(claim_world.claimant.user)
    assert client.get(QUEUE).status_code == 302  # not staff: to the admin login


def test_the_queue_runs_the_same_queries_whatever_the_number_of_claims(
    client, claim_world, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    submitted_stay(claim_world, django_capture_on_commit_callbacks)
    client.force_login(claim_world.reviewer_base)
    client.get(QUEUE)
    with django_assert_max_num_queries(12) as few:
        client.get(QUEUE + "?level=base")
    for i in range(6):
        submitted_stay(claim_world, django_capture_on_commit_callbacks, invoice_numbers=f"FPX{i:05d}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(QUEUE + "?level=base")
    assert response.content.decode().count("/change/") >= 7


def test_filters_and_overdue_highlight(client, claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    Claim.objects.filter(pk=claim.pk).update(state_changed_at=timezone.now() - timedelta(days=12))
    client.force_login(claim_world.reviewer_base)
    page = client.get(QUEUE + "?waiting=7&flagged=no&kind=inpatient_self_pay&state=base_review").content.decode()
    assert claim.number in page and "超过审核时限" in page
    assert claim.number not in client.get(QUEUE + "?flagged=yes").content.decode()
    assert claim.number not in client.get(QUEUE + "?level=federation").content.decode()


def test_the_claim_page_shows_facts_documents_breakdown_and_history(client, claim_world,
                                                                     django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    client.force_login(claim_world.reviewer_base)
    page = client.get(claim_page(claim)).content.decode()
    image = claim.documents.get(kind="discharge_summary")
    pdf = claim.documents.get(kind="invoice")
    assert f'<img src="{reverse("benefits:claim-document", args=[image.token])}"' in page
    assert reverse("benefits:claim-document", args=[pdf.token]) in page
    assert "市第一医院" in page and "按 20% 补助" in page and "提交申请" in page
    assert 'value="pass"' in page


def test_pass_then_approve_through_the_admin(client, claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    client.force_login(claim_world.reviewer_base)
    response = client.post(claim_page(claim), {"action": "pass", "version": claim.version, "message": "材料齐全"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == S.FEDERATION_REVIEW
    # The base reviewer sees the claim but may not act at the federation level.
    assert 'value="approve"' not in client.get(claim_page(claim)).content.decode()
    client.force_login(claim_world.reviewer_fed)
    client.post(claim_page(claim), {"action": "approve", "version": claim.version})
    claim.refresh_from_db()
    assert claim.state == S.APPROVED and claim.approved_amount == EXPECTED_STAY_AMOUNT


def test_a_stale_page_is_told_the_claim_changed(client, claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    stale = claim.version
    claims.claim_return(actor=claim_world.reviewer_base, claim_id=claim.pk, version=stale, message="补材料",
                        items=["document:invoice"])
    client.force_login(claim_world.reviewer_base)
    response = client.post(claim_page(claim), {"action": "pass", "version": stale}, follow=True)
    assert "不能" in response.content.decode() or "已经变更" in response.content.decode()
    claim.refresh_from_db()
    assert claim.state == S.RETURNED


def test_adjust_without_reason_is_refused_in_the_admin(client, claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    client.force_login(claim_world.reviewer_base)
    response = client.post(claim_page(claim), {"action": "adjust", "version": claim.version, "amount": "10"},
                           follow=True)
    assert "理由" in response.content.decode()
    claim.refresh_from_db()
    assert claim.approved_amount is None


def test_a_sibling_reviewer_cannot_post_an_action(client, claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    client.force_login(claim_world.reviewer_sibling)
    assert client.post(claim_page(claim), {"action": "pass", "version": claim.version}).status_code == 404
    claim.refresh_from_db()
    assert claim.state == S.BASE_REVIEW


def test_no_delete_in_the_admin(client, claim_world):
    claim = draft_stay(claim_world)
    client.force_login(claim_world.reviewer_base)
    response = client.post(reverse("admin:benefits_claim_delete", args=[claim.pk]), {"post": "yes"})
    assert response.status_code in (403, 404)
    assert Claim.objects.filter(pk=claim.pk).exists()


# --- payouts ----------------------------------------------------------------------------------------------


def test_finance_builds_exports_and_pays_a_batch(client, claim_world, django_capture_on_commit_callbacks):
    claim = approved(claim_world, django_capture_on_commit_callbacks)
    client.force_login(claim_world.finance)
    response = client.post(reverse("admin:benefits_payoutbatch_add"), {"branch": claim_world.tree.district_a.pk})
    batch = PayoutBatch.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("admin:benefits_payoutbatch_change", args=[batch.pk])).content.decode()
    assert claim.number in page
    csv_file = client.get(reverse("admin:benefits_payoutbatch_export", args=[batch.pk, "csv"]))
    text = csv_file.content.decode("utf-8-sig")
    assert "6222020200112233445" in text and "900.00" in text
    xlsx = client.get(reverse("admin:benefits_payoutbatch_export", args=[batch.pk, "xlsx"]))
    import io

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["D2"].value == "6222020200112233445" and sheet["E2"].value == 900.0
    client.post(reverse("admin:benefits_payoutbatch_change", args=[batch.pk]), {"do": "paid"})
    claim.refresh_from_db()
    assert claim.state == S.PAID


def test_finance_of_another_district_cannot_see_the_batch(client, claim_world, staff_of,
                                                         django_capture_on_commit_callbacks):
    approved(claim_world, django_capture_on_commit_callbacks)
    result = claims.payout_batch_create(actor=claim_world.finance, branch_id=claim_world.tree.district_a.pk)
    client.force_login(staff_of(claim_world.tree.district_b, role="finance"))
    assert client.get(reverse("admin:benefits_payoutbatch_change", args=[result.batch.pk])).status_code == 404
    assert client.get(reverse("admin:benefits_payoutbatch_export", args=[result.batch.pk, "csv"])).status_code == 404
    # and the build form offers only their own subtree
    page = client.get(reverse("admin:benefits_payoutbatch_add")).content.decode()
    assert claim_world.tree.district_a.name not in page


def test_mark_a_single_failure_in_the_admin(client, claim_world, django_capture_on_commit_callbacks):
    claim = in_federation_review(claim_world, django_capture_on_commit_callbacks)
    claims.claim_approve(actor=claim_world.reviewer_fed, claim_id=claim.pk, version=claim.version)
    result = claims.payout_batch_create(actor=claim_world.finance, branch_id=claim_world.tree.district_a.pk)
    item = result.batch.items.get()
    client.force_login(claim_world.finance)
    client.post(reverse("admin:benefits_payoutbatch_change", args=[result.batch.pk]),
                {"do": "failed", "item": item.pk, "note": "户名不符"})
    item.refresh_from_db()
    assert item.status == "failed" and item.note == "户名不符"


def test_the_queue_counts_at_most_cap_plus_one_rows(claim_world, monkeypatch):
    from benefits.admin.review import CappedCountPaginator

    for _ in range(5):
        draft_stay(claim_world)
    monkeypatch.setattr(CappedCountPaginator, "CAP", 3)
    assert CappedCountPaginator(Claim.objects.order_by("id"), 2).count == 4
    monkeypatch.setattr(CappedCountPaginator, "CAP", 10)
    assert CappedCountPaginator(Claim.objects.order_by("id"), 2).count == 5


def test_required_documents_must_be_known_kinds(claim_world):
    from django.core.exceptions import ValidationError

    from benefits.models import BenefitRule
    from tests.benefits.factories import make_plan

    plan = make_plan(code="no-enrolments-yet")  # a plan with enrolments is frozen: test on a fresh one
    rule = BenefitRule.objects.filter(tier__plan=plan, kind="hospital_daily").first()
    rule.required_documents = ["invoice", "selfie"]
    with pytest.raises(ValidationError) as error:
        rule.clean()
    assert "required_documents" in error.value.message_dict
