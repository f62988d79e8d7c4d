"""Accounts: sign-up with an SMS-verified mobile number, login by mobile or email, password reset by SMS or
email, rate limits, and the mapping of allauth's phone support onto User.mobile.

Personas: a new visitor signing up (anonymous), a member with a verified mobile, a member whose mobile is
not yet verified, another member (whose number or email is taken)."""

import re
import time

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from core.models import AuditLogEntry
from members.models import OutboundSms, User, normalize_mobile

# Codes go by SMS through the outbox after each request commits, as in production.
pytestmark = pytest.mark.usefixtures("commits_each_request")

PASSWORD = "Gonghui-2026-secret"
MOBILE = "13800138000"

SIGNUP_URL = reverse("account_signup")
LOGIN_URL = reverse("account_login")
VERIFY_URL = reverse("account_verify_phone")
RESET_URL = reverse("account_reset_password")
RESET_CODE_URL = reverse("account_confirm_password_reset_code")
RESET_COMPLETE_URL = reverse("account_complete_password_reset")


def sms_code(mobile: str) -> str:
    """The code in the latest text message to `mobile` (DatabaseSmsBackend in tests)."""
    body = OutboundSms.objects.filter(to=mobile).order_by("-id").values_list("body", flat=True).first()
    assert body is not None, f"no SMS to {mobile}"
    return re.search(r"\b(\d{6})\b", body).group(1)


def signup(client, **overrides):
    data = {"phone": MOBILE, "name": "张三", "email": "", "password1": PASSWORD, "password2": PASSWORD}
    data.update(overrides)
    return client.post(SIGNUP_URL, data)


def page_text(response) -> str:
    return response.content.decode()


@pytest.fixture
def later(monkeypatch):
    """Moves the clock allauth's code processes and rate limits read (time.time) forward by some seconds."""

    def move(seconds: float):
        now = time.time()
        monkeypatch.setattr(time, "time", lambda: now + seconds)

    return move


@pytest.fixture
def member(user_factory):
    """A member whose mobile number is verified, with an email address."""
    return user_factory(mobile="13912345678", email="lisi@example.com", name="李四", password=PASSWORD)


# --- The mobile number: one stored form -------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000", "+8613800138000", "008613800138000",
     "8613800138000", "１３８００１３８０００"],
)
def test_mobile_numbers_as_people_and_apps_type_them_are_stored_as_11_digits(typed):
    assert normalize_mobile(typed) == MOBILE


@pytest.mark.parametrize(
    "typed", ["", "12800138000", "1380013800", "138001380001", "+14155550100", "abc", "+85291234567"]
)
def test_other_input_is_not_a_mainland_mobile_number(typed):
    with pytest.raises(ValidationError) as error:
        normalize_mobile(typed)
    assert "11 位中国大陆手机号码" in error.value.messages[0]


def test_database_refuses_a_malformed_mobile_and_a_blank_email(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(mobile="12345", name="x")])
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(mobile=MOBILE, name="x", email="")])


def test_users_without_email_can_be_many_and_email_is_stored_lower_case(db):
    first = User.objects.create_user(MOBILE, PASSWORD, name="甲", email="")
    second = User.objects.create_user("13900001111", PASSWORD, name="乙")
    third = User.objects.create_user("13900002222", PASSWORD, name="丙", email="Wang.Fang@Example.COM")
    assert first.email is None and second.email is None
    third.refresh_from_db()
    assert third.email == "wang.fang@example.com"


# --- Sign-up ------------------------------------------------------------------------------------------------


def test_signup_page_is_in_chinese_and_asks_for_mobile_name_email_password(client, db):
    response = client.get(SIGNUP_URL)
    assert response.status_code == 200
    text = page_text(response)
    for label in ["手机号码", "姓名", "电子邮箱（选填）", "密码", "再次输入密码", "注册并获取验证码"]:
        assert label in text
    assert 'type="tel"' in text
    assert '<main id="main"' in text  # our base.html, not allauth's bare layout


