"""Tencent Cloud SMS against a stand-in of its API on 127.0.0.1 that checks every request's signature. Personas:
a member getting a notification, someone signing up (a code), a number Tencent refuses, a wrong secret."""

import pytest

from members.notifications.sms import SmsError
from members.notifications.sms_tencent import TencentSmsBackend, template_for
from tests.members.tencent_sms_standin import TencentSmsStandIn, serve


@pytest.fixture(scope="module")
def stand_in():
    fake = TencentSmsStandIn()
    server, url = serve(fake)
    fake.url = url
    yield fake
    server.shutdown()


@pytest.fixture
def tencent(settings, stand_in):
    settings.SMS_BACKEND = "members.notifications.sms_tencent.TencentSmsBackend"
    settings.SMS_TENCENT_SECRET_ID, settings.SMS_TENCENT_SECRET_KEY = stand_in.secret_id, stand_in.secret_key
    settings.SMS_TENCENT_APP_ID, settings.SMS_TENCENT_SIGN_NAME = stand_in.app_id, "工会服务门户"
    settings.SMS_TENCENT_TEMPLATE_CODE, settings.SMS_TENCENT_TEMPLATE_NOTICE = "100001", "100002"
    settings.SMS_TENCENT_ENDPOINT = stand_in.url
    stand_in.sent.clear()
    return stand_in


def test_a_code_goes_by_the_code_template_with_its_parameters(tencent):
    body = "【工会服务门户】您的验证码 482913，10 分钟内有效，用于验证手机号码。"
    TencentSmsBackend().send(to="13812345678", body=body)
    assert tencent.sent == [("+8613812345678", "100001", ["482913", "10"])]


def test_a_notification_goes_by_the_notice_template_without_the_bracketed_name(tencent):
    TencentSmsBackend().send(to="13812345678", body="【工会服务门户】您的补助申请 C1 已核准 https://portal.example.org/c/1/")
    assert tencent.sent == [("+8613812345678", "100002", ["您的补助申请 C1 已核准 https://portal.example.org/c/1/"])]


def test_a_refused_number_or_a_wrong_secret_is_a_failure_to_retry(tencent, settings):
    tencent.refused.add("+8613800000000")
    with pytest.raises(SmsError, match="IncorrectPhoneNumber"):
        TencentSmsBackend().send(to="13800000000", body="【工会服务门户】通知")
    settings.SMS_TENCENT_SECRET_KEY = "not-the-secret"
    before = tencent.bad_signatures
    with pytest.raises(SmsError, match="SignatureFailure"):
        TencentSmsBackend().send(to="13812345678", body="【工会服务门户】通知")
    assert tencent.bad_signatures == before + 1


def test_tencent_not_answering_is_a_failure_within_the_timeout(tencent, settings):
    import time

    settings.SMS_TENCENT_ENDPOINT = "http://127.0.0.1:1"
    started = time.monotonic()
    with pytest.raises(SmsError):
        TencentSmsBackend().send(to="13812345678", body="通知")
    assert time.monotonic() - started < settings.SMS_TENCENT_TIMEOUT_SECONDS + 2


@pytest.mark.django_db(transaction=True)
def test_a_notification_is_delivered_through_tencent(tencent, user_factory):
    from members.models import NotificationDelivery
    from members.notifications.services import notification_send

    member = user_factory(notify_by_sms=True)
    notification_send(user=member, kind="test", title="您的申请已受理", url="/benefits/claims/1/")
    assert NotificationDelivery.objects.get(channel="sms").status == "sent"
    assert tencent.sent[-1][0] == f"+86{member.mobile}" and tencent.sent[-1][1] == "100002"


def test_template_choice_reads_codes_in_any_of_the_portals_texts():
    assert template_for("【工会服务门户】您的文化宫预约验证码是 123456，5 分钟内有效。")[1] == ["123456", "5"]
