"""WeChat Pay (API v3) against a stand-in of its HTTP API on 127.0.0.1 with keys generated for the test session:
request signatures are really checked by the stand-in, answers and notifications by the SDK. Personas: the member
who pays (owner), another member, anonymous; WeChat's server posting notifications; an attacker forging one."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from benefits import services, wechatpay
from benefits.models import Enrolment, Payment
from tests.benefits.wechatpay_standin import WeChatPayStandIn, serve

NOTIFY = "benefits:wechatpay-notify"


@pytest.fixture(scope="module")
def stand_in():
    fake = WeChatPayStandIn()
    server, base_url = serve(fake)
    fake.base_url = base_url
    yield fake
    server.shutdown()


@pytest.fixture
def wechat(settings, stand_in):
    for name, value in stand_in.settings(stand_in.base_url).items():
        setattr(settings, name, value)
    settings.BENEFITS_SANDBOX_PAYMENTS = False  # as in production
    wechatpay._client.cache_clear()
    stand_in.orders.clear()
    stand_in.requests.clear()
    yield stand_in
    wechatpay._client.cache_clear()


@pytest.fixture
def enrolment(plan, people):
    return services.enrolment_create(actor=None, plan_id=plan.pk, tier_id=plan.tiers.get(code="basic").pk,
                                     member=people.owner)


def _pay(client, enrolment):
    return client.post(reverse("benefits:enrolment-pay", args=[enrolment.pk]), {"amount": str(enrolment.member_part)})


def test_the_member_is_sent_to_wechat_and_the_notification_activates_cover_once(client, wechat, enrolment, people):
    client.force_login(people.owner.user)
    response = _pay(client, enrolment)
    payment = Payment.objects.get()
    assert response.status_code == 302 and response["Location"].startswith("https://wx.tenpay.com/")
    assert payment.provider == "wechatpay" and payment.status == "pending"
    order = wechat.orders[payment.number]
    assert order["amount"] == {"total": int(enrolment.member_part * 100), "currency": "CNY"}
    assert order["notify_url"].endswith(reverse(NOTIFY)) and all(ok for _m, _p, ok in wechat.requests)
    meta, body = wechat.notification(payment.number)
    first = client.post(reverse(NOTIFY), body, content_type="application/json", **meta)
    replay = client.post(reverse(NOTIFY), body, content_type="application/json", **meta)
    assert first.status_code == 200 and first.json()["code"] == "SUCCESS"
    assert replay.status_code == 200  # WeChat is told "received"; nothing is recorded twice
    payment.refresh_from_db()
    enrolment.refresh_from_db()
    assert payment.status == "paid" and payment.provider_reference.startswith("4200")
    assert enrolment.status == Enrolment.Status.ACTIVE
    from core.models import AuditLogEntry

    assert AuditLogEntry.objects.filter(action="benefits.payment.confirmed").count() == 1


def test_a_forged_notification_is_refused_and_changes_nothing(client, wechat, enrolment, people):
    """An attacker signs with a key of their own (or alters the body): 400, the cover is not activated."""
    client.force_login(people.owner.user)
    _pay(client, enrolment)
    payment = Payment.objects.get()
    meta, body = wechat.notification(payment.number)
    tampered = body.replace(b'"summary": "\\u652f\\u4ed8\\u6210\\u529f"', b'"summary": "x"')
    forged = WeChatPayStandIn(mchid=wechat.mchid, apiv3_key=wechat.apiv3_key, public_key_id=wechat.public_key_id)
    forged.orders = wechat.orders
    forged_meta, forged_body = forged.notification(payment.number)
    for headers, content in ((meta, tampered), (forged_meta, forged_body), ({}, body)):
        response = client.post(reverse(NOTIFY), content, content_type="application/json", **headers)
        assert response.status_code == 400 and response.json()["code"] == "FAIL"
    payment.refresh_from_db()
    assert payment.status == "pending"


@pytest.mark.parametrize("change", [{"total": 1}, {"mchid": "1234567890"}, {"state": "NOTPAY"}])
def test_a_notification_with_a_wrong_amount_another_merchant_or_no_payment_is_refused(client, wechat, enrolment,
                                                                                      people, change):
    client.force_login(people.owner.user)
    _pay(client, enrolment)
    payment = Payment.objects.get()
    meta, body = wechat.notification(payment.number, **change)
    response = client.post(reverse(NOTIFY), body, content_type="application/json", **meta)
    assert response.status_code == 400
    payment.refresh_from_db()
    assert payment.status == "pending"


def test_a_lost_notification_is_settled_by_the_reconciliation(client, wechat, enrolment, people):
    client.force_login(people.owner.user)
    _pay(client, enrolment)
    payment = Payment.objects.get()
    wechat.orders[payment.number]["state"] = "SUCCESS"  # paid at WeChat; the notification never arrived
    later = timezone.now() + timedelta(minutes=5)
    assert wechatpay.wechatpay_payments_reconcile(now=later)["paid"] == 1
    payment.refresh_from_db()
    assert payment.status == "paid"
    assert wechatpay.wechatpay_payments_reconcile(now=later) == {"paid": 0, "closed": 0, "pending": 0}


def test_an_unpaid_order_is_closed_once_it_expires(client, wechat, enrolment, people, settings):
    client.force_login(people.owner.user)
    _pay(client, enrolment)
    payment = Payment.objects.get()
    soon = timezone.now() + timedelta(minutes=5)
    assert wechatpay.wechatpay_payments_reconcile(now=soon)["pending"] == 1
    expired = timezone.now() + timedelta(minutes=settings.WECHATPAY_ORDER_MINUTES + 1)
    assert wechatpay.wechatpay_payments_reconcile(now=expired)["closed"] == 1
    payment.refresh_from_db()
    assert payment.status == "cancelled" and wechat.orders[payment.number]["state"] == "CLOSED"
    # the member can pay again: a new order
    _pay(client, enrolment)
    assert Payment.objects.filter(status="pending").count() == 1


def test_wechat_refusing_the_order_shows_the_member_a_message(client, wechat, enrolment, people):
    wechat.refuse_next = 1
    client.force_login(people.owner.user)
    response = client.post(reverse("benefits:enrolment-pay", args=[enrolment.pk]),
                           {"amount": str(enrolment.member_part)}, follow=True)
    assert "微信支付暂时无法下单" in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.PENDING


def test_wechat_not_answering_in_time_shows_the_member_a_message(client, wechat, enrolment, people, settings):
    settings.WECHATPAY_API_BASE_URL = "http://127.0.0.1:1"  # nothing listens
    wechatpay._client.cache_clear()
    client.force_login(people.owner.user)
    response = _pay(client, enrolment)
    assert response.status_code == 302 and response["Location"] == reverse("benefits:enrolment", args=[enrolment.pk])


def test_another_member_cannot_pay_someone_elses_enrolment_and_anonymous_is_sent_to_sign_in(
    client, wechat, enrolment, people, member_factory, org_tree
):
    client.force_login(member_factory(branch=org_tree.base_a1).user)
    assert _pay(client, enrolment).status_code == 404
    client.logout()
    assert _pay(client, enrolment).status_code == 302
    assert not Payment.objects.exists() and not wechat.orders


# --- the sandbox only where a setting turns it on --------------------------------------------------------------

def test_with_the_sandbox_off_its_routes_answer_404(client, settings, enrolment, people):
    settings.BENEFITS_SANDBOX_PAYMENTS = False
    client.force_login(people.owner.user)
    payment = services.payment_start_online(user=people.owner.user, enrolment_id=enrolment.pk,
                                            amount=enrolment.member_part)
    assert client.get(reverse("benefits:sandbox-gateway", args=[payment.token])).status_code == 404
    assert client.post(reverse("benefits:sandbox-gateway", args=[payment.token]), {"confirm": "1"}).status_code == 404
    body = json.dumps({"order": payment.number, "amount": str(payment.amount), "transaction": "T", "status": "SUCCESS"})
    assert client.post(reverse("benefits:sandbox-callback"), body, content_type="application/json").status_code == 404
    response = _pay(client, enrolment)  # neither gateway: the member is told to pay their union
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.PENDING


def test_the_deployment_check_refuses_the_sandbox(settings):
    from django.core.management.base import SystemCheckError

    settings.BENEFITS_SANDBOX_PAYMENTS = True
    with pytest.raises(SystemCheckError, match=r"benefits\.E001"):
        call_command("check", "--deploy", "--fail-level", "ERROR")
