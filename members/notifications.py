"""The one way to tell a person something: `notification_send`.

It stores the in-app message at once and queues email/SMS deliveries on commit; the Celery task sends each
delivery at most once (the row is locked and marked sent), retrying with backoff when a channel fails.
"""

import logging

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import Notification, NotificationDelivery
from .sms import get_sms_backend

logger = logging.getLogger(__name__)


def notification_send(*, user, kind: str, title: str, body: str = "", url: str = "") -> Notification:
    """Tells `user` something: an inbox message always; email and SMS where the user chose them and has
    an address. Call it inside the caller's transaction: if that rolls back, nothing is stored or sent."""
    with transaction.atomic():
        notification = Notification.objects.create(user=user, kind=kind, title=title, body=body, url=url)
        deliveries = []
        if user.notify_by_email and user.email:
            deliveries.append(NotificationDelivery(notification=notification, channel="email", address=user.email))
        if user.notify_by_sms and user.mobile:
            deliveries.append(NotificationDelivery(notification=notification, channel="sms", address=user.mobile))
        NotificationDelivery.objects.bulk_create(deliveries)
    if deliveries:
        from .tasks import deliver_notification

        transaction.on_commit(lambda: deliver_notification.delay(notification.id))
    return notification


class DeliveryFailed(Exception):
    """At least one channel failed; the task retries the deliveries still pending."""


def notification_deliver(*, notification_id: int) -> None:
    """Sends every pending delivery of one notification. Idempotent: a delivery already sent is skipped,
    so a retried or duplicated task never sends twice."""
    pending_ids = list(
        NotificationDelivery.objects.filter(notification_id=notification_id)
        .exclude(status=NotificationDelivery.Status.SENT)
        .values_list("id", flat=True)
    )
    failed = []
    for delivery_id in pending_ids:
        if not _delivery_send(delivery_id=delivery_id):
            failed.append(delivery_id)
    if failed:
        raise DeliveryFailed(f"notification {notification_id}: deliveries {failed} failed")


def _delivery_send(*, delivery_id: int) -> bool:
    with transaction.atomic():
        # Lock the delivery: two workers running the same task must not both send it.
        delivery = (
            NotificationDelivery.objects.select_for_update()
            .select_related("notification")
            .get(pk=delivery_id)
        )
        if delivery.status == NotificationDelivery.Status.SENT:
            return True
        notification = delivery.notification
        delivery.attempts += 1
        try:
            if delivery.channel == NotificationDelivery.Channel.EMAIL:
                text = f"{notification.body}\n\n{notification.url}".strip()
                send_mail(notification.title, text, None, [delivery.address], fail_silently=False)
            else:
                get_sms_backend().send(to=delivery.address, body=f"【工会服务门户】{notification.title}")
        except Exception as exc:
            logger.warning("notification delivery failed", extra={"delivery_id": delivery.id, "error": str(exc)})
            delivery.status = NotificationDelivery.Status.FAILED
            delivery.last_error = str(exc)[:500]
            delivery.save(update_fields=["status", "attempts", "last_error"])
            return False
        delivery.status = NotificationDelivery.Status.SENT
        delivery.sent_at = timezone.now()
        delivery.last_error = ""
        delivery.save(update_fields=["status", "attempts", "last_error", "sent_at"])
        return True
