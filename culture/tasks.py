"""Celery entry points of the cultural palace: load by id, call a service. All idempotent."""

from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def waitlist_offer(self, session_id: int) -> None:
    services.waitlist_offer(session_id=session_id)


@shared_task(acks_late=True)
def offers_expire() -> int:
    return services.offers_expire()


@shared_task(acks_late=True)
def reminders_send() -> int:
    return services.reminders_send()
