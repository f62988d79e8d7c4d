"""Two-factor sign-in (TOTP and recovery codes) and the Django admin signing in through allauth.

Personas: a staff member with TOTP on, a staff member without it, a member who is not staff, nobody."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.urls import reverse

from core.models import AuditLogEntry

from .test_accounts import LOGIN_URL, PASSWORD, page_text

MFA_URL = reverse("mfa_authenticate")


def current_code(secret: str, step: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + step))


def wrong_code(secret: str) -> str:
    valid = {current_code(secret, step) for step in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


@pytest.fixture
def staff(user_factory):
    return user_factory(mobile="13900009999", name="王芳", is_staff=True, is_superuser=True, password=PASSWORD)


@pytest.fixture
def staff_secret(staff):
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    return secret


def test_admin_login_page_sends_people_to_the_allauth_login(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next=%2Fadmin%2F"


def test_staff_with_totp_must_give_the_code_to_reach_the_admin(client, staff, staff_secret):
    response = client.post(LOGIN_URL, {"login": staff.mobile, "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302 and response["Location"].startswith(MFA_URL)
    # The password alone does not open the admin.
    assert client.get("/admin/").status_code == 302
    assert "两步验证" in page_text(client.get(MFA_URL))

    response = client.post(MFA_URL, {"code": wrong_code(staff_secret)})
    assert response.status_code == 200
    assert "验证码不正确" in page_text(response)
    assert client.get("/admin/").status_code == 302

    response = client.post(MFA_URL, {"code": current_code(staff_secret)})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_staff_without_totp_reaches_the_admin_with_the_password(client, staff):
    response = client.post(LOGIN_URL, {"login": staff.mobile, "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_member_who_is_not_staff_is_refused_the_admin(client, user_factory):
    member = user_factory(password=PASSWORD)
    client.post(LOGIN_URL, {"login": member.mobile, "password": PASSWORD})
    assert client.get("/admin/login/").status_code == 403
    assert client.get("/admin/", follow=True).status_code == 403


def test_five_wrong_totp_codes_lock_the_second_step(client, staff, staff_secret):
    client.post(LOGIN_URL, {"login": staff.mobile, "password": PASSWORD})
    for _ in range(5):
        client.post(MFA_URL, {"code": wrong_code(staff_secret)})
    response = client.post(MFA_URL, {"code": current_code(staff_secret)})
    assert response.status_code == 200
    assert "尝试次数过多" in page_text(response)
    assert client.get("/admin/").status_code == 302


def test_staff_turns_on_totp_and_gets_recovery_codes_then_signs_in_with_one(
    client, staff, django_capture_on_commit_callbacks
):
    client.post(LOGIN_URL, {"login": staff.mobile, "password": PASSWORD})
    # Turning two-factor on asks for the password again (allauth's reauthentication).
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))
    assert "确认身份" in page_text(client.get(response["Location"]))
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert "开启两步验证" in page_text(page)
    secret = client.session["mfa.totp.secret"]
    assert secret in page_text(page)

    response = client.post(reverse("mfa_activate_totp"), {"code": wrong_code(secret)})
    assert "验证码不正确" in page_text(response)
    assert not Authenticator.objects.filter(user=staff).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert response.status_code == 302
    types = set(Authenticator.objects.filter(user=staff).values_list("type", flat=True))
    assert types == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
    assert AuditLogEntry.objects.filter(action="account.mfa_added", target_id=str(staff.pk)).exists()
    index = page_text(client.get(reverse("mfa_index")))
    assert "已开启" in index and "恢复码" in index

    recovery = Authenticator.objects.get(user=staff, type=Authenticator.Type.RECOVERY_CODES).wrap()
    code = recovery.get_unused_codes()[0]
    client.logout()
    client.post(LOGIN_URL, {"login": staff.mobile, "password": PASSWORD, "next": "/admin/"})
    response = client.post(MFA_URL, {"code": code})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert code not in Authenticator.objects.get(pk=recovery.instance.pk).wrap().get_unused_codes()


def test_the_admin_password_change_link_leads_to_allauth(client, staff):
    client.post(LOGIN_URL, {"login": staff.mobile, "password": PASSWORD})
    response = client.get(reverse("admin:password_change"))
    assert response.status_code == 302 and response["Location"] == reverse("account_change_password")
    assert "修改密码" in page_text(client.get(response["Location"]))
