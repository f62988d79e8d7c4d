"""One limit on every text message a person can make the portal send (sign-up, login and reset codes, a visitor's
mobile verification): per number, per client address and for the whole portal, per hour (settings
SMS_RATE_LIMIT_PER_NUMBER, _PER_CLIENT, _GLOBAL, each "count/h"). Counted in the shared cache (Redis in production,
so every web process counts together), in fixed windows; a door that is refused answers 429 with a message.

allauth's own per-action limits stay in front of its flows (one code a minute to a number, ACCOUNT_RATE_LIMITS);
this is the ceiling across all of them, which no per-flow limit gives: 25 numbers in 0.3 s from one client, or a
botnet spread over many addresses and numbers, stop here."""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

SMS_LIMITED_MESSAGE = _("短信发送太频繁，请稍后再试。")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _rate(text: str) -> tuple[int, int]:
    count, per = text.split("/")
    return int(count), _UNITS[per[-1]] * int(per[:-1] or 1)


def sms_send_allowed(*, mobile: str, client_ip: str, now: float | None = None) -> bool:
    """Counts one message to `mobile` asked from `client_ip`; False (nothing to send) once any limit is reached."""
    now = time.time() if now is None else now
    for scope, who, rate in (
        ("number", mobile, settings.SMS_RATE_LIMIT_PER_NUMBER),
        ("client", client_ip or "-", settings.SMS_RATE_LIMIT_PER_CLIENT),
        ("all", "", settings.SMS_RATE_LIMIT_GLOBAL),
    ):
        limit, seconds = _rate(rate)
        digest = hashlib.sha256(who.encode()).hexdigest()[:24]  # no mobile number or address in the cache's keys
        key = f"sms-rl:{scope}:{digest}:{int(now // seconds)}"
        cache.add(key, 0, timeout=seconds + 60)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=seconds + 60)
            count = 1
        if count > limit:
            return False
    return True
