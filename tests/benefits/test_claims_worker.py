"""With a real Celery worker (CELERY_BROKER_URL and a PostgreSQL DATABASE_URL; skipped otherwise): a submitted
claim is assessed by the worker, once, even when its task is delivered twice."""

import pytest

from benefits.claims import services as claims
from benefits.models import Claim
from benefits.tasks import assess_claim
from tests.benefits.claims_helpers import PDF_BYTES, draft_stay, png_bytes, upload

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_submit_is_assessed_by_the_worker_once(celery_worker, claim_world):
    claim = draft_stay(claim_world)
    user = claim_world.claimant.user
    claims.document_add(actor=user, claim_id=claim.pk, kind="invoice", upload=upload(PDF_BYTES, "a.pdf"))
    claims.document_add(actor=user, claim_id=claim.pk, kind="discharge_summary", upload=upload(png_bytes(), "b.png"))
    claims.claim_submit(actor=user, claim_id=claim.pk)  # commits; the task is enqueued on commit
    assess_claim.delay(claim.pk)  # a duplicate delivery must change nothing
    celery_worker.wait_until(
        lambda: Claim.objects.filter(pk=claim.pk, state=Claim.State.BASE_REVIEW).exists(), what="the assessment"
    )
    celery_worker.wait_idle()
    claim.refresh_from_db()
    assert claim.proposed_amount is not None
    assert claim.events.filter(action="assess").count() == 1
