"""Two reviewers raising two of one member's claims at the same moment, in two database connections, can never
together exceed a limit of the plan year: the member's enrolment row is locked first. PostgreSQL only: SQLite
serialises every writer, so the race cannot happen there. Personas: two federation reviewers, the claimant."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from benefits.claims import services as claims
from benefits.models import BenefitRule, Claim
from tests.concurrency import postgres_only, run_at_once

from .claims_helpers import in_federation_review

pytestmark = postgres_only
CAP = Decimal("1000.00")


def _race(*calls) -> list[str]:
    """Runs the calls at once; "done" for each that went through, the refusal's message for each refused."""
    outcomes = []
    for result in run_at_once(calls):
        if isinstance(result, Exception) and not isinstance(result, claims.ClaimError):
            raise result
        outcomes.append(result.message if isinstance(result, claims.ClaimError) else "done")
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_adjustments_racing_in_two_connections_never_exceed_the_cap(
    claim_world, staff_of, django_capture_on_commit_callbacks
):
    BenefitRule.objects.filter(tier=claim_world.enrolment.tier, kind="inpatient_self_pay").update(
        params={"rate": "0.05", "yearly_cap": str(CAP)})  # each stay proposes 225.00
    first = in_federation_review(claim_world, django_capture_on_commit_callbacks)
    second = in_federation_review(
        claim_world, django_capture_on_commit_callbacks, invoice_numbers="FP50000001",
        admission_date=(timezone.localdate() - timedelta(days=40)).isoformat(),
        discharge_date=(timezone.localdate() - timedelta(days=35)).isoformat(),
    )
    assert first.proposed_amount + second.proposed_amount < CAP
    one, two = claim_world.reviewer_fed, staff_of(claim_world.tree.city, role="claims_reviewer")
    # Alone, each raise fits (700 + 225 ≤ 1000); together (700 + 700) they would not.
    outcomes = _race(
        lambda: claims.claim_adjust(actor=one, claim_id=first.pk, version=first.version, amount="700.00",
                                    reason="按票据"),
        lambda: claims.claim_adjust(actor=two, claim_id=second.pk, version=second.version, amount="700.00",
                                    reason="按票据"),
    )
    assert sorted(o == "done" for o in outcomes) == [False, True], outcomes
    live = Claim.objects.filter(enrolment=claim_world.enrolment).annotate(
        due=Coalesce("approved_amount", "proposed_amount")).aggregate(s=Sum("due"))["s"]
    assert live <= CAP


@pytest.mark.django_db(transaction=True)
def test_two_approvals_racing_in_two_connections_each_count_the_other(
    claim_world, staff_of, django_capture_on_commit_callbacks
):
    """Both claims fit together, so both approvals go through, one after the other, without deadlock."""
    first = in_federation_review(claim_world, django_capture_on_commit_callbacks)
    second = in_federation_review(
        claim_world, django_capture_on_commit_callbacks, invoice_numbers="FP50000002",
        admission_date=(timezone.localdate() - timedelta(days=40)).isoformat(),
        discharge_date=(timezone.localdate() - timedelta(days=35)).isoformat(),
    )
    one, two = claim_world.reviewer_fed, staff_of(claim_world.tree.city, role="claims_reviewer")
    outcomes = _race(
        lambda: claims.claim_approve(actor=one, claim_id=first.pk, version=first.version),
        lambda: claims.claim_approve(actor=two, claim_id=second.pk, version=second.version),
    )
    assert outcomes == ["done", "done"]
    assert Claim.objects.filter(state=Claim.State.APPROVED).count() == 2
