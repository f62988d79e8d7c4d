"""Reads of the outbox."""

from django.db.models import Count, Min
from django.utils import timezone

from .models import OutboxMessage


def outbox_backlog(*, now=None) -> dict:
    """How much work waits to reach the broker, and for how long the oldest has waited (seconds, or None)."""
    now = now or timezone.now()
    row = OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING).aggregate(
        pending=Count("id"), oldest=Min("created_at"))
    oldest = row["oldest"]
    return {"pending": row["pending"], "oldest_seconds": round((now - oldest).total_seconds()) if oldest else None}
