"""Admin for accounts, notifications, deliveries and the audit log.
Personas: superuser, branch admin of branch A, branch admin of sibling branch B, branch admin of the parent,
staff without a role, a member."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse

from core.models import AuditLogEntry
from members.models import Branch, Member, NotificationDelivery, OutboundSms, StaffRole, User
from members.notifications.services import notification_send

pytestmark = pytest.mark.django_db

ADMIN_PERMS = [
    "view_user",
    "change_user",
    "add_user",
    "view_notification",
    "view_notificationdelivery",
    "change_notificationdelivery",
    "view_auditlogentry",
]


@pytest.fixture
def tree():
    parent = Branch.objects.add_root({"name": "区总工会", "kind": Branch.Kind.DISTRICT})
    branch_a = Branch.objects.add_child(parent, {"name": "甲公司工会", "kind": Branch.Kind.BASE})
    branch_b = Branch.objects.add_child(
        Branch.objects.get(pk=parent.pk), {"name": "乙公司工会", "kind": Branch.Kind.BASE}
    )
    return {"parent": Branch.objects.get(pk=parent.pk), "a": branch_a, "b": branch_b}


@pytest.fixture
def member_in(user_factory):
    counter = iter(range(100, 999))

    def make(branch, **user_fields):
        user = user_factory(**user_fields)
        n = next(counter)
        Member.objects.create(
            user=user,
            name=user.name,
            id_number=f"110101199001011{n:03d}",
            birth_date=datetime.date(1990, 1, 1),
            gender="F",
            mobile=user.mobile,
            branch=branch,
        )
        return user

    return make


@pytest.fixture
def staff_of(user_factory):
    def make(branch=None, role=StaffRole.Role.BRANCH_ADMIN):
        user = user_factory(is_staff=True)
        user.user_permissions.set(Permission.objects.filter(codename__in=ADMIN_PERMS))
        if branch is not None:
            StaffRole.objects.create(user=user, branch=branch, role=role)
        return User.objects.get(pk=user.pk)

    return make


@pytest.fixture
def superuser(user_factory):
    return user_factory(is_staff=True, is_superuser=True)


def test_user_list_search_and_filters(client, superuser, user_factory, django_assert_max_num_queries):
    for i in range(5):
        user_factory(name=f"张三{i}", email=f"z{i}@example.com")
    target = user_factory(name="李四", email="lisi@example.com", mobile="13712345678")
    client.force_login(superuser)
    url = reverse("admin:members_user_changelist")
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    for query in ("李四", "13712345678", "lisi@example"):
        page = client.get(url, {"q": query}).content.decode()
        assert target.mobile in page and "张三1" not in page
    assert client.get(url, {"is_staff__exact": "1"}).status_code == 200


def test_user_change_page_shows_no_password_hash(client, superuser, user_factory):
    member = user_factory()
    client.force_login(superuser)
    page = client.get(reverse("admin:members_user_change", args=[member.pk])).content.decode()
    assert member.password not in page
    assert member.password.split("$")[-1][:6] not in page
    assert "md5" not in page.lower() and "hash" not in page.lower()
    assert reverse("admin:auth_user_password_change", args=[member.pk]) in page


def test_superuser_creates_an_account_with_mobile_and_password(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:members_user_add"),
        {
            "mobile": "13600001111",
            "name": "新职工",
            "email": "",
            "usable_password": "true",
            "password1": "a-Long-passw0rd",
            "password2": "a-Long-passw0rd",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = User.objects.get(mobile="13600001111")
    assert created.check_password("a-Long-passw0rd")
    assert created.email is None  # blank email stays NULL, so a second blank one is not a duplicate


def test_account_creation_rejects_a_bad_mobile_and_saves_nothing(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:members_user_add"),
        {
            "mobile": "12345",
            "name": "错号",
            "usable_password": "true",
            "password1": "a-Long-passw0rd",
            "password2": "a-Long-passw0rd",
        },
    )
    assert response.status_code == 200
    assert "11 位" in response.content.decode()
    assert not User.objects.filter(name="错号").exists()


def test_branch_admin_sees_accounts_of_own_subtree_only(client, tree, member_in, staff_of):
    in_a, in_b = member_in(tree["a"]), member_in(tree["b"])
    url = reverse("admin:members_user_changelist")

    client.force_login(staff_of(tree["a"]))
    page = client.get(url).content.decode()
    assert in_a.mobile in page and in_b.mobile not in page
    assert client.get(reverse("admin:members_user_change", args=[in_b.pk])).status_code == 302  # "not found" redirect
    assert not client.get(reverse("admin:members_user_change", args=[in_b.pk]), follow=True).context.get("original")

    client.force_login(staff_of(tree["parent"]))
    page = client.get(url).content.decode()
    assert in_a.mobile in page and in_b.mobile in page

    client.force_login(staff_of(None))
    page = client.get(url).content.decode()
    assert in_a.mobile not in page and in_b.mobile not in page


def test_only_a_superuser_creates_bare_accounts(client, tree, staff_of):
    client.force_login(staff_of(tree["a"]))
    assert client.get(reverse("admin:members_user_add")).status_code == 403


def test_branch_admin_cannot_grant_staff_or_superuser(client, tree, member_in, staff_of):
    in_a = member_in(tree["a"])
    client.force_login(staff_of(tree["a"]))
    url = reverse("admin:members_user_change", args=[in_a.pk])
    page = client.get(url).content.decode()
    assert 'name="is_superuser"' not in page
    response = client.post(
        url,
        {
            "mobile": in_a.mobile,
            "name": "改过的名字",
            "is_active": "on",
            "is_superuser": "on",
            "is_staff": "on",
            "notify_by_email": "on",
        },
    )
    assert response.status_code == 302
    in_a.refresh_from_db()
    assert in_a.name == "改过的名字"  # the edit went through …
    assert not in_a.is_superuser and not in_a.is_staff  # … without the fields a branch admin may not set


def test_superuser_edits_an_account_and_its_permissions(client, superuser, user_factory):
    member = user_factory(email="old@example.com")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:members_user_change", args=[member.pk]),
        {
            "mobile": member.mobile,
            "name": "新名字",
            "email": "",
            "is_active": "on",
            "is_staff": "on",
            "mobile_verified": "on",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.name == "新名字" and member.is_staff and member.email is None
    assert member.check_password("correct-horse-battery")  # the password is untouched by this form


def test_member_without_staff_status_cannot_open_the_admin(client, user_factory):
    client.force_login(user_factory())
    assert client.get(reverse("admin:members_notification_changelist")).status_code == 302


def test_notification_admin_is_read_only_searchable_and_scoped(
    client, tree, member_in, staff_of, superuser, django_assert_max_num_queries
):
    in_a, in_b = member_in(tree["a"], mobile="13511112222"), member_in(tree["b"])
    for i in range(4):
        notification_send(user=in_a, kind="claim", title=f"甲的通知{i}")
    notification_send(user=in_b, kind="claim", title="乙的通知")
    url = reverse("admin:members_notification_changelist")

    client.force_login(superuser)
    with django_assert_max_num_queries(14):
        page = client.get(url).content.decode()
    assert "甲的通知3" in page and "乙的通知" in page
    page = client.get(url, {"q": "13511112222"}).content.decode()
    assert "甲的通知0" in page and "乙的通知" not in page
    assert "甲的通知" in client.get(url, {"read": "no"}).content.decode()
    assert client.get(reverse("admin:members_notification_add")).status_code == 403

    client.force_login(staff_of(tree["a"]))
    page = client.get(url).content.decode()
    assert "甲的通知0" in page and "乙的通知" not in page


def test_retry_failed_action_resends_only_failed_deliveries(
    client, superuser, user_factory, settings, django_capture_on_commit_callbacks
):
    member = user_factory(email="m@example.com")
    settings.SMS_BACKEND = "tests.sms_backends.BrokenSmsBackend"
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(user=member, kind="test", title="网关故障")
    assert NotificationDelivery.objects.get(channel="sms").status == "failed"
    settings.SMS_BACKEND = "members.notifications.sms.DatabaseSmsBackend"

    client.force_login(superuser)
    url = reverse("admin:members_notificationdelivery_changelist")
    selected = list(NotificationDelivery.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "retry_failed", "_selected_action": selected}, follow=True)
    assert "已重新排队 1 条投递" in response.content.decode()
    assert set(NotificationDelivery.objects.values_list("status", flat=True)) == {"sent"}
    assert OutboundSms.objects.count() == 1 and len(mail.outbox) == 1
    assert AuditLogEntry.objects.filter(action="notification_delivery.retried", actor=superuser).count() == 1


def test_retry_action_needs_the_change_permission(
    client, tree, member_in, staff_of, settings, django_capture_on_commit_callbacks
):
    member = member_in(tree["a"])
    settings.SMS_BACKEND = "tests.sms_backends.BrokenSmsBackend"
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(user=member, kind="test", title="网关故障")
    staff = staff_of(tree["a"])
    staff.user_permissions.remove(Permission.objects.get(codename="change_notificationdelivery"))
    client.force_login(User.objects.get(pk=staff.pk))
    url = reverse("admin:members_notificationdelivery_changelist")
    page = client.get(url).content.decode()
    assert "retry_failed" not in page
    assert NotificationDelivery.objects.get().status == "failed"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "retry_failed", "_selected_action": [NotificationDelivery.objects.get().pk]})
    assert NotificationDelivery.objects.get().status == "failed"


def test_sibling_branch_admin_cannot_retry_another_branchs_delivery(
    client, tree, member_in, staff_of, settings, django_capture_on_commit_callbacks
):
    member = member_in(tree["a"])
    settings.SMS_BACKEND = "tests.sms_backends.BrokenSmsBackend"
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(user=member, kind="test", title="网关故障")
    settings.SMS_BACKEND = "members.notifications.sms.DatabaseSmsBackend"
    client.force_login(staff_of(tree["b"]))
    delivery = NotificationDelivery.objects.get()
    assert delivery.status == "failed"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:members_notificationdelivery_changelist"),
            {"action": "retry_failed", "_selected_action": [delivery.pk]},
        )
    delivery.refresh_from_db()
    assert delivery.status == "failed" and OutboundSms.objects.count() == 0


def test_audit_log_is_read_only_and_for_superusers(client, superuser, tree, staff_of, user_factory):
    from core.services import audit_log

    entry = audit_log(actor=superuser, action="test.done", target=user_factory())
    client.force_login(superuser)
    url = reverse("admin:core_auditlogentry_changelist")
    assert "test.done" in client.get(url).content.decode()
    change_url = reverse("admin:core_auditlogentry_change", args=[entry.pk])
    assert client.get(change_url).status_code == 200
    client.post(change_url, {"action": "tampered"})
    entry.refresh_from_db()
    assert entry.action == "test.done"
    assert client.get(reverse("admin:core_auditlogentry_delete", args=[entry.pk])).status_code == 403

    client.force_login(staff_of(tree["parent"]))
    assert client.get(url).status_code == 403
