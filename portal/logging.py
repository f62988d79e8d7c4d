"""Log redaction: no password, verification code, token or ID number ever reaches a log line.

`RedactSecretsFilter` sits on every handler (see LOGGING in portal/settings/base.py). It formats the message
itself, so secrets passed as arguments are caught; it rewrites extra fields (masking whole values whose name
looks secret), the traceback text, and replaces a request object by its method and path, so a POST body can
never be serialised into a log line.
"""

import logging
import re
from collections.abc import Mapping

from django.http import HttpRequest

MASK = "[REDACTED]"

# The one log line format, used by Django's LOGGING (settings/base.py) and by gunicorn (gunicorn.conf.py).
JSON_FORMATTER = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
    "datefmt": "%Y-%m-%dT%H:%M:%S%z",  # local time (Asia/Shanghai) with its offset
    "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
}

_WORDS = r"password\d?|passwd|pwd|code|otp|token|secret|key|id_?number|id_?card|authorization|cookie|sessionid|csrf"
# A field (extra attribute or dict key) whose name contains one of these words is masked whole.
SECRET_KEY_NAME = re.compile(rf"({_WORDS})", re.I)
# Names that contain such a word but are never secret.
SAFE_KEY_NAMES = frozenset({"status_code", "country_code", "language_code"})

# `password=...`, `"token": "..."`, `code: 123456` in free text (form bodies, JSON, repr of dicts, query strings).
# A quoted value is masked up to its closing quote, so a password with spaces does not leak its tail.
KEYED_SECRET = re.compile(
    rf"(?P<key>(?<!status_)(?<!country_)(?<!language_)(?:{_WORDS})[\"']?\s*[:=]\s*)"
    r"(?!\[REDACTED\])"
    r"(?P<value>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[^\s&\"',;}\]]+)",
    re.I,
)
# Chinese prose: 验证码：123456, 验证码是123456, 密码为 abc, 身份证号 ...
CHINESE_SECRET = re.compile(r"(?P<key>(?:验证码|密码|口令|身份证号?码?)\s*(?:[:：=]|是|为)?\s*)(?P<value>[0-9A-Za-z]+)")
# Resident ID numbers: 18 characters, the last may be X.
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
# Secrets carried in URL paths: allauth's password-reset and email-confirmation keys.
PATH_SECRET = re.compile(r"(?P<key>/(?:key|confirm-email)/)(?P<value>[^/\s?#\"']+)")


def _mask_match(match: re.Match) -> str:
    value = match.group("value")
    if value[:1] in "\"'":
        return f"{match.group('key')}{value[0]}{MASK}{value[0]}"
    return match.group("key") + MASK


def redact_text(text: str) -> str:
    for pattern in (KEYED_SECRET, CHINESE_SECRET, PATH_SECRET):
        text = pattern.sub(_mask_match, text)
    return ID_NUMBER.sub(MASK, text)


def is_secret_name(name) -> bool:
    name = str(name)
    return name.lower() not in SAFE_KEY_NAMES and bool(SECRET_KEY_NAME.search(name))


def redact_value(value):
    """A copy of `value` safe to log; anything that is not plain data is logged as its redacted `str()`."""
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        return MASK if ID_NUMBER.fullmatch(str(value)) else value
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, HttpRequest):
        # Never the body, headers or cookies: a request is logged as its method and path.
        return {"method": value.method, "path": redact_text(value.get_full_path())}
    if isinstance(value, Mapping):
        return {str(k): (MASK if is_secret_name(k) else redact_value(v)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(v) for v in value]
    return redact_text(str(value))


class RedactSecretsFilter(logging.Filter):
    """Rewrites the message, its arguments, extra fields and traceback before any handler formats them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, Mapping) and not record.args:
            record.msg = redact_value(record.msg)
        else:
            try:
                message = record.getMessage()
            except Exception:  # a malformed record still gets logged, redacted as far as possible
                message = f"{record.msg} {record.args!r}"
            record.msg = redact_text(message)
        record.args = None
        if record.exc_info:
            # Format the traceback now, redacted; formatters print exc_text when exc_info is gone.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        for attr, value in list(vars(record).items()):
            if attr in _STANDARD_ATTRS:
                continue
            setattr(record, attr, MASK if is_secret_name(attr) else redact_value(value))
        return True


_STANDARD_ATTRS = set(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime", "taskName"}
