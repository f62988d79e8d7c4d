"""A code sent by SMS (at login or sign-up, or to reset a password) stays the one to type while it is valid.

allauth sends a new code each time a member whose number is not yet verified logs in, and allows one a minute to a
number ("verify_phone": 1/m/key). So a member who got the code page, tapped 取消 (or went back to the login page) and
logged in again met a 429 page — a normal back-and-forth, not an abuse. Now logging in again while the code sent to
that number is still valid returns to it: the code page, the same code, no new text message, no rate limit spent.

What bounds it: at most PHONE_CODE_RESUMES returns per code (each gives allauth's 3 tries again, so at most 9 tries
of one 6-digit code), and only until the code expires (ACCOUNT_PHONE_VERIFICATION_TIMEOUT). Beyond, the login asks
allauth for a new code as before, and its limits and the portal's SMS ceiling (members/notifications/sms_limits.py)
answer a flood with 429. The code is kept in the shared cache for that time, as allauth keeps it in the session.

The password reset by mobile number had the same back-and-forth: 忘记密码, the number, the code page, back (or 没有
收到？重新申请), the number again within the minute met allauth's "reset_password" limit (1/m/key), a 429 page. There
the session is not flushed: allauth's reset, with the code and its tries, is still in it. So a request that limit
would refuse, for the number this session's reset is for while its code is valid, returns to that reset
(`reset_code_resume()`, used by the web page and the app's API): the code page (or the new-password step if the
code was already entered), the same code, its expiry and the tries already spent, no new text. Only this session
returns to it — another browser or app asking for that number meets the limit as before, so no one else is shown
a step for the member's code — and at most PHONE_CODE_RESUMES times. A request the limit allows (after the minute:
the first text may never have come) sends a new code as before; a reset ended (expired, three wrong codes, a new
password set) leaves nothing to return to."""

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


def reset_code_resume(request, *, phone: str) -> PasswordResetVerificationProcess | None:
    """This session's password reset for `phone` (the stored 11 digits), to return to instead of allauth's 429: when
    a new request for that number would be refused by allauth's "reset_password" limit while the reset is still
    valid, at most PHONE_CODE_RESUMES times. None: go on as allauth does (a new code, or its 429)."""
    if not account_settings.PASSWORD_RESET_BY_CODE_ENABLED:
        return None
    if ratelimit.consume(request, action="reset_password", key=phone.lower(), dry_run=True):
        return None  # a new code may go: asked again after the minute, perhaps because the text never came
    process = PasswordResetVerificationProcess.resume(request)  # None once expired, ended or never begun here
    if process is None or process.state.get("email") != phone:
        return None
    resumes = process.state.get("resumes", 0)
    if resumes >= PHONE_CODE_RESUMES:
        return None
    process.state["resumes"] = resumes + 1
    process.persist()
    return process


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
