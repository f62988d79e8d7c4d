"""Writes of the members app: one function per action, keyword-only, one transaction each."""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditLogEntry


def audit_log(*, actor, action: str, target: models.Model | None = None, data: dict | None = None) -> AuditLogEntry:
    """Keeps who did what to which object. Callers run inside their own transaction, so the entry is saved
    or rolled back with the change it describes."""
    return AuditLogEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        data=data or {},
    )


def notification_mark_read(*, user, notification_id: int):
    """Marks one of the user's own messages read; another user's id answers 404."""
    from django.shortcuts import get_object_or_404
    from django.utils import timezone

    notification = get_object_or_404(user.notifications, pk=notification_id)
    if notification.read_at is None:
        # Conditional update: two tabs marking the same message keep the first reading time.
        user.notifications.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    from django.utils import timezone

    return user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
