"""notification_send and delivery: inbox always, chosen channels once each, retries only of what failed."""

import pytest
from django.core import mail
from django.db import transaction

from core.models import AuditLogEntry
from members.models import Notification, NotificationDelivery, OutboundSms
from members.notifications import services as notifications
from members.notifications.services import notification_deliver, notification_send
from members.notifications.tasks import deliver_notification

pytestmark = pytest.mark.django_db


def test_member_gets_inbox_email_and_sms_once(user_factory, django_capture_on_commit_callbacks):
    member = user_factory(email="worker@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_send(
            user=member, kind="test", title="审核通过", body="您的申请已通过", url="/benefits/claims/1/"
        )
    assert member.notifications.get() == notification
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "审核通过"
    assert "http://" in mail.outbox[0].body and "/benefits/claims/1/" in mail.outbox[0].body
    sms = OutboundSms.objects.get(to=member.mobile)
    assert "审核通过" in sms.body
    deliveries = NotificationDelivery.objects.filter(notification=notification)
    assert {(d.channel, d.status, d.attempts) for d in deliveries} == {("email", "sent", 1), ("sms", "sent", 1)}


def test_channels_follow_the_users_choice(user_factory, django_capture_on_commit_callbacks):
    member = user_factory(email="worker@example.com", notify_by_email=False, notify_by_sms=True)
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(user=member, kind="test", title="只发短信")
    assert mail.outbox == []
    assert OutboundSms.objects.count() == 1


def test_no_email_address_and_unverified_mobile_leave_only_the_inbox(
    user_factory, django_capture_on_commit_callbacks
):
    member = user_factory(email=None, mobile_verified=False)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification_send(user=member, kind="test", title="只进收件箱")
    assert member.notifications.count() == 1
    assert NotificationDelivery.objects.count() == 0
    assert callbacks == []  # nothing to deliver, no task queued
    assert mail.outbox == [] and OutboundSms.objects.count() == 0


def test_a_rolled_back_caller_stores_and_sends_nothing(user_factory, django_capture_on_commit_callbacks):
    member = user_factory(email="worker@example.com")

    class CallerFailed(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(CallerFailed),
        transaction.atomic(),
    ):
        notification_send(user=member, kind="test", title="不该发出")
        raise CallerFailed
    assert callbacks == []
    assert Notification.objects.count() == 0
    assert NotificationDelivery.objects.count() == 0
    assert mail.outbox == [] and OutboundSms.objects.count() == 0


def test_the_task_is_queued_only_on_commit(user_factory, django_capture_on_commit_callbacks):
    member = user_factory(email="worker@example.com")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification_send(user=member, kind="test", title="稍后发送")
        assert mail.outbox == []
    assert len(callbacks) == 1
    assert mail.outbox == [] and OutboundSms.objects.count() == 0


def test_running_the_task_twice_sends_once(user_factory, django_capture_on_commit_callbacks):
    member = user_factory(email="worker@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_send(user=member, kind="test", title="只发一次")
    deliver_notification.apply(args=[notification.id])
    notification_deliver(notification_id=notification.id)
    assert len(mail.outbox) == 1
    assert OutboundSms.objects.count() == 1
    assert set(NotificationDelivery.objects.values_list("attempts", flat=True)) == {1}


def test_a_retry_after_one_channel_failed_sends_only_the_failed_one(
    user_factory, settings, django_capture_on_commit_callbacks
):
    member = user_factory(email="worker@example.com")
    settings.SMS_BACKEND = "tests.sms_backends.BrokenSmsBackend"
    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_send(user=member, kind="test", title="短信网关故障")
    sms = NotificationDelivery.objects.get(channel="sms")
    assert (sms.status, sms.attempts) == ("failed", 1)
    assert "SmsError" in sms.last_error
    assert len(mail.outbox) == 1

    settings.SMS_BACKEND = "members.notifications.sms.DatabaseSmsBackend"
    notification_deliver(notification_id=notification.id)  # what the retried task does

    assert len(mail.outbox) == 1  # email not sent again
    assert OutboundSms.objects.filter(to=member.mobile).count() == 1
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.last_error) == ("sent", 2, "")
    email = NotificationDelivery.objects.get(channel="email")
    assert email.attempts == 1


def test_a_failed_channel_makes_the_delivery_raise_for_the_task_to_retry(user_factory, settings):
    member = user_factory(email=None)
    settings.SMS_BACKEND = "tests.sms_backends.BrokenSmsBackend"
    notification = notification_send(user=member, kind="test", title="会重试")
    with pytest.raises(notifications.DeliveryFailed):
        notification_deliver(notification_id=notification.id)


def test_the_task_asks_celery_to_retry_with_backoff_when_a_channel_fails(user_factory, settings, monkeypatch):
    member = user_factory(email=None)
    settings.SMS_BACKEND = "tests.sms_backends.BrokenSmsBackend"
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 10
    notification = notification_send(user=member, kind="test", title="退避重试")
    asked = {}

    class Retry(Exception):
        pass

    def fake_retry(*, exc, countdown):
        asked.update(exc=exc, countdown=countdown)
        return Retry()

    # Run the task body as a worker would (not eagerly), catching the retry it requests.
    monkeypatch.setattr(deliver_notification, "retry", fake_retry)
    deliver_notification.push_request(is_eager=False, retries=2)
    try:
        with pytest.raises(Retry):
            deliver_notification.run(notification.id)
    finally:
        deliver_notification.pop_request()
    assert isinstance(asked["exc"], notifications.DeliveryFailed)
    assert 20 <= asked["countdown"] <= 40  # 10 · 2², with jitter in its upper half


