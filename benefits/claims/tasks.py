"""The claims' Celery tasks. They keep the names they were queued and scheduled under before claims became a
package (`benefits.tasks.…`: the outbox, the sweep and beat name them); `benefits/tasks.py` imports them by name so
the worker's autodiscovery registers them."""

from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(name="benefits.tasks.assess_claim", bind=True, acks_late=True, autoretry_for=(OperationalError,),
             retry_backoff=True, max_retries=8)
def assess_claim(self, claim_id: int) -> None:
    services.claim_assess(claim_id=claim_id)  # idempotent: a claim no longer "submitted" is left as it is


# A chunk of claims filed together (a settlement import's 200 records): one message instead of one per claim, each
# claim still assessed in its own transaction. A retry assesses only those still waiting.
@shared_task(name="benefits.tasks.assess_claims", bind=True, acks_late=True, autoretry_for=(OperationalError,),
             retry_backoff=True, max_retries=8)
def assess_claims(self, claim_ids: list[int]) -> None:
    for claim_id in claim_ids:
        services.claim_assess(claim_id=claim_id)


@shared_task(name="benefits.tasks.remind_overdue_claims", bind=True, acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True)
def remind_overdue_claims(self) -> None:
    services.claims_overdue_remind()  # idempotent: each claim reminded about at most once a day


@shared_task(name="benefits.tasks.remind_members_of_claims", bind=True, acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True)
def remind_members_of_claims(self) -> None:
    services.claims_member_remind()  # idempotent: one ClaimReminder per claim and occasion
