"""allauth's headless API for apps: log in or sign up with a mobile number, then use the session token."""

import pytest
from django.test import Client

from members.models import OutboundSms, User

from .test_accounts import PASSWORD, sms_code

# Codes go by SMS through the outbox after each request commits, as in production.
pytestmark = pytest.mark.usefixtures("commits_each_request")

APP = "/_allauth/app/v1"


@pytest.fixture
def member(user_factory):
    return user_factory(mobile="13912345678", email="lisi@example.com", name="李四", password=PASSWORD)


def post_json(client, url, data, **headers):
    return client.post(url, data, content_type="application/json", **headers)


@pytest.mark.urls("tests.members.drf_urls")
@pytest.mark.parametrize("login", [{"phone": "+8613912345678"}, {"email": "lisi@example.com"}])
def test_app_logs_in_and_calls_a_drf_endpoint_with_the_session_token(member, login):
    app = Client()
    response = post_json(app, f"{APP}/auth/login", {**login, "password": PASSWORD})
    assert response.status_code == 200, response.json()
    body = response.json()
    token = body["meta"]["session_token"]
    assert (body["data"]["user"]["id"], body["data"]["user"]["display"]) == (member.pk, "李四")

    api = Client()  # no cookies: only the token says who is asking
    assert api.get("/test-only/whoami/").status_code in (401, 403)
    response = api.get("/test-only/whoami/", HTTP_X_SESSION_TOKEN=token)
    assert response.status_code == 200
    assert response.json() == {"mobile": "13912345678", "name": "李四"}
    assert api.get(f"{APP}/auth/session", HTTP_X_SESSION_TOKEN=token).status_code == 200


@pytest.mark.parametrize("typed", ["13912345678", "139 1234 5678", "139-1234-5678", "１３９１２３４５６７８",
                                   "008613912345678", "+86 139 1234 5678"])
def test_app_login_takes_the_mobile_number_as_the_member_types_it(member, typed):
    """The member (an app's login screen) types the 11 digits they know, as on the web form; no "+86" needed."""
    response = post_json(Client(), f"{APP}/auth/login", {"phone": typed, "password": PASSWORD})
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["user"]["id"] == member.pk