def test_retry_countdown_grows_and_is_capped(settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 30
    settings.NOTIFICATION_RETRY_MAX_SECONDS = 3600
    assert 15 <= notifications.retry_countdown(0) <= 30
    assert 60 <= notifications.retry_countdown(2) <= 120
    assert 1800 <= notifications.retry_countdown(20) <= 3600


def test_staff_retry_requeues_only_failed_deliveries_and_audits(
    user_factory, settings, django_capture_on_commit_callbacks
):
    member = user_factory(email="worker@example.com")
    admin_user = user_factory(is_staff=True, is_superuser=True)
    settings.SMS_BACKEND = "tests.sms_backends.BrokenSmsBackend"
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(user=member, kind="test", title="人工重试")
    settings.SMS_BACKEND = "members.notifications.sms.DatabaseSmsBackend"
    all_ids = NotificationDelivery.objects.values_list("pk", flat=True)
    with django_capture_on_commit_callbacks(execute=True):
        count = notifications.notification_deliveries_retry(actor=admin_user, delivery_ids=all_ids)
    assert count == 1
    assert len(mail.outbox) == 1
    assert OutboundSms.objects.count() == 1
    assert set(NotificationDelivery.objects.values_list("status", flat=True)) == {"sent"}
    entry = AuditLogEntry.objects.get(action="notification_delivery.retried")
    assert entry.actor == admin_user and entry.data["channel"] == "sms"


def test_staff_retry_of_nothing_failed_queues_nothing(user_factory, django_capture_on_commit_callbacks):
    member = user_factory(email="worker@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(user=member, kind="test", title="已发送")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        count = notifications.notification_deliveries_retry(
            actor=None, delivery_ids=NotificationDelivery.objects.values_list("pk", flat=True)
        )
    assert count == 0 and callbacks == []
    assert len(mail.outbox) == 1


def test_a_notification_needs_a_title(user_factory):
    with pytest.raises(ValueError):
        notification_send(user=user_factory(), kind="test", title="  ")
    assert Notification.objects.count() == 0


def test_mark_read_touches_only_ones_own_message(user_factory):
    from django.http import Http404

    owner, other = user_factory(), user_factory()
    mine = notification_send(user=owner, kind="test", title="我的")
    with pytest.raises(Http404):
        notifications.notification_mark_read(user=other, notification_id=mine.id)
    mine.refresh_from_db()
    assert mine.read_at is None
    read = notifications.notification_mark_read(user=owner, notification_id=mine.id)
    first_read_at = read.read_at
    assert first_read_at is not None
    assert notifications.notification_mark_read(user=owner, notification_id=mine.id).read_at == first_read_at


def test_mark_all_read_counts_and_leaves_others_alone(user_factory):
    owner, other = user_factory(), user_factory()
    for i in range(3):
        notification_send(user=owner, kind="test", title=f"消息{i}")
    notification_send(user=other, kind="test", title="别人的")
    assert notifications.notifications_mark_all_read(user=owner) == 3
    assert notifications.notifications_mark_all_read(user=owner) == 0
    assert other.notifications.filter(read_at__isnull=True).count() == 1


def test_a_racer_that_listed_the_delivery_before_it_was_sent_does_not_send_it_again(
    user_factory, django_capture_on_commit_callbacks
):
    # Two workers both list the SMS as unsent; the first sends it; the second, once it has the row lock,
    # must see "sent" and stop.
    member = user_factory(email=None)
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(user=member, kind="test", title="竞争")
    delivery = NotificationDelivery.objects.get()
    assert delivery.status == "sent"
    assert notifications._delivery_send(delivery_id=delivery.id) is True
    assert OutboundSms.objects.count() == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_messages_are_written_in_the_recipients_language_whoever_sends_them(user_factory,
                                                                             django_capture_on_commit_callbacks):
    """Personas: a Chinese-speaking actor (the active language) tells an English-speaking member and a
    Chinese-speaking one the same thing; each reads it in their own language, in the inbox, email and SMS."""
    from django.utils import translation
    from django.utils.translation import gettext_lazy

    from members.notifications.services import recipient_text

    english = user_factory(email="en@example.com", language="en")
    chinese = user_factory(email="zh@example.com")
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        for member in (english, chinese):
            notification_send(
                user=member, kind="test",
                title=recipient_text(gettext_lazy("您已成功参加%(plan)s"), plan="2027年度互助"),
                body=recipient_text(gettext_lazy("保障期 %(start)s 至 %(end)s。"), start="2027-01-01",
                                    end="2027-12-31"),
            )
    to_english, to_chinese = english.notifications.get(), chinese.notifications.get()
    assert to_english.title == "You have enrolled in 2027年度互助"
    assert to_english.body == "Cover period: 2027-01-01 to 2027-12-31."
    assert to_chinese.title == "您已成功参加2027年度互助" and to_chinese.body.startswith("保障期 2027-01-01")
    assert {m.subject for m in mail.outbox} == {to_english.title, to_chinese.title}
    assert translation.get_language() != "en"  # the sender's language is left as it was


def test_without_a_user_messages_are_in_chinese():
    assert notifications.language_of(None) == "zh-hans"
