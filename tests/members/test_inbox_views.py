"""Inbox and settings pages. Personas: the owner, another member, anonymous."""

import pytest
from django.urls import reverse

from core.models import AuditLogEntry
from members.models import Notification
from members.notifications.services import notification_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(user_factory):
    return user_factory(name="职工甲", email="owner@example.com")


@pytest.fixture
def another_member(user_factory):
    return user_factory(name="职工乙")


def test_anonymous_is_sent_to_log_in(client):
    for name in ("members:inbox", "members:settings"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]
    response = client.post(reverse("members:notifications-read-all"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_empty_inbox_says_so(client, owner):
    client.force_login(owner)
    response = client.get(reverse("members:inbox"))
    assert response.status_code == 200
    assert "还没有消息" in response.content.decode()


def test_inbox_shows_own_messages_paginated_with_pinned_queries(
    client, owner, another_member, django_assert_max_num_queries
):
    for i in range(25):
        notification_send(user=owner, kind="test", title=f"我的消息{i:02d}")
    notification_send(user=another_member, kind="test", title="别人的消息")
    client.force_login(owner)
    # request savepoint and release, session, user, unread count in the header, page count, page rows
    with django_assert_max_num_queries(7):
        response = client.get(reverse("members:inbox"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "我的消息24" in page and "我的消息05" in page and "我的消息04" not in page  # newest first, 20 a page
    assert "别人的消息" not in page
    assert "第 1 页，共 2 页" in page
    second = client.get(reverse("members:inbox"), {"page": 2}).content.decode()
    assert "我的消息04" in second and "我的消息24" not in second


def test_header_shows_the_unread_count(client, owner):
    for i in range(3):
        notification_send(user=owner, kind="test", title=f"未读{i}")
    client.force_login(owner)
    page = client.get(reverse("home")).content.decode()
    assert 'class="badge"' in page and ">3</span>" in page


def test_mark_one_read_and_follow_its_link(client, owner):
    notification = notification_send(user=owner, kind="test", title="有链接", url="/me/settings/")
    client.force_login(owner)
    response = client.post(reverse("members:notification-read", args=[notification.id]))
    assert response.status_code == 302 and response["Location"] == "/me/settings/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_an_outside_link_is_not_followed(client, owner):
    notification = notification_send(user=owner, kind="test", title="外链", url="https://evil.example.com/")
    client.force_login(owner)
    response = client.post(reverse("members:notification-read", args=[notification.id]))
    assert response["Location"] == reverse("members:inbox")


def test_another_members_message_is_404_and_stays_unread(client, owner, another_member):
    notification = notification_send(user=owner, kind="test", title="私信")
    client.force_login(another_member)
    response = client.post(reverse("members:notification-read", args=[notification.id]))
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_read_needs_post(client, owner):
    notification = notification_send(user=owner, kind="test", title="只能 POST")
    client.force_login(owner)
    assert client.get(reverse("members:notification-read", args=[notification.id])).status_code == 405


def test_mark_all_read_only_touches_own_messages(client, owner, another_member):
    for i in range(2):
        notification_send(user=owner, kind="test", title=f"我的{i}")
    notification_send(user=another_member, kind="test", title="别人的")
    client.force_login(owner)
    response = client.post(reverse("members:notifications-read-all"), follow=True)
    assert "已将 2 条消息标为已读" in response.content.decode()
    assert not Notification.objects.filter(user=owner, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=another_member, read_at__isnull=True).count() == 1


def test_settings_page_saves_channels_and_audits(client, owner):
    client.force_login(owner)
    response = client.get(reverse("members:settings"))
    assert response.status_code == 200
    response = client.post(reverse("members:settings"), {"notify_by_email": "on"})  # SMS unticked
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.notify_by_email is True and owner.notify_by_sms is False
    entry = AuditLogEntry.objects.get(action="user.profile_updated")
    assert entry.data == {"notify_by_sms": {"from": True, "to": False}}


def test_settings_page_sets_the_language_messages_are_written_in(client, owner):
    client.force_login(owner)
    assert "通知语言" in client.get(reverse("members:settings")).content.decode()
    client.post(reverse("members:settings"), {"notify_by_email": "on", "notify_by_sms": "on", "language": "en"})
    owner.refresh_from_db()
    assert owner.language == "en"
    entry = AuditLogEntry.objects.get(action="user.profile_updated")
    assert entry.data == {"language": {"from": "zh-hans", "to": "en"}}
    refused = client.post(reverse("members:settings"), {"language": "fr"})
    assert refused.status_code == 400
    owner.refresh_from_db()
    assert owner.language == "en"


def test_saving_unchanged_settings_writes_no_audit_entry(client, owner):
    client.force_login(owner)
    client.post(reverse("members:settings"), {"notify_by_email": "on", "notify_by_sms": "on"})
    assert not AuditLogEntry.objects.exists()


def test_a_channel_without_an_address_is_shown_off_and_cannot_be_switched(client, user_factory):
    member = user_factory(email=None, mobile_verified=False, notify_by_email=False, notify_by_sms=True)
    client.force_login(member)
    page = client.get(reverse("members:settings")).content.decode()
    assert "填写后才能接收邮件通知" in page and "验证后才能接收短信通知" in page
    assert "checked" not in page  # SMS is chosen but cannot be sent: shown as off
    client.post(reverse("members:settings"), {"notify_by_email": "on"})
    member.refresh_from_db()
    # Neither choice changed: the SMS choice applies again once the number is verified.
    assert member.notify_by_email is False and member.notify_by_sms is True
    assert not AuditLogEntry.objects.exists()
