"""Celery entry points of the data work (imports). The import keeps the name it had in members/tasks_data.py (queued
work in the outbox names it), given explicitly; members/tasks.py imports it for the worker's autodiscovery."""

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from .imports import import_job_run


# A company's whole staff list may take minutes: its own time limits (MEMBER_IMPORT_TIME_LIMIT), still under the
# broker's visibility timeout (portal/checks.py).
@shared_task(name="members.tasks_data.run_import_job", bind=True, acks_late=True, autoretry_for=(OperationalError,),
             retry_backoff=True, max_retries=3,
             soft_time_limit=settings.MEMBER_IMPORT_TIME_LIMIT - 30, time_limit=settings.MEMBER_IMPORT_TIME_LIMIT)
def run_import_job(self, job_id: int) -> None:

    # Idempotent: a job already claimed or finished is left alone.
    import_job_run(job_id=job_id)
