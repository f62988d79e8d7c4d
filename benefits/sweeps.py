"""Rows of the mutual-aid service stuck between two states, found by the outbox sweep (core/services.py)."""

from core.services import outbox_add_once

from .models import Claim


def claims_unassessed_requeue(*, older_than) -> int:
    """A claim submitted before `older_than` and still `submitted` was never assessed, whatever the reason (its
    message lost, the worker's retries spent during a database outage): queue its assessment again. The task is
    idempotent, so a claim whose assessment is merely slow is assessed once all the same."""
    ids = Claim.objects.filter(state=Claim.State.SUBMITTED, submitted_at__lt=older_than).values_list("id", flat=True)
    return sum(outbox_add_once(task="benefits.tasks.assess_claim", args=[claim_id]) for claim_id in ids[:1000])
