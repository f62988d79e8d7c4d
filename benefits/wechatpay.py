"""WeChat Pay (API v3) for a member's own enrolment fee: H5 payment in the phone's browser, on the maintained SDK
`wechatpayv3` (requests signed with the merchant's private key; answers and notifications verified with the
WeChat Pay platform public key; notification resources decrypted with the APIv3 key).

- `checkout_url`: creates the H5 order (our payment number as `out_trade_no`, the amount in fen, an expiry) and
  returns WeChat's `h5_url` to send the member to.
- `handle_notification`: the signed payment notification. A bad signature, a resource that does not decrypt, another
  merchant's or app's order or a wrong amount is refused; a replay records nothing new (`payment_confirm` locks the
  payment and is idempotent).
- `reconcile`: for a pending payment whose notification never came, asks WeChat (order query): paid → recorded as
  by the notification; expired unpaid → the order is closed and the payment cancelled (beat,
  `benefits.tasks.payments_reconcile`).

Every call has a timeout (`WECHATPAY_TIMEOUT_SECONDS`). Settings and keys come from the environment (README).
"""

from __future__ import annotations

import functools
import json
import logging
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import services
from .models import Payment

logger = logging.getLogger(__name__)


def enabled() -> bool:
    return bool(settings.WECHATPAY_MCHID)


def _pem(value: str) -> str:
    """A key given as PEM text, or as the path of a PEM file."""
    if value and not value.lstrip().startswith("-----BEGIN") and not value.startswith("MII"):
        with open(value, encoding="ascii") as handle:
            return handle.read()
    return value


@functools.cache
def _client(gateway: str, mchid: str, serial: str, appid: str, public_key_id: str, timeout: float):
    from wechatpayv3 import WeChatPay, WeChatPayType

    client = WeChatPay(
        wechatpay_type=WeChatPayType.H5, mchid=mchid, private_key=_pem(settings.WECHATPAY_PRIVATE_KEY),
        cert_serial_no=serial, appid=appid, apiv3_key=settings.WECHATPAY_APIV3_KEY,
        notify_url=settings.SITE_URL.rstrip("/") + reverse("benefits:wechatpay-notify"),
        public_key=_pem(settings.WECHATPAY_PUBLIC_KEY), public_key_id=public_key_id,
        timeout=(timeout, timeout),
    )
    # The SDK has WeChat's address built in; the setting lets a test (or a network's egress proxy) point it
    # elsewhere. Set on the SDK's one attribute for it, at the one place a client is made.
    client._core._gate_way = gateway.rstrip("/")
    return client


def client():
    return _client(settings.WECHATPAY_API_BASE_URL, settings.WECHATPAY_MCHID, settings.WECHATPAY_CERT_SERIAL_NO,
                   settings.WECHATPAY_APPID, settings.WECHATPAY_PUBLIC_KEY_ID,
                   float(settings.WECHATPAY_TIMEOUT_SECONDS))


def _fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def _yuan(fen) -> Decimal:
    return (Decimal(int(fen)) / 100).quantize(Decimal("0.01"))