def test_signup_end_to_end_then_login_by_mobile_and_by_email(client, db):
    response = signup(client, email="Zhang.San@Example.com", phone="138 0013 8000")
    assert response.status_code == 302
    assert response["Location"] == VERIFY_URL
    user = User.objects.get()
    assert (user.mobile, user.mobile_verified, user.name) == (MOBILE, False, "张三")
    assert user.email == "zhang.san@example.com"
    assert user.check_password(PASSWORD)
    assert user.language == "zh-hans"  # the pages' language at sign-up: Chinese unless the switch said otherwise

    sms = OutboundSms.objects.get(to=MOBILE)
    assert "验证码" in sms.body and "10 分钟" in sms.body
    assert PASSWORD not in sms.body

    page = client.get(VERIFY_URL)
    assert "输入短信验证码" in page_text(page) and MOBILE in page_text(page)
    response = client.post(VERIFY_URL, {"code": sms_code(MOBILE)})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.mobile_verified
    assert client.get(reverse("members:inbox")).status_code == 200  # signed in
    assert set(AuditLogEntry.objects.values_list("action", flat=True)) == {
        "account.signed_up",
        "account.mobile_verified",
    }

    client.logout()
    response = client.post(LOGIN_URL, {"login": "138-0013-8000", "password": PASSWORD})
    assert response.status_code == 302, page_text(response)
    assert client.get(reverse("members:inbox")).status_code == 200

    client.logout()
    response = client.post(LOGIN_URL, {"login": "zhang.san@example.com", "password": PASSWORD})
    assert response.status_code == 302, page_text(response)
    assert client.get(reverse("members:inbox")).status_code == 200



