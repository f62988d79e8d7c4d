from celery import shared_task
from django.db import DatabaseError

from . import notifications
from .tasks_data import run_import_job  # noqa: F401 — registers the import task with Celery

# About 45 minutes of attempts with the default settings (30 s, 1 min, 2 min … capped at 10 min);
# after the last one the deliveries stay "failed" and staff can send them again from the admin.
MAX_DELIVERY_RETRIES = 8


@shared_task(bind=True, acks_late=True, max_retries=MAX_DELIVERY_RETRIES)
def deliver_notification(self, notification_id: int) -> None:
    """Sends a notification's email/SMS deliveries; idempotent, so a duplicate or retried run sends nothing twice."""
    try:
        notifications.notification_deliver(notification_id=notification_id)
    except (notifications.DeliveryFailed, DatabaseError) as exc:
        if self.request.is_eager:
            # In-process mode (no broker) has no queue to wait on: the failure stays recorded on the
            # delivery and staff can retry it from the admin.
            return
        raise self.retry(exc=exc, countdown=notifications.retry_countdown(self.request.retries)) from exc


@shared_task(bind=True, acks_late=True, max_retries=MAX_DELIVERY_RETRIES)
def sms_send(self, message_id: int) -> None:
    """Sends one text message to a number without an account (members.models.SmsMessage); idempotent."""
    try:
        sent = notifications.sms_message_send(message_id=message_id)
    except DatabaseError as exc:
        raise self.retry(exc=exc, countdown=notifications.retry_countdown(self.request.retries)) from exc
    if not sent and not self.request.is_eager:
        raise self.retry(countdown=notifications.retry_countdown(self.request.retries))

