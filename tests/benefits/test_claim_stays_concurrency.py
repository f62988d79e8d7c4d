"""Two saves of one hospital stay at the same moment (two tabs, a double tap on a slow phone), in two database
connections: the stay row is locked first, so the self-pay line the facts now qualify for is filed once and the
lines are submitted once. PostgreSQL only: SQLite serialises every writer. Persona: the claimant (owner)."""

import pytest

from benefits.claims import services as claims
from benefits.claims import stays
from benefits.models import Claim
from tests.concurrency import postgres_only, run_at_once

from .claims_helpers import PDF_BYTES, png_bytes, stay_facts, upload

pytestmark = postgres_only


def _outcomes(*calls) -> list[str]:
    outcomes = []
    for result in run_at_once(calls):
        if isinstance(result, Exception) and not isinstance(result, claims.ClaimError):
            raise result
        outcomes.append(result.code if isinstance(result, claims.ClaimError) else "done")
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_saves_at_once_file_the_new_line_once(claim_world):
    user = claim_world.claimant.user
    stay = stays.stay_create(actor=user, enrolment_id=claim_world.enrolment.pk,
                             facts=stay_facts(total_cost="", self_paid="", bed_fee="", invoice_numbers=""))
    costs = {"total_cost": "8000", "self_paid": "3000", "invoice_numbers": ["FP1234"]}
    outcomes = _outcomes(lambda: stays.stay_update(actor=user, stay_id=stay.pk, facts=costs),
                         lambda: stays.stay_update(actor=user, stay_id=stay.pk, facts=costs))
    assert outcomes == ["done", "done"]
    assert Claim.objects.filter(stay=stay, kind="inpatient_self_pay").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_submit_each_line_once(claim_world):
    user = claim_world.claimant.user
    stay = stays.stay_create(actor=user, enrolment_id=claim_world.enrolment.pk, facts=stay_facts())
    stays.stay_document_add(actor=user, stay_id=stay.pk, kind="invoice", upload=upload(PDF_BYTES, "a.pdf"))
    stays.stay_document_add(actor=user, stay_id=stay.pk, kind="discharge_summary", upload=upload(png_bytes()))
    outcomes = _outcomes(lambda: stays.stay_submit(actor=user, stay_id=stay.pk),
                         lambda: stays.stay_submit(actor=user, stay_id=stay.pk))
    assert sorted(outcomes) == ["done", "wrong_state"], outcomes
    for line in Claim.objects.filter(stay=stay):
        assert line.events.filter(action="submit").count() == 1
