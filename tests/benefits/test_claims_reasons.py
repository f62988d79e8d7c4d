"""Reasons before and after (#15.4): what the rules would say while a member enters a claim, why a line is 0
after assessment, and when a decision can be expected. Personas: the claimant (owner), another member
(outsider)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from benefits.claims import services as claims
from benefits.models import Claim, Enrolment
from tests.benefits.claims_helpers import draft_stay, submitted_stay

pytestmark = pytest.mark.django_db


def _page(client, claim, user) -> str:
    client.force_login(user)
    response = client.get(f"/benefits/claims/{claim.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_stay_inside_the_waiting_period_is_warned_about_before_submit(client, claim_world):
    today = timezone.localdate()
    Enrolment.objects.filter(pk=claim_world.enrolment.pk).update(waiting_until=today - timedelta(days=5))
    claim = draft_stay(claim_world)  # admitted 20 days ago: inside the waiting period
    page = _page(client, claim, claim_world.claimant.user)
    assert "提交前请注意" in page and "等待期" in page
    assert "仍然可以提交" in page  # a warning, not a refusal
    assert claims.claim_preview(claim).amount == 0


def test_a_claim_past_the_deadline_is_warned_about(client, claim_world):
    plan = claim_world.plan
    plan.claim_deadline_days = 5
    plan.save(update_fields=["claim_deadline_days"])
    claim = draft_stay(claim_world)  # discharged 10 days ago
    page = _page(client, claim, claim_world.claimant.user)
    assert "已经超过期限" in page


def test_a_clean_draft_shows_the_expected_amount_in_plain_words(client, claim_world):
    claim = draft_stay(claim_world)
    page = _page(client, claim, claim_world.claimant.user)
    preview = claims.claim_preview(claim)
    assert preview.amount > 0 and "提交前请注意" not in page
    assert f"预计补助 {preview.amount} 元" in page


def test_after_assessment_the_member_sees_why_it_is_0_and_when_to_expect_a_decision(
        client, claim_world, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    Enrolment.objects.filter(pk=claim_world.enrolment.pk).update(waiting_until=today - timedelta(days=5))
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    claim.refresh_from_db()
    assert claim.state == Claim.State.BASE_REVIEW and claim.proposed_amount == 0
    page = _page(client, claim, claim_world.claimant.user)
    assert "为什么核算金额为 0" in page and "等待期" in page
    expected = timezone.localdate(claim.state_changed_at) + timedelta(days=2 * claim_world.plan.review_service_days)
    assert claims.claim_expected_decision(claim) == expected
    assert f"预计 {expected.isoformat()} 前有审核结果" in page or f"预计 {expected} 前" in page


def test_another_member_sees_nothing_of_it(client, claim_world):
    claim = draft_stay(claim_world)
    client.force_login(claim_world.other.user)
    assert client.get(f"/benefits/claims/{claim.pk}/").status_code == 404


def test_the_api_gives_the_same_preview_and_expected_date(api_client, claim_world, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    Enrolment.objects.filter(pk=claim_world.enrolment.pk).update(waiting_until=today - timedelta(days=5))
    draft = draft_stay(claim_world)
    api_client.force_authenticate(claim_world.claimant.user)
    body = api_client.get(f"/api/v1/claims/{draft.pk}/").json()
    assert body["preview"]["amount"] == "0.00" and any("等待期" in r for r in body["preview"]["reasons"])
    assert body["expected_decision"] is None
    submitted = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    body = api_client.get(f"/api/v1/claims/{submitted.pk}/").json()
    assert body["preview"] is None and body["expected_decision"] == claims.claim_expected_decision(
        Claim.objects.get(pk=submitted.pk)).isoformat()


def test_messages_write_amounts_in_the_one_money_format(claim_world, django_capture_on_commit_callbacks):
    """Member persona: the assessment message reads "2,000.00 元", as letters and pages do, not "2000.00"."""
    from members.models import Notification

    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks, total_cost="40000.00",
                           self_paid="10500.00", bed_fee="500.00")
    claim.refresh_from_db()
    assert claim.proposed_amount == 2000
    body = Notification.objects.filter(user=claim_world.claimant.user, body__contains="系统核算金额").latest("id").body
    assert "2,000.00 元" in body
