"""Messages stuck before they went out, found by the outbox sweep (core/services.py)."""

from core.services import outbox_add_once

from .models import NotificationDelivery, SmsMessage


def deliveries_pending_requeue(*, older_than) -> int:
    """Email/SMS deliveries never attempted (their task's message lost) and text messages never sent: queue their
    tasks again. Failed ones are the task's own retries' business (then staff's, from the admin)."""
    notification_ids = (
        NotificationDelivery.objects.filter(status=NotificationDelivery.Status.PENDING,
                                            notification__created_at__lt=older_than)
        .values_list("notification_id", flat=True).distinct()
    )
    queued = sum(outbox_add_once(task="members.tasks.deliver_notification", args=[pk])
                 for pk in notification_ids[:1000])
    sms_ids = SmsMessage.objects.filter(status=SmsMessage.Status.PENDING, created_at__lt=older_than).values_list(
        "id", flat=True)
    return queued + sum(outbox_add_once(task="members.tasks.sms_send", args=[pk]) for pk in sms_ids[:1000])