def test_signing_up_in_english_makes_english_the_language_of_messages(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert signup(client).status_code == 302
    assert User.objects.get().language == "en"

@pytest.mark.parametrize("phone", ["12345", "+14155550100", "1380013800"])
def test_signup_with_an_invalid_mobile_says_so_and_saves_nothing(client, db, phone):
    response = signup(client, phone=phone)
    assert response.status_code == 200
    assert "请输入 11 位中国大陆手机号码" in page_text(response)
    assert not User.objects.exists()
    assert not OutboundSms.objects.exists()


def test_signup_with_a_taken_mobile_says_so_and_saves_nothing(client, member):
    response = signup(client, phone="+86 139 1234 5678")
    assert response.status_code == 200
    assert "该手机号码已注册" in page_text(response)
    assert "忘记密码" in page_text(response)
    assert User.objects.count() == 1
    assert not OutboundSms.objects.exists()


def test_signup_with_a_taken_email_says_so_and_saves_nothing(client, member):
    response = signup(client, email="LiSi@example.com")
    assert response.status_code == 200
    assert "该电子邮箱已被其他账户使用" in page_text(response)
    assert User.objects.count() == 1


def test_signup_without_a_name_or_with_mismatched_passwords_saves_nothing(client, db):
    response = signup(client, name="")
    assert "请填写您的姓名" in page_text(response)
    response = signup(client, password2=PASSWORD + "x")
    assert response.status_code == 200
    assert not User.objects.exists()


# --- The SMS code ---------------------------------------------------------------------------------------------


def test_a_wrong_code_is_refused_with_a_clear_message(client, db):
    signup(client)
    wrong = "000000" if sms_code(MOBILE) != "000000" else "111111"
    response = client.post(VERIFY_URL, {"code": wrong})
    assert response.status_code == 200
    assert "验证码不正确" in page_text(response)
    assert not User.objects.get().mobile_verified


def test_three_wrong_codes_end_the_attempt(client, db):
    signup(client)
    code = sms_code(MOBILE)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(2):
        assert client.post(VERIFY_URL, {"code": wrong}).status_code == 200
    response = client.post(VERIFY_URL, {"code": wrong}, follow=True)
    assert response.redirect_chain[0][1] == 302
    assert "尝试次数过多" in page_text(response)
    # The right code no longer helps: the attempt is over.
    response = client.post(VERIFY_URL, {"code": code})
    assert response.status_code == 302 and response["Location"].startswith(LOGIN_URL)
    assert not User.objects.get().mobile_verified


def test_an_expired_code_is_refused(client, db, later):
    signup(client)
    code = sms_code(MOBILE)
    later(10 * 60 + 1)
    response = client.post(VERIFY_URL, {"code": code})
    assert response.status_code == 302 and response["Location"].startswith(LOGIN_URL)
    assert not User.objects.get().mobile_verified


def test_a_new_code_at_most_once_a_minute(client, db, later):
    signup(client)
    response = client.post(VERIFY_URL, {"action": "resend"}, follow=True)
    assert "操作过于频繁" in page_text(response)
    assert OutboundSms.objects.filter(to=MOBILE).count() == 1

    later(61)
    client.post(VERIFY_URL, {"action": "resend"})
    assert OutboundSms.objects.filter(to=MOBILE).count() == 2
    response = client.post(VERIFY_URL, {"code": sms_code(MOBILE)})
    assert response.status_code == 302
    assert User.objects.get().mobile_verified


def test_a_member_with_an_unverified_mobile_must_verify_it_at_login(client, user_factory):
    user_factory(mobile=MOBILE, mobile_verified=False, password=PASSWORD)
    response = client.post(LOGIN_URL, {"login": MOBILE, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == VERIFY_URL
    assert client.get(reverse("members:inbox")).status_code == 302  # not signed in yet
    client.post(VERIFY_URL, {"code": sms_code(MOBILE)})
    assert client.get(reverse("members:inbox")).status_code == 200


def test_logging_in_again_after_cancelling_the_code_page_returns_to_the_same_code(client, user_factory):
    """A member whose mobile is not yet verified gets the code page, taps 取消 (which signs the half-done login
    out), logs in again within the minute: the code page again, no 429, no second text; the first code works."""
    user_factory(mobile=MOBILE, mobile_verified=False, password=PASSWORD)
    client.post(LOGIN_URL, {"login": MOBILE, "password": PASSWORD})  # sends the code
    code = sms_code(MOBILE)
    for _ in range(2):
        client.post(reverse("account_logout"))  # 取消
        response = client.post(LOGIN_URL, {"login": MOBILE, "password": PASSWORD})
        assert response.status_code == 302 and response["Location"] == VERIFY_URL
        page = page_text(client.get(VERIFY_URL))
        assert "仍然有效" in page and "输入短信验证码" in page
    assert OutboundSms.objects.filter(to=MOBILE).count() == 1
    assert client.post(VERIFY_URL, {"code": code}).status_code == 302
    assert User.objects.get().mobile_verified


def test_a_flood_of_logins_that_would_send_codes_still_answers_429_in_chinese(client, user_factory):
    user_factory(mobile=MOBILE, mobile_verified=False, password=PASSWORD)
    statuses = []
    for _ in range(4):
        client.logout()
        statuses.append(client.post(LOGIN_URL, {"login": MOBILE, "password": PASSWORD}))
    assert [r.status_code for r in statuses] == [302, 302, 302, 429]  # the code, two returns to it, then a flood
    assert "操作过于频繁" in page_text(statuses[-1])
    assert OutboundSms.objects.filter(to=MOBILE).count() == 1


def test_once_the_code_has_expired_logging_in_sends_a_new_one(client, user_factory, later):
    user_factory(mobile=MOBILE, mobile_verified=False, password=PASSWORD)
    client.post(LOGIN_URL, {"login": MOBILE, "password": PASSWORD})
    later(10 * 60 + 1)
    client.logout()
    response = client.post(LOGIN_URL, {"login": MOBILE, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == VERIFY_URL
    assert OutboundSms.objects.filter(to=MOBILE).count() == 2
    assert client.post(VERIFY_URL, {"code": sms_code(MOBILE)}).status_code == 302
    assert User.objects.get().mobile_verified


def test_another_persons_login_never_returns_to_someone_elses_code(client, user_factory):
    user_factory(mobile=MOBILE, mobile_verified=False, password=PASSWORD)
    user_factory(mobile="13700001111", mobile_verified=False, password=PASSWORD)
    client.post(LOGIN_URL, {"login": MOBILE, "password": PASSWORD})
    client.logout()
    client.post(LOGIN_URL, {"login": "13700001111", "password": PASSWORD})  # its own code, by its own text
    assert OutboundSms.objects.filter(to="13700001111").count() == 1
    assert client.post(VERIFY_URL, {"code": sms_code("13700001111")}).status_code == 302
    assert User.objects.get(mobile="13700001111").mobile_verified
    assert not User.objects.get(mobile=MOBILE).mobile_verified


# --- Login ---------------------------------------------------------------------------------------------------


def test_login_page_is_in_chinese(client, db):
    text = page_text(client.get(LOGIN_URL))
    for label in ["手机号码或电子邮箱", "密码", "忘记密码"]:
        assert label in text


def test_wrong_password_is_refused_with_a_clear_message(client, member):
    response = client.post(LOGIN_URL, {"login": member.mobile, "password": "wrong-password"})
    assert response.status_code == 200
    assert "手机号码或密码不正确" in page_text(response)
    response = client.post(LOGIN_URL, {"login": member.email, "password": "wrong-password"})
    assert "电子邮箱或密码不正确" in page_text(response)
    response = client.post(LOGIN_URL, {"login": "zhangsan", "password": "wrong-password"})
    assert "请输入注册时使用的手机号码或电子邮箱" in page_text(response)


def test_five_wrong_passwords_lock_that_account_for_a_while_but_not_others(client, member, user_factory, later):
    other = user_factory(mobile="13700001111", password=PASSWORD)
    for _ in range(5):
        client.post(LOGIN_URL, {"login": member.mobile, "password": "wrong-password"})
    response = client.post(LOGIN_URL, {"login": member.mobile, "password": PASSWORD})
    assert response.status_code == 200
    assert "尝试次数过多" in page_text(response)
    assert client.post(LOGIN_URL, {"login": other.mobile, "password": PASSWORD}).status_code == 302

    client.logout()
    later(5 * 60 + 1)
    assert client.post(LOGIN_URL, {"login": member.mobile, "password": PASSWORD}).status_code == 302


# --- Password reset ----------------------------------------------------------------------------------------------


def test_password_reset_by_mobile_sends_the_code_by_sms(client, member):
    response = client.post(RESET_URL, {"email": "139 1234 5678"})
    assert response.status_code == 302 and response["Location"] == RESET_CODE_URL
    sms = OutboundSms.objects.get(to=member.mobile)
    assert "重设密码" in sms.body
    assert not mail.outbox

    assert "13912345678" in page_text(client.get(RESET_CODE_URL))
    response = client.post(RESET_CODE_URL, {"code": sms_code(member.mobile)})
    assert response.status_code == 302 and response["Location"] == RESET_COMPLETE_URL
    new_password = "Another-2026-secret"
    response = client.post(RESET_COMPLETE_URL, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password(new_password)
    assert new_password not in sms.body
    assert AuditLogEntry.objects.filter(action="account.password_reset", target_id=str(member.pk)).exists()
    assert client.post(LOGIN_URL, {"login": member.mobile, "password": new_password}).status_code == 302


def test_password_reset_by_email_sends_the_code_by_email(client, member):
    response = client.post(RESET_URL, {"email": "LiSi@example.com"})
    assert response.status_code == 302 and response["Location"] == RESET_CODE_URL
    assert not OutboundSms.objects.exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["lisi@example.com"]
    code = re.search(r"\b(\d{6})\b", mail.outbox[0].body).group(1)
    assert client.post(RESET_CODE_URL, {"code": code}).status_code == 302
    client.post(RESET_COMPLETE_URL, {"password1": "Another-2026-secret", "password2": "Another-2026-secret"})
    member.refresh_from_db()
    assert member.check_password("Another-2026-secret")


def test_password_reset_for_an_unknown_or_invalid_mobile_says_so(client, member):
    response = client.post(RESET_URL, {"email": "13700001111"})
    assert response.status_code == 200 and "没有使用该手机号码的账户" in page_text(response)
    response = client.post(RESET_URL, {"email": "1234"})
    assert "请输入 11 位中国大陆手机号码" in page_text(response)
    response = client.post(RESET_URL, {"email": "nobody@"})
    assert "请输入有效的电子邮箱地址" in page_text(response)
    assert not OutboundSms.objects.exists()


def test_password_reset_wrong_codes_end_the_attempt(client, member):
    client.post(RESET_URL, {"email": member.mobile})
    code = sms_code(member.mobile)
    wrong = "000000" if code != "000000" else "111111"
    assert "验证码不正确" in page_text(client.post(RESET_CODE_URL, {"code": wrong}))
    client.post(RESET_CODE_URL, {"code": wrong})
    response = client.post(RESET_CODE_URL, {"code": wrong}, follow=True)
    assert "尝试次数过多" in page_text(response)
    assert client.post(RESET_CODE_URL, {"code": code}).status_code == 302
    assert client.get(RESET_COMPLETE_URL)["Location"].startswith(RESET_URL)  # must start over
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_asking_again_for_a_reset_within_the_minute_returns_to_the_same_code(client, member):
    """The member asks for a reset code, goes back to 忘记密码 (or taps 没有收到？重新申请) and asks again within the
    minute: the code page again with word that the code already sent is still valid; no 429, no second text; the
    first code sets the new password."""
    response = client.post(RESET_URL, {"email": member.mobile})
    assert response.status_code == 302 and response["Location"] == RESET_CODE_URL
    code = sms_code(member.mobile)
    for typed in ("13912345678", "139 1234 5678"):
        assert client.get(RESET_URL).status_code == 200  # back
        response = client.post(RESET_URL, {"email": typed})
        assert response.status_code == 302 and response["Location"] == RESET_CODE_URL
        page = page_text(client.get(RESET_CODE_URL))
        assert "仍然有效" in page and "13912345678" in page
    assert OutboundSms.objects.filter(to=member.mobile).count() == 1

    assert client.post(RESET_CODE_URL, {"code": code})["Location"] == RESET_COMPLETE_URL
    client.post(RESET_COMPLETE_URL, {"password1": "Another-2026-secret", "password2": "Another-2026-secret"})
    member.refresh_from_db()
    assert member.check_password("Another-2026-secret")


def test_a_member_reading_in_english_is_told_in_english_that_the_code_is_still_valid(client, member):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.post(RESET_URL, {"email": member.mobile})
    client.post(RESET_URL, {"email": member.mobile})
    assert "was already sent to 13912345678 and is still valid" in page_text(client.get(RESET_CODE_URL))


def test_a_visitor_asking_a_reset_for_the_members_number_is_never_shown_the_members_code_step(client, member):
    """Someone else (another browser) asks for the member's number within the minute: allauth's limit answers,
    as before; only the browser that asked returns to its code."""
    client.post(RESET_URL, {"email": member.mobile})
    visitor = Client()
    response = visitor.post(RESET_URL, {"email": member.mobile})
    assert response.status_code == 429 and "操作过于频繁" in page_text(response)
    assert visitor.get(RESET_CODE_URL)["Location"] == LOGIN_URL  # no code step in the visitor's browser
    assert OutboundSms.objects.filter(to=member.mobile).count() == 1
    assert client.post(RESET_CODE_URL, {"code": sms_code(member.mobile)})["Location"] == RESET_COMPLETE_URL


def test_a_member_who_entered_the_code_and_went_back_returns_to_the_new_password_step(client, member):
    client.post(RESET_URL, {"email": member.mobile})
    client.post(RESET_CODE_URL, {"code": sms_code(member.mobile)})
    client.get(RESET_URL)  # back
    assert client.post(RESET_URL, {"email": member.mobile})["Location"] == RESET_CODE_URL
    assert client.get(RESET_CODE_URL)["Location"] == RESET_COMPLETE_URL
    client.post(RESET_COMPLETE_URL, {"password1": "Another-2026-secret", "password2": "Another-2026-secret"})
    member.refresh_from_db()
    assert member.check_password("Another-2026-secret")
    assert OutboundSms.objects.filter(to=member.mobile).count() == 1


def test_asking_again_gives_no_more_tries_at_the_code(client, member):
    """Two wrong codes, back, ask again: one try left, as before; after the third wrong code, asking again within
    the minute is allauth's 429, not three more tries."""
    client.post(RESET_URL, {"email": member.mobile})
    code = sms_code(member.mobile)
    wrong = "000000" if code != "000000" else "111111"
    client.post(RESET_CODE_URL, {"code": wrong})
    client.post(RESET_CODE_URL, {"code": wrong})
    assert client.post(RESET_URL, {"email": member.mobile})["Location"] == RESET_CODE_URL
    assert "尝试次数过多" in page_text(client.post(RESET_CODE_URL, {"code": wrong}, follow=True))
    assert client.post(RESET_URL, {"email": member.mobile}).status_code == 429
    assert client.post(RESET_CODE_URL, {"code": code})["Location"] == LOGIN_URL
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_a_flood_of_reset_requests_for_one_number_still_answers_429_in_chinese(client, member):
    responses = [client.post(RESET_URL, {"email": member.mobile}) for _ in range(4)]
    assert [r.status_code for r in responses] == [302, 302, 302, 429]  # the code, two returns to it, then a flood
    assert "操作过于频繁" in page_text(responses[-1])
    assert OutboundSms.objects.filter(to=member.mobile).count() == 1


def test_asking_again_after_the_minute_sends_a_new_code(client, member, later):
    """After the minute a member who asks again may not have got the first text: a new one goes, as before."""
    client.post(RESET_URL, {"email": member.mobile})
    first = sms_code(member.mobile)
    later(61)
    assert client.post(RESET_URL, {"email": member.mobile})["Location"] == RESET_CODE_URL
    assert "仍然有效" not in page_text(client.get(RESET_CODE_URL))
    assert OutboundSms.objects.filter(to=member.mobile).count() == 2
    second = sms_code(member.mobile)
    if first != second:
        assert "验证码不正确" in page_text(client.post(RESET_CODE_URL, {"code": first}))
    assert client.post(RESET_CODE_URL, {"code": second})["Location"] == RESET_COMPLETE_URL


def test_an_expired_reset_code_is_never_returned_to(client, member, later):
    client.post(RESET_URL, {"email": member.mobile})
    later(10 * 60 + 1)
    assert client.post(RESET_URL, {"email": member.mobile})["Location"] == RESET_CODE_URL
    assert OutboundSms.objects.filter(to=member.mobile).count() == 2  # a new code, under allauth's limits again
    assert client.post(RESET_CODE_URL, {"code": sms_code(member.mobile)})["Location"] == RESET_COMPLETE_URL


def test_a_reset_code_that_set_a_new_password_is_never_returned_to(client, member):
    client.post(RESET_URL, {"email": member.mobile})
    code = sms_code(member.mobile)
    client.post(RESET_CODE_URL, {"code": code})
    client.post(RESET_COMPLETE_URL, {"password1": "Another-2026-secret", "password2": "Another-2026-secret"})
    client.logout()
    response = client.post(RESET_URL, {"email": member.mobile})
    assert response.status_code == 429  # within the minute: allauth's limit, no way back to the spent code
    assert client.get(RESET_CODE_URL)["Location"] == LOGIN_URL
    assert OutboundSms.objects.filter(to=member.mobile).count() == 1


def test_asking_a_reset_for_another_number_never_returns_to_the_first_numbers_code(client, member, user_factory):
    """The member mistyped (or asks for another member's number) within the minute: that number gets its own
    code by its own text, and the first number's code does not open its reset."""
    other = user_factory(mobile="13700001111", password=PASSWORD)
    client.post(RESET_URL, {"email": member.mobile})
    members_code = sms_code(member.mobile)
    assert client.post(RESET_URL, {"email": other.mobile})["Location"] == RESET_CODE_URL
    assert "仍然有效" not in page_text(client.get(RESET_CODE_URL))
    assert OutboundSms.objects.filter(to=other.mobile).count() == 1
    others_code = sms_code(other.mobile)
    if members_code != others_code:
        assert "验证码不正确" in page_text(client.post(RESET_CODE_URL, {"code": members_code}))
    assert client.post(RESET_CODE_URL, {"code": others_code})["Location"] == RESET_COMPLETE_URL
    client.post(RESET_COMPLETE_URL, {"password1": "Another-2026-secret", "password2": "Another-2026-secret"})
    other.refresh_from_db()
    member.refresh_from_db()
    assert other.check_password("Another-2026-secret") and member.check_password(PASSWORD)


def test_password_reset_by_sms_lifts_the_failed_login_lock(client, member):
    for _ in range(5):
        client.post(LOGIN_URL, {"login": member.mobile, "password": "wrong-password"})
    client.post(RESET_URL, {"email": member.mobile})
    client.post(RESET_CODE_URL, {"code": sms_code(member.mobile)})
    client.post(RESET_COMPLETE_URL, {"password1": "Another-2026-secret", "password2": "Another-2026-secret"})
    assert client.post(LOGIN_URL, {"login": member.mobile, "password": "Another-2026-secret"}).status_code == 302


# --- Secrets stay out of messages and logs -----------------------------------------------------------------


def test_no_password_in_any_sms_log_line_or_printed_output(client, db, caplog, capsys, settings):
    settings.SMS_BACKEND = "members.notifications.sms.ConsoleSmsBackend"
    settings.DEBUG = True  # as under `make run`: the whole text goes to the development inbox
    caplog.set_level("DEBUG")
    signup(client)
    printed = capsys.readouterr().out
    assert f"[SMS to {MOBILE[:3]}****{MOBILE[-4:]}]" in printed  # the console prints the SMS masked
    code = re.search(r"\b(\d{6})\b", OutboundSms.objects.get(to=MOBILE).body).group(1)
    assert code not in printed and MOBILE not in printed
    client.post(VERIFY_URL, {"code": code})
    client.logout()
    client.post(LOGIN_URL, {"login": MOBILE, "password": PASSWORD + "-wrong"})
    client.post(RESET_URL, {"email": MOBILE})
    printed += capsys.readouterr().out
    for secret in (PASSWORD, PASSWORD + "-wrong"):
        assert secret not in printed
        assert secret not in caplog.text
    assert User.objects.get().mobile_verified


# --- Demo data -----------------------------------------------------------------------------------------------


def test_seed_demo_twice_gives_verified_demo_accounts_that_log_in(client, db):
    from django.core.management import call_command

    from members.demo import DEMO_PASSWORD

    call_command("seed_demo", stdout=None)
    users_after_first_run = User.objects.count()
    call_command("seed_demo", stdout=None)
    assert User.objects.count() == users_after_first_run  # the second run creates nobody
    demo_users = User.objects.filter(mobile__in=["13900000000", "13900000001", "13900000002"])
    assert demo_users.count() == 3
    assert all(user.mobile_verified for user in demo_users)
    assert client.post(LOGIN_URL, {"login": "13900000002", "password": DEMO_PASSWORD}).status_code == 302
    assert not OutboundSms.objects.exists()  # no SMS code asked of a demo account


# --- Changing the mobile number -------------------------------------------------------------------------------


def test_a_member_changes_the_mobile_number_only_after_verifying_the_new_one(client, member):
    client.post(LOGIN_URL, {"login": member.mobile, "password": PASSWORD})
    change_url = reverse("account_change_phone")
    assert "更换手机号码" in page_text(client.get(change_url))
    response = client.post(change_url, {"phone": "137 0000 2222"})
    assert response.status_code == 302 and response["Location"] == VERIFY_URL
    member.refresh_from_db()
    assert member.mobile == "13912345678"  # not replaced before the new number is verified

    response = client.post(VERIFY_URL, {"code": sms_code("13700002222")})
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.mobile, member.mobile_verified) == ("13700002222", True)
    assert AuditLogEntry.objects.filter(action="account.mobile_changed", data={"from": "139****5678"}).exists()
    client.logout()
    assert client.post(LOGIN_URL, {"login": "13700002222", "password": PASSWORD}).status_code == 302


def test_a_member_cannot_change_to_a_number_someone_else_uses(client, member, user_factory):
    other = user_factory(mobile="13700003333")
    client.post(LOGIN_URL, {"login": member.mobile, "password": PASSWORD})
    response = client.post(reverse("account_change_phone"), {"phone": other.mobile})
    assert response.status_code == 200
    assert "该手机号码已注册" in page_text(response)
    assert not OutboundSms.objects.filter(to=other.mobile).exists()


@pytest.mark.parametrize(
    "name",
    ["account_email", "account_change_password", "account_change_phone", "mfa_index", "account_logout"],
)
def test_account_pages_render_inside_the_portal_layout(client, member, name):
    client.post(LOGIN_URL, {"login": member.mobile, "password": PASSWORD})
    response = client.get(reverse(name))
    assert response.status_code == 200
    text = page_text(response)
    assert '<main id="main"' in text and "工会服务门户" in text


def test_a_member_without_email_adds_one_and_it_counts_once_verified(client, user_factory):
    member = user_factory(mobile="13700004444", password=PASSWORD)
    client.post(LOGIN_URL, {"login": member.mobile, "password": PASSWORD})
    response = client.post(reverse("account_email"), {"action_add": "", "email": "Wu@Example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["wu@example.com"]
    link = re.search(r"http://testserver(/accounts/confirm-email/[^\s]+)", mail.outbox[0].body).group(1)
    client.post(link)
    member.refresh_from_db()
    assert member.email == "wu@example.com"
    client.logout()
    assert client.post(LOGIN_URL, {"login": "wu@example.com", "password": PASSWORD}).status_code == 302


def test_two_signups_racing_for_one_number_leave_one_account_and_a_clear_message(client, member, monkeypatch):
    from members.accounts.adapters import AccountAdapter

    # The race: the other sign-up commits between this form's "is the number free?" check and its save.
    monkeypatch.setattr(AccountAdapter, "get_user_by_phone", lambda self, phone: None)
    response = signup(client, phone=member.mobile, email="zhang@example.com")
    assert response.status_code == 302 and response["Location"] == SIGNUP_URL
    assert "刚刚已被注册" in page_text(client.get(SIGNUP_URL))
    assert User.objects.count() == 1
    assert not OutboundSms.objects.exists()


def test_a_mistyped_number_is_corrected_on_the_code_page_while_signing_up(client, db, user_factory):
    taken = user_factory(mobile="13700005555")
    signup(client, phone="13700009999")
    assert "换一个手机号码" in page_text(client.get(VERIFY_URL))
    response = client.post(VERIFY_URL, {"action": "change", "phone": taken.mobile})
    assert "该手机号码已注册" in page_text(response)
    response = client.post(VERIFY_URL, {"action": "change", "phone": MOBILE})
    assert response.status_code == 302 and response["Location"] == VERIFY_URL
    assert not OutboundSms.objects.filter(to=taken.mobile).exists()
    client.post(VERIFY_URL, {"code": sms_code(MOBILE)})
    user = User.objects.get(name="张三")
    assert (user.mobile, user.mobile_verified) == (MOBILE, True)


# --- Behind a reverse proxy ------------------------------------------------------------------------------------


@pytest.fixture
def behind_one_proxy(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    return settings


def _from(address: str, forged: str = "") -> dict:
    """What the reverse proxy (REMOTE_ADDR 10.0.0.1) passes on for a client at `address`."""
    return {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": f"{forged + ', ' if forged else ''}{address}"}


def test_behind_the_proxy_failed_logins_on_many_accounts_lock_no_one_else(client, user_factory, behind_one_proxy):
    """An attacker at one address tries wrong passwords on twelve accounts: that address is limited, the member at
    another address (same proxy) signs in."""
    victims = [user_factory(mobile=f"1370000{n:04d}", password=PASSWORD) for n in range(12)]
    for victim in victims:
        client.post(LOGIN_URL, {"login": victim.mobile, "password": "wrong"}, **_from("203.0.113.9"))
    member = user_factory(mobile="13912340000", password=PASSWORD)
    other = Client()
    response = other.post(LOGIN_URL, {"login": member.mobile, "password": PASSWORD}, **_from("198.51.100.7"))
    assert response.status_code == 302
    blocked = client.post(LOGIN_URL, {"login": member.mobile, "password": PASSWORD}, **_from("203.0.113.9"))
    assert (blocked.status_code in (200, 429) and "尝试次数过多" in page_text(blocked)) or blocked.status_code == 429


def test_a_forged_forwarded_for_does_not_move_the_attacker_to_a_fresh_address(client, user_factory, behind_one_proxy):
    """Forged entries left of the proxy's own are ignored: the attacker stays limited at their real address."""
    victims = [user_factory(mobile=f"1360000{n:04d}", password=PASSWORD) for n in range(11)]
    for n, victim in enumerate(victims):
        client.post(LOGIN_URL, {"login": victim.mobile, "password": "wrong"}, **_from("203.0.113.9", f"192.0.2.{n}"))
    member = user_factory(mobile="13912340001", password=PASSWORD)
    response = client.post(LOGIN_URL, {"login": member.mobile, "password": PASSWORD},
                           **_from("203.0.113.9", "192.0.2.200"))
    assert response.status_code != 302


def test_without_a_trusted_proxy_a_forwarded_for_header_is_ignored(rf, settings):
    from members.http import client_ip

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert client_ip(request) == "203.0.113.9"
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "192.0.2.1"
