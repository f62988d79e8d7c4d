"""Members reminded of their claims (#15.5): a draft left 3 days, a return unanswered 7 days, a deadline within
14 days; each occasion once. Personas: the claimant (owner), another member (outsider: never told of it)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from benefits.claims import services as claims
from benefits.models import Claim
from members.models import Notification
from tests.benefits.claims_helpers import draft_stay

pytestmark = pytest.mark.django_db


def _kinds(user) -> list[str]:
    return sorted(Notification.objects.filter(user=user, kind__startswith="benefits.claim.").values_list(
        "kind", flat=True))


def test_a_draft_left_three_days_is_reminded_once(claim_world):
    claim = draft_stay(claim_world)
    assert claims.claims_member_remind() == 0  # a fresh draft: nothing yet
    Claim.objects.filter(pk=claim.pk).update(created_at=timezone.now() - timedelta(days=4))
    assert claims.claims_member_remind() == 1
    assert claims.claims_member_remind() == 0
    assert _kinds(claim_world.claimant.user) == ["benefits.claim.draft_idle"]
    assert _kinds(claim_world.other.user) == []


def test_a_return_unanswered_seven_days_is_reminded_once_per_return(claim_world):
    claim = draft_stay(claim_world)
    first_return = timezone.now() - timedelta(days=8)
    Claim.objects.filter(pk=claim.pk).update(state=Claim.State.RETURNED, state_changed_at=first_return)
    assert claims.claims_member_remind() == 1
    assert claims.claims_member_remind() == 0
    # Resubmitted and returned again later: a new occasion.
    Claim.objects.filter(pk=claim.pk).update(state_changed_at=first_return + timedelta(hours=1))
    assert claims.claims_member_remind() == 1
    assert _kinds(claim_world.claimant.user) == ["benefits.claim.return_unanswered"] * 2


def test_a_deadline_within_fourteen_days_is_reminded(claim_world):
    plan = claim_world.plan
    plan.claim_deadline_days = 20  # discharged 10 days ago: 10 days left
    plan.save(update_fields=["claim_deadline_days"])
    draft_stay(claim_world)
    assert claims.claims_member_remind() == 1
    notification = Notification.objects.get(kind="benefits.claim.deadline_near")
    deadline = timezone.localdate() + timedelta(days=10)
    assert str(deadline) in notification.body and notification.user == claim_world.claimant.user


def test_a_deadline_already_past_or_far_away_is_not_reminded(claim_world):
    plan = claim_world.plan
    for days in (5, 180):
        plan.claim_deadline_days = days
        plan.save(update_fields=["claim_deadline_days"])
        draft_stay(claim_world)
        assert claims.claims_member_remind() == 0