class WeChatPayProvider:
    code = Payment.Provider.WECHATPAY

    def expires_at(self, payment: Payment):
        return payment.created_at + timedelta(minutes=settings.WECHATPAY_ORDER_MINUTES)

    def checkout_url(self, payment: Payment, *, client_ip: str) -> str:
        """Creates the H5 order and returns WeChat's page for the member to pay on. Raises PaymentError (the member
        is told to try again) when WeChat refuses or does not answer in time."""
        try:
            code, message = client().pay(
                description=_("职工医疗互助保障缴费 %(number)s") % {"number": payment.number},
                out_trade_no=payment.number,
                amount={"total": _fen(payment.amount), "currency": "CNY"},
                time_expire=timezone.localtime(self.expires_at(payment)).isoformat(timespec="seconds"),
                scene_info={"payer_client_ip": client_ip or "127.0.0.1", "h5_info": {"type": "Wap"}},
            )
        except Exception as exc:  # a timeout, a refused connection, an answer whose signature did not verify
            logger.warning("wechatpay: order not created", extra={"payment": payment.number,
                                                                  "error": f"{type(exc).__name__}: {exc}"[:300]})
            raise services.PaymentError(_("微信支付暂时无法下单，请稍后再试。")) from exc
        if code != 200:
            logger.warning("wechatpay: order refused", extra={"payment": payment.number, "status": code})
            raise services.PaymentError(_("微信支付暂时无法下单，请稍后再试。"))
        return json.loads(message)["h5_url"]

    def _confirm(self, transaction_data: dict) -> services.ConfirmResult:
        if transaction_data.get("mchid") != settings.WECHATPAY_MCHID or (
            transaction_data.get("appid") and transaction_data.get("appid") != settings.WECHATPAY_APPID
        ):
            raise services.PaymentError(_("支付通知不属于本商户。"))
        if transaction_data.get("trade_state") != "SUCCESS":
            raise services.PaymentError(_("支付未成功。"))
        amount = transaction_data.get("amount") or {}
        return services.payment_confirm(
            provider=self.code, number=str(transaction_data.get("out_trade_no", "")),
            amount=_yuan(amount.get("total", 0)), reference=str(transaction_data.get("transaction_id", ""))[:64],
        )

    def handle_notification(self, headers, body: bytes) -> services.ConfirmResult:
        """The signed notification WeChat posts when a payment succeeds."""
        try:
            data = client().callback(headers, body)
        except Exception as exc:  # the SDK raises on an unknown signature type or algorithm
            raise services.PaymentError(_("支付通知签名无效。")) from exc
        if not data or not isinstance(data.get("resource"), dict):
            raise services.PaymentError(_("支付通知签名无效。"))
        if data.get("event_type") != "TRANSACTION.SUCCESS":
            raise services.PaymentError(_("支付未成功。"))
        return self._confirm(data["resource"])

    def reconcile(self, payment: Payment, *, now=None) -> str:
        """Settles a pending payment from WeChat's own record: "paid", "closed" (expired unpaid), or "pending"."""
        now = now or timezone.now()
        code, message = client().query(out_trade_no=payment.number)
        if code == 200:
            data = json.loads(message)
            if data.get("trade_state") == "SUCCESS":
                self._confirm(data)
                return "paid"
        elif code != 404:
            return "pending"  # WeChat did not answer usefully: the next run asks again
        if now < self.expires_at(payment):
            return "pending"
        close_code, _message = client().close(out_trade_no=payment.number)
        if close_code not in (200, 204, 404):
            return "pending"
        with transaction.atomic():
            # Conditional: a notification recorded meanwhile (status no longer pending) is left alone.
            Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
                status=Payment.Status.CANCELLED)
        return "closed"


def wechatpay_payments_reconcile(*, now=None, older_than_minutes: int = 2) -> dict[str, int]:
    """Beat: every pending WeChat payment older than a couple of minutes is settled from WeChat's record (its
    notification may have been lost) or closed once expired. Returns the counts."""
    if not enabled():
        return {}
    now = now or timezone.now()
    counts = {"paid": 0, "closed": 0, "pending": 0}
    pending = Payment.objects.filter(provider=Payment.Provider.WECHATPAY, status=Payment.Status.PENDING,
                                     created_at__lt=now - timedelta(minutes=older_than_minutes)).order_by("id")
    provider = WeChatPayProvider()
    for payment in pending[:500]:
        try:
            counts[provider.reconcile(payment, now=now)] += 1
        except services.PaymentError as exc:
            logger.warning("wechatpay: reconcile refused", extra={"payment": payment.number, "error": str(exc)})
        except Exception as exc:  # WeChat away or slow: the next run asks again
            logger.warning("wechatpay: reconcile failed", extra={"payment": payment.number,
                                                                 "error": f"{type(exc).__name__}: {exc}"[:300]})
            counts["pending"] += 1
    return counts
