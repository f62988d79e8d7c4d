"""Settlement imports' Celery tasks, named `benefits.tasks.…` (the outbox names them); `benefits/tasks.py` imports
them by name so the worker's autodiscovery registers them."""

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from . import services


# A whole file of records may take minutes: its own time limits (SETTLEMENT_IMPORT_TIME_LIMIT), still under the
# broker's visibility timeout (a system check holds it there).
@shared_task(name="benefits.tasks.settlement_import_run", bind=True, acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5,
             soft_time_limit=settings.SETTLEMENT_IMPORT_TIME_LIMIT - 30,
             time_limit=settings.SETTLEMENT_IMPORT_TIME_LIMIT)
def settlement_import_run(self, job_id: int) -> None:
    services.settlement_import_run(job_id=job_id)  # idempotent: a job already taken is left as it is


@shared_task(name="benefits.tasks.settlement_claims_file", bind=True, acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=8)
def settlement_claims_file(self, job_id: int, first_id: int, last_id: int) -> None:
    services.settlement_claims_file(job_id=job_id, first_id=first_id, last_id=last_id)  # filed records skipped
