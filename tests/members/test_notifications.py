from django.core import mail

from members.models import NotificationDelivery, OutboundSms
from members.notifications import notification_send


def test_member_gets_inbox_email_and_sms_once(user_factory, django_capture_on_commit_callbacks):
    member = user_factory(email="worker@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_send(user=member, kind="test", title="审核通过", body="您的申请已通过")
    assert member.notifications.get() == notification
    assert len(mail.outbox) == 1
    assert OutboundSms.objects.filter(to=member.mobile).count() == 1
    assert set(NotificationDelivery.objects.values_list("status", flat=True)) == {"sent"}
