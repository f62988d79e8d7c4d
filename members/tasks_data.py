"""Celery entry points of the members app's data work (imports). Imported by members/tasks.py so the
worker's autodiscovery (which imports only `tasks` modules) registers them."""

from celery import shared_task
from django.db import OperationalError

__all__ = ["run_import_job"]


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def run_import_job(self, job_id: int) -> None:
    from .imports import import_job_run

    # Idempotent: a job already claimed or finished is left alone.
    import_job_run(job_id=job_id)
