"""The one way to tell a person something: `notification_send`, and the rest of the inbox's writes.

`notification_send` stores the in-app message at once and creates one delivery row per outside channel the
user chose (email, SMS); the Celery task `deliver_notification`, queued when the caller's transaction
commits, sends each delivery at most once: the delivery row is locked while it is sent and marked sent in
the same transaction, so a retried or duplicated task skips it. A failed channel is retried with backoff,
and only that channel.
"""

import logging
import random
import re

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext

from core.services import audit_log, outbox_add, outbox_add_many

from ..models import Notification, NotificationDelivery, SmsMessage
from .sms import get_sms_backend

logger = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """At least one channel failed; the task retries the deliveries still unsent."""


def recipient_text(message, /, **values) -> Promise:
    """A notification's text, put into words in the recipient's language when it is stored: `message` is a
    gettext_lazy string with %(name)s placeholders, `values` fill them (lazy values, such as choice labels, are
    translated too). Pieces join with django.utils.text.format_lazy. Read anywhere else, it is in the language
    active there."""

    def words() -> str:
        text = str(message)
        if not values:
            return text
        return text % {name: str(value) if isinstance(value, Promise) else value for name, value in values.items()}

    return lazy(words, str)()


def language_of(user) -> str:
    """The language messages to `user` are written in (User.language; Chinese when there is no user)."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def notification_send(*, user, kind: str, title: str, body: str = "", url: str = "") -> Notification:
    """Tells `user` something: an inbox message always; email where the user chose it and has an address;
    SMS where the user chose it and has verified the mobile number (an unverified number may be someone
    else's). Call it inside the caller's transaction: if that rolls back, nothing is stored or sent.

    `title` and `body` are written in the recipient's language (User.language), whoever's action or task sends
    them: pass lazy texts (gettext_lazy, recipient_text, format_lazy), not strings already translated."""
    return notifications_send_many(messages=[(user, kind, title, body, url)])[0]


def notifications_send_many(*, messages: list[tuple]) -> list[Notification]:
    """`notification_send` for several people at once (`messages`: (user, kind, title, body, url) each), with
    one INSERT for the messages and one for their deliveries: a hot path such as claim assessment tells the
    member and every reviewer without a round trip per person."""
    notifications = []
    for user, kind, title, body, url in messages:
        with translation.override(language_of(user)):
            title, body = str(title), str(body)
        title = " ".join(title.split())  # one line: it is also the email subject
        if not kind or not title:
            raise ValueError("A notification needs a kind and a title.")
        notifications.append(Notification(user=user, kind=kind, title=title[:200], body=body, url=url[:500]))
    if not notifications:
        return []
    # No savepoint: inside the caller's transaction the messages stand or fall with the change they report.
    with transaction.atomic(savepoint=False):
        Notification.objects.bulk_create(notifications)
        deliveries = [delivery for n in notifications for delivery in _deliveries_for(n)]
        NotificationDelivery.objects.bulk_create(deliveries)
    outbox_add_many(task="members.tasks.deliver_notification",
                    args_list=[[pk] for pk in sorted({d.notification_id for d in deliveries})])
    return notifications


def _deliveries_for(notification: Notification) -> list[NotificationDelivery]:
    """The outside channels one message goes over, by the recipient's choices and verified addresses."""
    user = notification.user
    deliveries = []
    if user.notify_by_email and user.email:
        deliveries.append(NotificationDelivery(notification=notification, channel="email", address=user.email))
    if user.notify_by_sms and user.mobile and user.mobile_verified:
        deliveries.append(NotificationDelivery(notification=notification, channel="sms", address=user.mobile))
    return deliveries


def notification_deliver(*, notification_id: int) -> None:
    """Sends every unsent delivery of one notification, each in its own transaction, so one channel's
    failure neither blocks nor repeats another. Idempotent: a delivery already sent is skipped.
    Raises DeliveryFailed when a channel failed, for the task to retry later."""
    unsent_ids = list(
        NotificationDelivery.objects.filter(notification_id=notification_id)
        .exclude(status=NotificationDelivery.Status.SENT)
        .order_by("id")
        .values_list("id", flat=True)
    )
    failed = [delivery_id for delivery_id in unsent_ids if not _delivery_send(delivery_id=delivery_id)]
    if failed:
        raise DeliveryFailed(f"notification {notification_id}: deliveries {failed} failed")


def _delivery_send(*, delivery_id: int) -> bool:
    with transaction.atomic():
        # Lock the delivery while it is sent: a second worker running the same task (a retry racing a late
        # acknowledgement, a duplicated message) waits here, then finds it sent and skips it. The one
        # remaining window is a crash between the gateway accepting the message and this commit.
        delivery = (
            NotificationDelivery.objects.select_for_update()
            .select_related("notification")
            .get(pk=delivery_id)
        )
        if delivery.status == NotificationDelivery.Status.SENT:
            return True
        delivery.attempts += 1
        delivery.attempted_at = timezone.now()
        try:
            _channel_send(delivery)
        except Exception as exc:
            # Any channel error (SMTP refused, SMS gateway down, timeout) is recorded and retried later.
            logger.warning(
                "notification delivery failed",
                extra={"delivery_id": delivery.id, "channel": delivery.channel, "error": str(exc)},
            )
            delivery.status = NotificationDelivery.Status.FAILED
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:500]
            delivery.save(update_fields=["status", "attempts", "attempted_at", "last_error"])
            return False
        delivery.status = NotificationDelivery.Status.SENT
        delivery.sent_at = timezone.now()
        delivery.last_error = ""
        delivery.save(update_fields=["status", "attempts", "attempted_at", "last_error", "sent_at"])
        return True


