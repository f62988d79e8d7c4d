"""Celery entry points of the stations app: call a service."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def station_changes_prune() -> int:
    return services.station_changes_prune()
