"""A code sent by SMS (at login or sign-up, or to reset a password) stays the one to type while it is valid.

allauth sends a new code each time a member whose number is not yet verified logs in, and allows one a minute to a
number ("verify_phone": 1/m/key). So a member who got the code page, tapped 取消 (or went back to the login page) and
logged in again met a 429 page — a normal back-and-forth, not an abuse. Now logging in again while the code sent to
that number is still valid returns to it: the code page, the same code, no new text message, no rate limit spent.

What bounds it: at most PHONE_CODE_RESUMES returns per code (each gives allauth's 3 tries again, so at most 9 tries
of one 6-digit code), and only until the code expires (ACCOUNT_PHONE_VERIFICATION_TIMEOUT). Beyond, the login asks
allauth for a new code as before, and its limits and the portal's SMS ceiling (members/sms_limits.py) answer a
flood with 429. The code is kept in the shared cache for that time, as allauth keeps it in the session.

The password reset by mobile number had the same back-and-forth: 忘记密码, the number, the code page, back, the
number again within the minute met allauth's "reset_password" limit (1/m/key), a 429 page. Now a request that
this limit would refuse while the code sent to that number is still valid returns to that code the same way
(`reset_code_resume()`, used by the web page and the app's API): the code page, the same code and its expiry, no
new text. A request the limit allows — the member asked again after the minute, perhaps for want of the first
text — sends a new code as before. The same bound holds (PHONE_CODE_RESUMES per code, until it expires), and a
code that has set a new password is forgotten at once: it cannot be returned to."""

import hashlib
import time

from allauth.account import app_settings as account_settings
from allauth.account import stages
from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.password_reset_by_code import PasswordResetVerificationProcess
from allauth.account.internal.flows.phone_verification import PhoneVerificationStageProcess
from allauth.core import ratelimit
from allauth.core.internal.httpkit import headed_redirect_response
from django.contrib import messages
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

PHONE_CODE_RESUMES = 2
RESUMED_MESSAGE = _("验证码已经发送到 %(phone)s，仍然有效，请输入短信中的验证码（无需重新获取）。")
RESET_RESUMED_MESSAGE = _("重设密码的验证码已经发送到 %(phone)s，仍然有效，请输入短信中的验证码（无需重新获取）。")


def _key(user, phone: str) -> str:
    digest = hashlib.sha256(f"{user.pk}:{phone}".encode()).hexdigest()[:32]  # no mobile number in the cache's keys
    return f"phone-code:{digest}"


def _reset_key(phone: str) -> str:
    # One account per number (User.mobile is unique): the number alone says whose reset it is.
    digest = hashlib.sha256(phone.encode()).hexdigest()[:32]
    return f"reset-code:{digest}"


def _remember(key: str, *, code: str, timeout: int) -> None:
    cache.set(key, {"code": code, "at": time.time(), "resumes": 0}, timeout=timeout)


def _take_resume(key: str, *, timeout: int) -> dict | None:
    """The code kept under `key` and when it was sent, if it is still valid and may be returned to once more
    (counted)."""
    pending = cache.get(key)
    if not pending or pending["resumes"] >= PHONE_CODE_RESUMES:
        return None
    remaining = pending["at"] + timeout - time.time()
    if remaining <= 0:
        return None
    cache.set(key, {**pending, "resumes": pending["resumes"] + 1}, timeout=int(remaining) + 1)
    return pending


def phone_code_sent(*, user, phone: str, code: str) -> None:
    """Remembers the code just sent to `phone` for `user`, until it expires."""
    _remember(_key(user, phone), code=code, timeout=account_settings.PHONE_VERIFICATION_TIMEOUT)


def phone_code_resume(*, user, phone: str) -> dict | None:
    """The code sent to `phone` for `user` and when, if it is still valid and may be returned to once more."""
    return _take_resume(_key(user, phone), timeout=account_settings.PHONE_VERIFICATION_TIMEOUT)


def reset_code_sent(*, phone: str, code: str) -> None:
    """Remembers the password reset code just sent by SMS to `phone`, until it expires."""
    _remember(_reset_key(phone), code=code, timeout=account_settings.PASSWORD_RESET_BY_CODE_TIMEOUT)


def reset_code_forget(*, phone: str) -> None:
    """The code sent to `phone` has set a new password (or is otherwise spent): never return to it."""
    cache.delete(_reset_key(phone))


def reset_code_resume(request, *, phone: str, user) -> bool:
    """Puts the password reset code still valid for `phone` (the stored 11 digits, whose account is `user`) back in
    this session's reset, as allauth's code step reads it, when a new request for that number would be refused
    by allauth's "reset_password" limit. True if it did: go to the code step; nothing was sent, no limit spent.
    False: go on as allauth does (a new code, or the 429 its limit answers)."""
    if not account_settings.PASSWORD_RESET_BY_CODE_ENABLED or user is None:
        return False
    if ratelimit.consume(request, action="reset_password", key=phone.lower(), dry_run=True):
        return False  # a new code may go: asked again after the minute, perhaps because the text never came
    pending = _take_resume(_reset_key(phone), timeout=account_settings.PASSWORD_RESET_BY_CODE_TIMEOUT)
    if pending is None:
        return False
    state = PasswordResetVerificationProcess.initial_state(user, phone)
    # The code's age is kept: it expires when the text message said it would.
    state.update(code=pending["code"], at=pending["at"])
    PasswordResetVerificationProcess(request, state=state, user=user).persist()
    return True


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
