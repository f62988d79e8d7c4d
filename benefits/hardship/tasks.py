"""The hardship register's Celery tasks (named as beat names them; `benefits/tasks.py` imports them for
autodiscovery)."""

from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(name="benefits.tasks.remind_hardship_rechecks", bind=True, acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True)
def remind_hardship_rechecks(self) -> None:
    services.recheck_remind()  # idempotent: each family reminded once per re-check due date


@shared_task(name="benefits.tasks.remind_care_visits", bind=True, acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True)
def remind_care_visits(self) -> None:
    services.care_visits_remind()  # idempotent: each care visit announced once
