"""Celery entry points of the ground floor."""

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def outbox_sweep() -> dict:
    counts = services.outbox_sweep()
    if any(counts.values()):
        logger.info("outbox sweep", extra={"counts": counts})
    return counts
