"""With a real Celery worker on a real broker (run with CELERY_BROKER_URL and a PostgreSQL DATABASE_URL;
skipped otherwise, failed if REQUIRE_WORKER_TESTS=1): notifications are delivered exactly once, and a
failing channel is retried by the worker."""

import pytest
from django.db import transaction
from django.urls import reverse

from members.models import Notification, NotificationDelivery, OutboundSms
from members.notifications.services import notification_send
from members.notifications.tasks import deliver_notification

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _statuses(notification):
    return dict(NotificationDelivery.objects.filter(notification=notification).values_list("channel", "status"))


def test_a_committed_notification_is_delivered_once_even_when_its_task_is_duplicated(celery_worker, user_factory):
    member = user_factory(email="worker-test@example.com")
    with transaction.atomic():
        notification = notification_send(user=member, kind="test", title="真实队列：审核通过")
        # A duplicated message (a redelivery after a lost acknowledgement) races the first on two processes.
        transaction.on_commit(lambda: deliver_notification.delay(notification.id))
        transaction.on_commit(lambda: deliver_notification.delay(notification.id))

    celery_worker.wait_until(
        lambda: _statuses(notification) == {"email": "sent", "sms": "sent"}, what="both deliveries sent"
    )
    celery_worker.wait_idle()
    assert OutboundSms.objects.filter(to=member.mobile).count() == 1
    assert "真实队列：审核通过" in OutboundSms.objects.get(to=member.mobile).body
    assert set(NotificationDelivery.objects.filter(notification=notification).values_list("attempts", flat=True)) == {1}


def test_a_rolled_back_notification_reaches_no_worker(celery_worker, user_factory):
    member = user_factory(email="rollback@example.com")

    class CallerFailed(Exception):
        pass

    with pytest.raises(CallerFailed), transaction.atomic():
        notification_send(user=member, kind="test", title="不该发出")
        raise CallerFailed
    celery_worker.wait_idle()
    assert Notification.objects.count() == 0
    assert OutboundSms.objects.count() == 0


def test_the_worker_retries_a_failed_channel_and_resends_only_it(celery_worker, user_factory):
    member = user_factory(email="retry@example.com")
    celery_worker.arm_sms_failure(member.mobile)
    with transaction.atomic():
        notification = notification_send(user=member, kind="test", title="短信网关超时后重试")

    celery_worker.wait_until(lambda: _statuses(notification).get("sms") == "sent", what="the SMS retry to succeed")
    celery_worker.wait_idle()
    sms = NotificationDelivery.objects.get(notification=notification, channel="sms")
    email = NotificationDelivery.objects.get(notification=notification, channel="email")
    assert (sms.attempts, sms.last_error) == (2, "")  # failed once, sent by the worker's retry
    assert (email.status, email.attempts) == ("sent", 1)  # the retry did not send the email again
    assert OutboundSms.objects.filter(to=member.mobile).count() == 1


def test_staff_retry_from_the_admin_is_delivered_by_the_worker(celery_worker, client, user_factory):
    member = user_factory()
    staff = user_factory(is_staff=True, is_superuser=True)
    # A delivery the task gave up on (all retries failed while the gateway was down).
    notification = Notification.objects.create(user=member, kind="test", title="人工重发")
    delivery = NotificationDelivery.objects.create(
        notification=notification, channel="sms", address=member.mobile, status="failed", attempts=9,
        last_error="SmsError: gateway down",
    )
    client.force_login(staff)
    response = client.post(
        reverse("admin:members_notificationdelivery_changelist"),
        {"action": "retry_failed", "_selected_action": [delivery.pk]},
    )
    assert response.status_code == 302

    celery_worker.wait_until(
        lambda: NotificationDelivery.objects.get(pk=delivery.pk).status == "sent", what="the retried delivery"
    )
    celery_worker.wait_idle()
    assert OutboundSms.objects.filter(to=member.mobile).count() == 1
    assert NotificationDelivery.objects.get(pk=delivery.pk).attempts == 10
