"""Payment providers: how the money for an enrolment arrives.

- `OfflineProvider`: cash or a bank transfer, recorded by staff (one enrolment, or a group payment).
- `SandboxProvider`: an online gateway simulated by a local page. The gateway "calls back" with a JSON payload
  signed by HMAC-SHA256 over the exact body with a shared secret (setting `BENEFITS_SANDBOX_PAYMENT_SECRET`;
  without it, a key derived from SECRET_KEY). A callback with a forged signature or a wrong amount is refused;
  the same callback twice records one payment.

A real gateway is one more provider with the same three doors: `checkout_url`, `sign`/`verify`, `handle_callback`.
"""

import hashlib
import hmac
import json
import uuid

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from . import services, wechatpay
from .models import Payment


class PaymentProvider:
    """What every provider has: the code stored on its payments. Online providers (the sandbox, a real
    gateway) also give a `checkout_url`; the offline provider has no checkout, staff record the money."""

    code: str


class OfflineProvider(PaymentProvider):
    code = Payment.Provider.OFFLINE

    def record(self, *, actor, enrolment_id: int, method: str, amount, reference: str = "") -> Payment:
        return services.payment_record_offline(
            actor=actor, enrolment_id=enrolment_id, method=method, amount=amount, reference=reference
        )

    def record_group(self, **kwargs):
        return services.group_enrolment_create(**kwargs)


class SandboxProvider(PaymentProvider):
    code = Payment.Provider.SANDBOX
    signature_header = "X-Sandbox-Signature"

    @staticmethod
    def secret() -> bytes:
        configured = getattr(settings, "BENEFITS_SANDBOX_PAYMENT_SECRET", "")
        if configured:
            return configured.encode()
        return hashlib.sha256(f"benefits.sandbox-payment:{settings.SECRET_KEY}".encode()).digest()

    def checkout_url(self, payment: Payment) -> str:
        return reverse("benefits:sandbox-gateway", args=[payment.token])

    def sign(self, body: bytes) -> str:
        return hmac.new(self.secret(), body, hashlib.sha256).hexdigest()

    def callback_body(self, payment: Payment, *, amount=None, reference: str = "") -> bytes:
        """What the gateway sends when the payer confirms: order number, amount, its own transaction id."""
        payload = {
            "order": payment.number,
            "amount": str(payment.amount if amount is None else amount),
            "transaction": reference or f"SBX{uuid.uuid4().hex[:20].upper()}",
            "status": "SUCCESS",
        }
        return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()

    def verify(self, body: bytes, signature: str) -> dict:
        if not signature or not hmac.compare_digest(self.sign(body), signature):
            raise services.PaymentError(_("支付回调签名无效。"))
        try:
            payload = json.loads(body)
        except ValueError as exc:
            raise services.PaymentError(_("支付回调内容无法解析。")) from exc
        if not isinstance(payload, dict) or payload.get("status") != "SUCCESS":
            raise services.PaymentError(_("支付未成功。"))
        return payload

    def handle_callback(self, body: bytes, signature: str) -> services.ConfirmResult:
        payload = self.verify(body, signature)
        return services.payment_confirm(
            provider=self.code,
            number=str(payload.get("order", "")),
            amount=payload.get("amount"),
            reference=str(payload.get("transaction", ""))[:64],
        )


PROVIDERS = {p.code: p for p in (OfflineProvider(), SandboxProvider())}


def provider(code: str) -> PaymentProvider:
    return PROVIDERS[code]


def online_provider() -> PaymentProvider | None:
    """Where members pay online: WeChat Pay where it is configured; the local sandbox gateway only where
    BENEFITS_SANDBOX_PAYMENTS is on (never in production); otherwise none, and members pay their union offline."""
    if wechatpay.enabled():
        return wechatpay.WeChatPayProvider()
    if settings.BENEFITS_SANDBOX_PAYMENTS:
        return SandboxProvider()
    return None