def _absolute_url(url: str) -> str:
    if url.startswith("/"):
        return settings.SITE_URL.rstrip("/") + url
    return url


def _channel_send(delivery: NotificationDelivery) -> None:
    notification = delivery.notification
    link = _absolute_url(notification.url)
    if delivery.channel == NotificationDelivery.Channel.EMAIL:
        text = "\n\n".join(part for part in (notification.body, link) if part)
        send_mail(notification.title, text, None, [delivery.address], fail_silently=False)
    else:
        with translation.override(settings.LANGUAGE_CODE):
            prefix = gettext("【工会服务门户】")
        text = " ".join(part for part in (prefix + notification.title, link) if part)
        get_sms_backend().send(to=delivery.address, body=text)


# --- Text messages to numbers without an account ------------------------------------------------------------

# What a sent text must not keep: codes (a run of digits) and bearer links (a ticket's long random token).
_SECRET_RUN = re.compile(r"\d{4,}|[A-Za-z0-9_-]{16,}")


def sms_queue(*, to: str, body: str) -> SmsMessage:
    """Texts `body` to `to`, a number with no account to send a notification to (a visitor, a code before sign-up).
    Call it inside the transaction of the change the message reports: the message is stored with it and sent by a
    task after commit, so a slow or failing gateway never holds up or fails the request, and a lost send is
    retried (the task) or picked up (the outbox sweep)."""
    message = SmsMessage.objects.create(to=to, body=body)
    outbox_add(task="members.tasks.sms_send", args=[message.pk])
    return message


def sms_message_send(*, message_id: int) -> bool:
    """Sends one SmsMessage unless it was sent already; records a failure for the task to retry. Returns whether it
    is sent."""
    with transaction.atomic():
        # Lock it while it is sent: a duplicated or retried task waits here, then finds it sent and skips it.
        message = SmsMessage.objects.select_for_update().get(pk=message_id)
        if message.status == SmsMessage.Status.SENT:
            return True
        message.attempts += 1
        message.attempted_at = timezone.now()
        try:
            get_sms_backend().send(to=message.to, body=message.body)
        except Exception as exc:
            logger.warning("sms failed", extra={"sms_id": message.pk, "error": f"{type(exc).__name__}: {exc}"[:300]})
            message.status = SmsMessage.Status.FAILED
            message.last_error = f"{type(exc).__name__}: {exc}"[:500]
            message.save(update_fields=["status", "attempts", "attempted_at", "last_error"])
            return False
        message.status = SmsMessage.Status.SENT
        message.sent_at = timezone.now()
        message.last_error = ""
        # Codes and ticket links are no one's business once sent: keep the text with them masked.
        message.body = _SECRET_RUN.sub(lambda m: m.group()[:1] + "*" * (len(m.group()) - 1), message.body)
        message.save(update_fields=["status", "attempts", "attempted_at", "last_error", "sent_at", "body"])
        return True


def retry_countdown(retries: int) -> int:
    """Seconds before the next attempt: exponential backoff from NOTIFICATION_RETRY_BASE_SECONDS, capped
    at NOTIFICATION_RETRY_MAX_SECONDS, with jitter so a gateway coming back is not hit by every retry at once."""
    base = max(1, settings.NOTIFICATION_RETRY_BASE_SECONDS)
    ceiling = min(base * 2**retries, settings.NOTIFICATION_RETRY_MAX_SECONDS)
    return random.randint(max(1, ceiling // 2), max(1, ceiling))  # noqa: S311 — jitter, not a secret


def notification_deliveries_retry(*, actor, delivery_ids) -> int:
    """Sends failed deliveries again (staff's "retry failed" action, after the task gave up). Deliveries
    that are pending or sent are left alone. Returns how many were queued."""
    with transaction.atomic():
        deliveries = list(
            NotificationDelivery.objects.select_for_update()
            .filter(pk__in=list(delivery_ids), status=NotificationDelivery.Status.FAILED)
            .order_by("id")
        )
        # Conditional update on the locked rows: a task finishing meanwhile cannot have its "sent" undone.
        NotificationDelivery.objects.filter(
            pk__in=[d.pk for d in deliveries], status=NotificationDelivery.Status.FAILED
        ).update(status=NotificationDelivery.Status.PENDING)
        for delivery in deliveries:
            audit_log(
                actor=actor,
                action="notification_delivery.retried",
                target=delivery,
                data={"channel": delivery.channel, "attempts": delivery.attempts},
            )
        outbox_add_many(task="members.tasks.deliver_notification",
                        args_list=[[pk] for pk in sorted({d.notification_id for d in deliveries})])
    return len(deliveries)


def notification_mark_read(*, user, notification_id: int) -> Notification:
    """Marks one of the user's own messages read; another user's id answers 404 (it does not exist for them)."""
    with transaction.atomic():
        try:
            notification = Notification.objects.get(user=user, pk=notification_id)
        except (Notification.DoesNotExist, ValueError, TypeError):
            raise Http404(gettext("没有找到这条消息。")) from None
        if notification.read_at is None:
            # Conditional update: two tabs marking the same message keep the first reading time.
            Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
            notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    """Marks every unread message of the user read; returns how many."""
    with transaction.atomic():
        return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
