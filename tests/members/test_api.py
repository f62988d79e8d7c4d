"""/api/v1/me/ and /api/v1/notifications/. Personas: the owner, another member, anonymous."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from core.models import AuditLogEntry
from members.models import Notification
from members.notifications.services import notification_send

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
NOTIFICATIONS = "/api/v1/notifications/"


@pytest.fixture
def owner(user_factory):
    return user_factory(name="职工甲", email="owner@example.com")


@pytest.fixture
def api(owner):
    client = APIClient()
    client.force_authenticate(owner)
    return client


def test_me_returns_the_signed_in_account(api, owner):
    response = api.get(ME)
    assert response.status_code == 200
    assert response.json() == {
        "id": owner.id, "name": "职工甲", "mobile": owner.mobile, "email": "owner@example.com",
        "mobile_verified": True, "notify_by_email": True, "notify_by_sms": True, "language": "zh-hans",
    }


def test_patch_me_changes_name_and_channels_and_audits(api, owner):
    response = api.patch(ME, {"name": "  职工 甲乙 ", "notify_by_sms": False}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "职工 甲乙" and response.json()["notify_by_sms"] is False
    owner.refresh_from_db()
    assert owner.name == "职工 甲乙" and owner.notify_by_sms is False and owner.notify_by_email is True
    assert AuditLogEntry.objects.get(action="user.profile_updated").actor == owner


def test_patch_me_sets_the_language_of_the_messages_sent_to_me(api, owner):
    assert api.patch(ME, {"language": "en"}, format="json").json()["language"] == "en"
    owner.refresh_from_db()
    assert owner.language == "en"
    refused = api.patch(ME, {"language": "fr"}, format="json")
    assert refused.status_code == 400 and "language" in refused.json()["error"]["fields"]


def test_malformed_patch_answers_400_with_field_errors_and_saves_nothing(api, owner):
    response = api.patch(ME, {"name": "", "notify_by_sms": "maybe", "mobile": "13000000000"}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["message"]
    assert set(error["fields"]) == {"name", "notify_by_sms", "mobile"}
    assert all(isinstance(m, str) and m for messages in error["fields"].values() for m in messages)
    owner.refresh_from_db()
    assert owner.name == "职工甲" and owner.notify_by_sms is True and owner.mobile != "13000000000"
    assert not AuditLogEntry.objects.exists()


def test_a_body_that_is_not_json_answers_400_in_the_envelope(api):
    response = api.generic("PATCH", ME, "{not json", content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "parse_error" and "JSON" in error["message"] and error["fields"] == {}


def test_a_body_that_is_not_an_object_answers_400_in_the_envelope(api):
    response = api.patch(ME, ["name"], format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"]


def test_field_errors_follow_the_requested_language(api):
    english = api.patch(ME, {"notify_by_sms": "maybe"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    chinese = api.patch(ME, {"notify_by_sms": "maybe"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert english.json()["error"]["fields"]["notify_by_sms"] == ["Must be a valid boolean."]
    assert chinese.json()["error"]["fields"]["notify_by_sms"] != ["Must be a valid boolean."]
    assert english.json()["error"]["message"] and chinese.json()["error"]["message"]


def test_put_is_not_offered(api):
    assert api.put(ME, {"name": "x"}, format="json").status_code == 405


def test_anonymous_is_refused_everywhere(owner):
    notification = notification_send(user=owner, kind="test", title="私信")
    anonymous = APIClient()
    for method, url in (
        ("get", ME), ("patch", ME), ("get", NOTIFICATIONS),
        ("post", f"{NOTIFICATIONS}{notification.id}/read/"), ("post", f"{NOTIFICATIONS}read-all/"),
    ):
        response = getattr(anonymous, method)(url)
        assert response.status_code in (401, 403), (method, url)
        assert response.json()["error"]["message"]
    notification.refresh_from_db()
    assert notification.read_at is None


def test_session_sign_in_needs_csrf_for_writes(owner):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.get(ME).status_code == 200
    response = client.patch(ME, {"name": "无令牌"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]


def test_list_shows_only_own_notifications_with_pinned_queries(api, owner, user_factory, django_assert_num_queries):
    other = user_factory()
    for i in range(6):
        notification_send(user=owner, kind="test", title=f"我的{i}")
    notification_send(user=other, kind="test", title="别人的")
    with django_assert_num_queries(4):  # request savepoint, count, page, release
        response = api.get(NOTIFICATIONS)
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 6 and len(body["results"]) == 6
    assert [n["title"] for n in body["results"]][:2] == ["我的5", "我的4"]
    assert set(body) == {"count", "next", "previous", "results"}


def test_list_paginates_and_caps_the_page_size(api, owner):
    for i in range(5):
        notification_send(user=owner, kind="test", title=f"第{i}条")
    body = api.get(NOTIFICATIONS, {"page_size": 2, "page": 2}).json()
    assert len(body["results"]) == 2 and body["next"] and body["previous"]
    assert api.get(NOTIFICATIONS, {"page": 9}).status_code == 404
    assert api.get(NOTIFICATIONS, {"page": 9}).json()["error"]["message"]


def test_page_size_above_100_is_cut_to_100(api, owner):
    Notification.objects.bulk_create(Notification(user=owner, kind="test", title=f"第{i}条") for i in range(105))
    body = api.get(NOTIFICATIONS, {"page_size": 1000}).json()
    assert body["count"] == 105 and len(body["results"]) == 100


def test_unread_filter_search_and_ordering(api, owner):
    read = notification_send(user=owner, kind="claim", title="审核通过")
    notification_send(user=owner, kind="event", title="活动提醒")
    api.post(f"{NOTIFICATIONS}{read.id}/read/")
    unread = api.get(NOTIFICATIONS, {"unread": "true"}).json()["results"]
    assert [n["title"] for n in unread] == ["活动提醒"]
    already_read = api.get(NOTIFICATIONS, {"unread": "false"}).json()["results"]
    assert [n["title"] for n in already_read] == ["审核通过"] and already_read[0]["is_read"] is True
    assert [n["title"] for n in api.get(NOTIFICATIONS, {"search": "审核"}).json()["results"]] == ["审核通过"]
    assert [n["title"] for n in api.get(NOTIFICATIONS, {"kind": "event"}).json()["results"]] == ["活动提醒"]
    oldest_first = api.get(NOTIFICATIONS, {"ordering": "created_at"}).json()["results"]
    assert [n["title"] for n in oldest_first] == ["审核通过", "活动提醒"]


def test_a_bad_filter_value_answers_400_in_the_envelope(api):
    response = api.get(NOTIFICATIONS, {"unread": "perhaps"})
    assert response.status_code == 400
    assert "unread" in response.json()["error"]["fields"]


def test_mark_one_read(api, owner):
    notification = notification_send(user=owner, kind="test", title="请阅读")
    response = api.post(f"{NOTIFICATIONS}{notification.id}/read/")
    assert response.status_code == 200
    assert response.json()["is_read"] is True and response.json()["read_at"]
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_another_members_notification_is_404(api, user_factory):
    other = user_factory()
    theirs = notification_send(user=other, kind="test", title="别人的")
    assert api.get(f"{NOTIFICATIONS}{theirs.id}/").status_code == 404
    response = api.post(f"{NOTIFICATIONS}{theirs.id}/read/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert response.json()["error"]["message"] == "没有找到这条消息。"
    assert api.get(f"{NOTIFICATIONS}{theirs.id}/").json()["error"]["message"] == "没有找到这条消息。"
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all_marks_only_own(api, owner, user_factory):
    other = user_factory()
    for i in range(3):
        notification_send(user=owner, kind="test", title=f"我的{i}")
    notification_send(user=other, kind="test", title="别人的")
    response = api.post(f"{NOTIFICATIONS}read-all/")
    assert response.status_code == 200 and response.json() == {"marked": 3}
    assert api.post(f"{NOTIFICATIONS}read-all/").json() == {"marked": 0}
    assert other.notifications.filter(read_at__isnull=True).count() == 1


def test_schema_is_served(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "/api/v1/me/" in content and "/api/v1/notifications/{id}/read/" in content
    assert "X-Session-Token" in content


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    result = subprocess.run(  # noqa: S603 — our own manage.py with fixed arguments
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", str(out)],
        cwd=Path(django_settings.BASE_DIR),
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_text().startswith("openapi:")


def test_docs_page_uses_only_local_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("/static/drf_spectacular_sidecar/" in a for a in assets)
    external = [a for a in assets if a.startswith(("http://", "https://", "//"))]
    assert external == []
    assert "cdn" not in html.lower()
    # Swagger UI's start-up script is a file of its own (the Content-Security-Policy allows no inline script).
    script = client.get("/api/docs/?script=").content.decode()
    assert '"validatorUrl": null' in script  # no schema sent to validator.swagger.io for the badge


def test_an_app_authenticates_with_the_headless_session_token(owner, client):
    # allauth headless's app login answers a session token, which is the session key; simulate that login.
    client.force_login(owner)
    token = client.session.session_key
    app = APIClient(enforce_csrf_checks=True)
    assert app.get(ME, HTTP_X_SESSION_TOKEN=token).json()["id"] == owner.id
    response = app.patch(ME, {"name": "应用改名"}, format="json", HTTP_X_SESSION_TOKEN=token)
    assert response.status_code == 200  # no CSRF for token clients
    assert app.get(ME, HTTP_X_SESSION_TOKEN="not-a-session").status_code in (401, 403)
