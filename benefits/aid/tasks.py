"""Education aid's Celery task (named as beat names it; `benefits/tasks.py` imports it for autodiscovery)."""

from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(name="benefits.tasks.remind_overdue_aid", bind=True, acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True)
def remind_overdue_aid(self) -> None:
    services.aid_overdue_remind()  # idempotent: each application reminded about at most once a day
