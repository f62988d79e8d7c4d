"""Rows of the mutual-aid service stuck between two states, found by the outbox sweep (core/services.py)."""

from datetime import timedelta

from django.conf import settings

from core.services import outbox_add_once

from .models import Claim
from .settlement import services as settlement_services


def claims_unassessed_requeue(*, older_than) -> int:
    """A claim submitted before `older_than` and still `submitted` was never assessed, whatever the reason (its
    message lost, the worker's retries spent during a database outage): queue its assessment again. The task is
    idempotent, so a claim whose assessment is merely slow is assessed once all the same.

    Not while the assessment is moving (a claim reached review since `older_than`): a settlement import queues tens
    of thousands of claims at once, and every minute the sweep would add a copy of each one still waiting its turn.
    A message lost meanwhile is queued again once the queue has drained."""
    if Claim.objects.filter(state=Claim.State.BASE_REVIEW, state_changed_at__gte=older_than).exists():
        return 0
    ids = Claim.objects.filter(state=Claim.State.SUBMITTED, submitted_at__lt=older_than).values_list("id", flat=True)
    return sum(outbox_add_once(task="benefits.tasks.assess_claim", args=[claim_id]) for claim_id in ids[:1000])


def settlement_imports_resume(*, older_than) -> int:
    """Settlement imports whose reading or filing stopped (a worker killed, retries spent): see
    `benefits.settlement.services.settlement_imports_resume`."""
    return settlement_services.settlement_imports_resume(
        now=older_than + timedelta(seconds=settings.OUTBOX_GRACE_SECONDS))
