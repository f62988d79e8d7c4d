"""No one can make the portal send SMS without limit: per number, per client address and in all, on every route that
sends a code (sign-up and reset by allauth, a visitor's verification). Personas: a visitor, a member asking a reset
code again, an attacker flooding one number, an attacker spraying many numbers from one address, a botnet (many
addresses and numbers)."""

import pytest
from django.test import Client
from django.urls import reverse

from members.models import SmsMessage
from members.notifications.sms_limits import sms_send_allowed

VERIFY = reverse("culture:verify-mobile")
RESET = reverse("account_reset_password")


@pytest.fixture
def limits(settings):
    settings.SMS_RATE_LIMIT_PER_NUMBER = "3/h"
    settings.SMS_RATE_LIMIT_PER_CLIENT = "5/h"
    settings.SMS_RATE_LIMIT_GLOBAL = "8/h"
    return settings


def _ask_code(client, mobile, address="203.0.113.9"):
    return client.post(VERIFY, {"step": "send", "send-mobile": mobile}, REMOTE_ADDR=address)


def test_the_counter_allows_up_to_each_limit(limits, db):
    assert [sms_send_allowed(mobile="13800000001", client_ip="1.1.1.1", now=0) for _ in range(4)] == [
        True, True, True, False]
    assert sms_send_allowed(mobile="13800000001", client_ip="1.1.1.1", now=3600)  # the next hour


def test_a_flood_of_codes_to_one_number_is_stopped_with_429(client, limits, db, later_minutes):
    """The visitor's own number gets at most three codes an hour, however the minute-limit is waited out."""
    statuses = []
    for minute in range(5):
        later_minutes(minute * 2)
        statuses.append(_ask_code(client, "13812345678").status_code)
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
    assert SmsMessage.objects.filter(to="13812345678").count() == 3
    assert "短信发送太频繁" in _ask_code(client, "13812345678").content.decode()


def test_many_numbers_from_one_address_are_stopped(client, limits, db):
    statuses = [_ask_code(client, f"1381234{n:04d}").status_code for n in range(7)]
    assert statuses.count(200) == 5 and statuses[5:] == [429, 429]
    assert SmsMessage.objects.count() == 5


def test_the_global_ceiling_stops_a_botnet(limits, db):
    """Every request from a new address to a new number: the portal-wide ceiling still holds."""
    statuses = [_ask_code(Client(), f"1391234{n:04d}", address=f"198.51.100.{n}").status_code for n in range(10)]
    assert statuses.count(200) == 8 and statuses[8:] == [429, 429]


def test_reset_codes_by_sms_share_the_ceiling(client, limits, user_factory, db, commits_each_request):
    """allauth's own flows (here a password reset by mobile number) go through the same limit."""
    numbers = [user_factory(mobile=f"1371234{n:04d}").mobile for n in range(7)]
    statuses = [client.post(RESET, {"email": number}, REMOTE_ADDR="203.0.113.9").status_code for number in numbers]
    assert 429 in statuses
    assert SmsMessage.objects.count() == 5


def test_returning_to_a_reset_code_sends_nothing_and_spends_no_ceiling(client, limits, user_factory, db,
                                                                      commits_each_request):
    """A member asking again within the minute returns to the code (no text); the client's ceiling is still whole
    for other numbers, and still stops the sixth."""
    member = user_factory(mobile="13712340000")
    statuses = [client.post(RESET, {"email": member.mobile}, REMOTE_ADDR="203.0.113.9").status_code for _ in range(3)]
    assert statuses == [302, 302, 302] and SmsMessage.objects.count() == 1
    numbers = [user_factory(mobile=f"1371234{n:04d}").mobile for n in range(1, 6)]
    statuses = [client.post(RESET, {"email": number}, REMOTE_ADDR="203.0.113.9").status_code for number in numbers]
    assert statuses == [302, 302, 302, 302, 429]
    assert SmsMessage.objects.count() == 5


def test_reset_requests_after_each_code_expired_still_meet_the_number_ceiling(client, limits, user_factory, db,
                                                                             commits_each_request, later_minutes):
    """Someone asking a reset for one number every eleven minutes (each code expired, nothing to return to): a new
    text each time, until the number's ceiling (three an hour here) answers 429."""
    member = user_factory(mobile="13712340000")
    responses = []
    for minute in (0, 11, 22, 33):
        later_minutes(minute)
        responses.append(client.post(RESET, {"email": member.mobile}, REMOTE_ADDR="203.0.113.9"))
    assert [r.status_code for r in responses] == [302, 302, 302, 429]
    assert "操作过于频繁" in responses[-1].content.decode()
    assert SmsMessage.objects.filter(to=member.mobile).count() == 3


@pytest.fixture
def later_minutes(monkeypatch):
    """Moves the clocks the minute-limit (timezone.now) and the SMS counter (time.time) read."""
    import time

    from django.utils import timezone

    # Start at the beginning of the counter's hour window: a test run at hh:55 must not see its window reset midway.
    into_the_hour = time.time() % 3600 - 1
    start_time = time.time() - into_the_hour
    start_now = timezone.now() - __import__("datetime").timedelta(seconds=into_the_hour)

    def move(minutes: float):
        monkeypatch.setattr(time, "time", lambda: start_time + minutes * 60)
        monkeypatch.setattr(timezone, "now", lambda: start_now + __import__("datetime").timedelta(minutes=minutes))

    return move


def test_the_console_backend_never_prints_a_code_or_a_whole_number(capsys, settings, db):
    from members.models import OutboundSms
    from members.notifications.sms import ConsoleSmsBackend

    settings.DEBUG = False
    ConsoleSmsBackend().send(to="13812345678", body="【工会服务门户】您的验证码是 482913，10 分钟内有效。")
    printed = capsys.readouterr().out
    assert "482913" not in printed and "4*****" in printed
    assert "13812345678" not in printed and "138****5678" in printed
    assert not OutboundSms.objects.exists()  # outside development nothing keeps the text
    settings.DEBUG = True
    ConsoleSmsBackend().send(to="13812345678", body="验证码 482913")
    assert OutboundSms.objects.get().body == "验证码 482913"  # the developer's inbox (superusers only)


def test_only_superusers_read_the_development_inbox(client, admin_client, org_tree, staff_of):
    assert admin_client.get(reverse("admin:members_outboundsms_changelist")).status_code == 200
    client.force_login(staff_of(org_tree.city))
    assert client.get(reverse("admin:members_outboundsms_changelist")).status_code == 403