def test_app_login_with_11_digits_and_a_wrong_password_is_refused_like_with_86(member):
    response = post_json(Client(), f"{APP}/auth/login", {"phone": "13912345678", "password": "wrong"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "手机号码或密码不正确。"
    response = post_json(Client(), f"{APP}/auth/login", {"phone": "1391234567", "password": PASSWORD})
    assert response.status_code == 400
    assert "11 位中国大陆手机号码" in response.json()["errors"][0]["message"]


def test_app_signs_up_with_11_digits_too(db):
    response = post_json(Client(), f"{APP}/auth/signup", {"phone": "13800138000", "name": "张三", "password": PASSWORD})
    assert response.status_code == 401  # on to the SMS code, as with "+86"
    assert User.objects.get().mobile == "13800138000"


def test_a_signed_in_member_asks_a_reauthentication_code_with_11_digits(member):
    app = Client()
    token = post_json(app, f"{APP}/auth/login", {"phone": "13912345678", "password": PASSWORD}).json()["meta"][
        "session_token"]
    response = post_json(app, f"{APP}/auth/reauthenticate/code/request", {"phone": "139 1234 5678"},
                         HTTP_X_SESSION_TOKEN=token)
    assert response.status_code == 200, response.json()
    assert OutboundSms.objects.filter(to="13912345678").count() == 1  # the code, by SMS


def test_app_login_with_a_wrong_password_or_a_foreign_number_is_refused_in_chinese(member):
    app = Client()
    response = post_json(app, f"{APP}/auth/login", {"phone": "+8613912345678", "password": "wrong"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "手机号码或密码不正确。"
    response = post_json(app, f"{APP}/auth/login", {"phone": "+14155550100", "password": PASSWORD})
    assert response.status_code == 400
    assert "11 位中国大陆手机号码" in response.json()["errors"][0]["message"]


def test_app_signs_up_with_a_mobile_number_and_verifies_it_by_sms(db):
    app = Client()
    response = post_json(
        app, f"{APP}/auth/signup", {"phone": "+8613800138000", "name": "张三", "password": PASSWORD}
    )
    assert response.status_code == 401  # not yet signed in: the phone must be verified first
    body = response.json()
    assert [flow["id"] for flow in body["data"]["flows"] if flow.get("is_pending")] == ["verify_phone"]
    token = body["meta"]["session_token"]
    user = User.objects.get()
    assert (user.mobile, user.name, user.mobile_verified) == ("13800138000", "张三", False)
    assert OutboundSms.objects.filter(to="13800138000").count() == 1

    response = post_json(app, f"{APP}/auth/phone/verify", {"code": sms_code("13800138000")}, HTTP_X_SESSION_TOKEN=token)
    assert response.status_code == 200, response.json()
    user.refresh_from_db()
    assert user.mobile_verified


def test_app_signup_with_a_taken_or_invalid_number_is_refused_in_chinese_and_saves_nothing(member):
    app = Client()
    response = post_json(app, f"{APP}/auth/signup", {"phone": "+8613912345678", "name": "张三", "password": PASSWORD})
    assert response.status_code == 400
    assert "该手机号码已注册" in response.json()["errors"][0]["message"]
    response = post_json(app, f"{APP}/auth/signup", {"phone": "+8612345", "name": "张三", "password": PASSWORD})
    assert response.status_code == 400
    assert "11 位中国大陆手机号码" in response.json()["errors"][0]["message"]
    assert User.objects.count() == 1
    assert not OutboundSms.objects.exists()


@pytest.mark.parametrize("asked_by", [{"phone": "+8613912345678"}, {"email": "13912345678"},
                                      {"email": "lisi@example.com"}])
def test_app_resets_a_forgotten_password_by_mobile_number_or_email(member, asked_by):
    """Persona: a member who forgot the password, in the app. A mobile number (either field) gets the code by
    SMS, an email address by email; the code and a new password sign them in."""
    from django.core import mail

    app = Client()
    response = post_json(app, f"{APP}/auth/password/request", asked_by)
    assert response.status_code == 401, response.json()  # a pending flow: enter the code
    flows = {f["id"]: f for f in response.json()["data"]["flows"]}
    assert flows["password_reset_by_code"]["is_pending"]
    token = response.json()["meta"]["session_token"]
    if "@" in asked_by.get("email", ""):
        code = next(w for w in mail.outbox[-1].body.split() if w.isdigit() and len(w) == 6)
        assert not OutboundSms.objects.exists()
    else:
        code = sms_code("13912345678")
    new_password = "Another-Long-Password-42"
    response = post_json(app, f"{APP}/auth/password/reset", {"key": code, "password": new_password},
                         HTTP_X_SESSION_TOKEN=token)
    assert response.status_code in (200, 401), response.json()
    member.refresh_from_db()
    assert member.check_password(new_password) and not member.check_password(PASSWORD)


def test_app_password_reset_for_an_unknown_or_foreign_number_is_refused_in_chinese(member):
    app = Client()
    response = post_json(app, f"{APP}/auth/password/request", {"phone": "+8613800000000"})
    assert response.status_code == 400 and response.json()["errors"][0]["message"] == "没有使用该手机号码的账户。"
    response = post_json(app, f"{APP}/auth/password/request", {"phone": "+14155550100"})
    assert response.status_code == 400 and "手机号码" in response.json()["errors"][0]["message"]
    assert not OutboundSms.objects.exists()


def test_app_asks_again_for_a_reset_code_within_the_minute_and_returns_to_the_same_code(member):
    """The member asks in the app, goes back and asks again with the reset's session token: the same pending code
    step, no 429, no second text; the first code sets the new password."""
    app = Client()
    first = post_json(app, f"{APP}/auth/password/request", {"phone": "13912345678"})
    token = first.json()["meta"]["session_token"]
    code = sms_code("13912345678")
    response = post_json(app, f"{APP}/auth/password/request", {"phone": "+8613912345678"}, HTTP_X_SESSION_TOKEN=token)
    assert response.status_code == 401, response.json()
    flows = {f["id"]: f for f in response.json()["data"]["flows"]}
    assert flows["password_reset_by_code"]["is_pending"]
    assert OutboundSms.objects.filter(to="13912345678").count() == 1

    response = post_json(app, f"{APP}/auth/password/reset", {"key": code, "password": "Another-Long-Password-42"},
                         HTTP_X_SESSION_TOKEN=token)
    assert response.status_code in (200, 401), response.json()
    member.refresh_from_db()
    assert member.check_password("Another-Long-Password-42")


def test_another_app_session_asking_for_the_members_number_meets_the_limit(member):
    """Without the reset's session token (another phone, someone else) there is no code step to return to."""
    post_json(Client(), f"{APP}/auth/password/request", {"phone": "13912345678"})
    response = post_json(Client(), f"{APP}/auth/password/request", {"phone": "13912345678"})
    assert response.status_code == 429
    assert OutboundSms.objects.filter(to="13912345678").count() == 1


def test_app_flood_of_reset_requests_for_one_number_still_answers_429(member):
    app = Client()
    first = post_json(app, f"{APP}/auth/password/request", {"phone": "13912345678"})
    token = first.json()["meta"]["session_token"]
    statuses = [first.status_code] + [
        post_json(app, f"{APP}/auth/password/request", {"phone": "13912345678"}, HTTP_X_SESSION_TOKEN=token).status_code
        for _ in range(3)]
    assert statuses == [401, 401, 401, 429]  # the code, two returns to it, then a flood
    assert OutboundSms.objects.filter(to="13912345678").count() == 1


def test_app_reset_for_another_number_never_returns_to_the_first_numbers_code(member, user_factory):
    other = user_factory(mobile="13700001111", password=PASSWORD)
    app = Client()
    token = post_json(app, f"{APP}/auth/password/request", {"phone": member.mobile}).json()["meta"]["session_token"]
    members_code = sms_code(member.mobile)
    response = post_json(app, f"{APP}/auth/password/request", {"phone": other.mobile}, HTTP_X_SESSION_TOKEN=token)
    assert response.status_code == 401
    assert OutboundSms.objects.filter(to=other.mobile).count() == 1  # its own code, by its own text
    if members_code != sms_code(other.mobile):
        response = post_json(app, f"{APP}/auth/password/reset", {"key": members_code, "password": "Another-Long-42x"},
                             HTTP_X_SESSION_TOKEN=token)
        assert response.status_code == 400
    response = post_json(app, f"{APP}/auth/password/reset",
                         {"key": sms_code(other.mobile), "password": "Another-Long-42x"}, HTTP_X_SESSION_TOKEN=token)
    assert response.status_code in (200, 401), response.json()
    other.refresh_from_db()
    member.refresh_from_db()
    assert other.check_password("Another-Long-42x") and member.check_password(PASSWORD)
