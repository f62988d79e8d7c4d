"""Celery entry points of the notifications: email/SMS deliveries and text messages. Their names are the ones they
had as `members/tasks.py`'s own (the outbox rows, the sweep and NOTIFICATION_TASKS' routing name them), so they are
given explicitly; `members/tasks.py` imports them for the worker's autodiscovery."""

from celery import shared_task
from django.db import DatabaseError

from . import services

# About 45 minutes of attempts with the default settings (30 s, 1 min, 2 min … capped at 10 min);
# after the last one the deliveries stay "failed" and staff can send them again from the admin.
MAX_DELIVERY_RETRIES = 8


@shared_task(name="members.tasks.deliver_notification", bind=True, acks_late=True, max_retries=MAX_DELIVERY_RETRIES)
def deliver_notification(self, notification_id: int) -> None:
    """Sends a notification's email/SMS deliveries; idempotent, so a duplicate or retried run sends nothing twice."""
    try:
        services.notification_deliver(notification_id=notification_id)
    except (services.DeliveryFailed, DatabaseError) as exc:
        if self.request.is_eager:
            # In-process mode (no broker) has no queue to wait on: the failure stays recorded on the
            # delivery and staff can retry it from the admin.
            return
        raise self.retry(exc=exc, countdown=services.retry_countdown(self.request.retries)) from exc


@shared_task(name="members.tasks.sms_send", bind=True, acks_late=True, max_retries=MAX_DELIVERY_RETRIES)
def sms_send(self, message_id: int) -> None:
    """Sends one text message to a number without an account (members.models.SmsMessage); idempotent."""
    try:
        sent = services.sms_message_send(message_id=message_id)
    except DatabaseError as exc:
        raise self.retry(exc=exc, countdown=services.retry_countdown(self.request.retries)) from exc
    if not sent and not self.request.is_eager:
        raise self.retry(countdown=services.retry_countdown(self.request.retries))
