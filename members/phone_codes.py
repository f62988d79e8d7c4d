"""A phone verification code sent at login or sign-up stays the one to type while it is valid.

allauth sends a new code each time a member whose number is not yet verified logs in, and allows one a minute to a
number ("verify_phone": 1/m/key). So a member who got the code page, tapped 取消 (or went back to the login page) and
logged in again met a 429 page — a normal back-and-forth, not an abuse. Now logging in again while the code sent to
that number is still valid returns to it: the code page, the same code, no new text message, no rate limit spent.

What bounds it: at most PHONE_CODE_RESUMES returns per code (each gives allauth's 3 tries again, so at most 9 tries
of one 6-digit code), and only until the code expires (ACCOUNT_PHONE_VERIFICATION_TIMEOUT). Beyond, the login asks
allauth for a new code as before, and its limits and the portal's SMS ceiling (members/sms_limits.py) answer a
flood with 429. The code is kept in the shared cache for that time, as allauth keeps it in the session."""

import hashlib
import time

from allauth.account import app_settings as account_settings
from allauth.account import stages
from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.phone_verification import PhoneVerificationStageProcess
from allauth.core.internal.httpkit import headed_redirect_response
from django.contrib import messages
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

PHONE_CODE_RESUMES = 2
RESUMED_MESSAGE = _("验证码已经发送到 %(phone)s，仍然有效，请输入短信中的验证码（无需重新获取）。")


def _key(user, phone: str) -> str:
    digest = hashlib.sha256(f"{user.pk}:{phone}".encode()).hexdigest()[:32]  # no mobile number in the cache's keys
    return f"phone-code:{digest}"


def phone_code_sent(*, user, phone: str, code: str) -> None:
    """Remembers the code just sent to `phone` for `user`, until it expires."""
    timeout = account_settings.PHONE_VERIFICATION_TIMEOUT
    cache.set(_key(user, phone), {"code": code, "at": time.time(), "resumes": 0}, timeout=timeout)


def phone_code_resume(*, user, phone: str) -> dict | None:
    """The code sent to `phone` for `user` and when, if it is still valid and may be returned to once more."""
    key = _key(user, phone)
    pending = cache.get(key)
    if not pending or pending["resumes"] >= PHONE_CODE_RESUMES:
        return None
    remaining = pending["at"] + account_settings.PHONE_VERIFICATION_TIMEOUT - time.time()
    if remaining <= 0:
        return None
    cache.set(key, {**pending, "resumes": pending["resumes"] + 1}, timeout=int(remaining) + 1)
    return pending


class PhoneVerificationStage(stages.PhoneVerificationStage):
    """allauth's stage, except that a login while the number's code is still valid goes back to that code."""

    def handle(self):
        user = self.login.user
        phone_verified = get_adapter().get_phone(user) if user else None
        if phone_verified is None or phone_verified[1] or not account_settings.PHONE_VERIFICATION_ENABLED:
            return super().handle()
        phone = phone_verified[0]
        pending = phone_code_resume(user=user, phone=phone)
        if pending is None:
            return super().handle()
        self.state.update(PhoneVerificationStageProcess.initial_state(user=user, phone=phone))
        # The code's age is kept: it expires when the text message said it would.
        self.state.update(code=pending["code"], at=pending["at"], signup=self.login.signup)
        PhoneVerificationStageProcess(stage=self).persist()
        get_adapter().add_message(self.request, messages.INFO, message=RESUMED_MESSAGE % {"phone": phone})
        return headed_redirect_response("account_verify_phone"), True
