"""Celery entry points of the statistics app (beat and the staff button queue the same task)."""

from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(name="stats.tasks.refresh_figures", acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=3)
def refresh_figures(full: bool = False) -> None:
    services.figures_refresh(full=full)  # idempotent: it rewrites the rollup rows from the source rows
