"""Messages stuck before they went out, found by the outbox sweep (core/services.py)."""

from datetime import timedelta

from django.conf import settings

from core.services import outbox_add_once

from ..models import NotificationDelivery, SmsMessage
from .tasks import MAX_DELIVERY_RETRIES


def deliveries_pending_requeue(*, older_than) -> int:
    """Email/SMS deliveries never attempted (their task's message lost), failed ones whose retry never came, and
    text messages in either case: queue their tasks again. A failed one still within its retries is the task's
    business; one whose retries are spent, staff's (from the admin)."""
    # A retry waits in a worker, unacknowledged, for up to NOTIFICATION_RETRY_MAX_SECONDS. A broker that restarts
    # without persistence meanwhile loses it (and the worker forgets what it held when it loses the broker): a
    # failed delivery not tried again for longer than that lost its retry.
    retry_lost = older_than - timedelta(seconds=settings.NOTIFICATION_RETRY_MAX_SECONDS)
    notification_ids = {
        *NotificationDelivery.objects.filter(status=NotificationDelivery.Status.PENDING,
                                             notification__created_at__lt=older_than)
        .values_list("notification_id", flat=True).distinct()[:1000],
        *NotificationDelivery.objects.filter(status=NotificationDelivery.Status.FAILED, attempted_at__lt=retry_lost,
                                             attempts__lte=MAX_DELIVERY_RETRIES)
        .values_list("notification_id", flat=True).distinct()[:1000],
    }
    queued = sum(outbox_add_once(task="members.tasks.deliver_notification", args=[pk])
                 for pk in sorted(notification_ids))
    sms_ids = {
        *SmsMessage.objects.filter(status=SmsMessage.Status.PENDING, created_at__lt=older_than)
        .values_list("id", flat=True)[:1000],
        *SmsMessage.objects.filter(status=SmsMessage.Status.FAILED, attempted_at__lt=retry_lost,
                                   attempts__lte=MAX_DELIVERY_RETRIES).values_list("id", flat=True)[:1000],
    }
    return queued + sum(outbox_add_once(task="members.tasks.sms_send", args=[pk]) for pk in sorted(sms_ids))
