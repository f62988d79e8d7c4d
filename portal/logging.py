"""Log redaction: no password, verification code, token or ID number ever reaches a log line."""

import logging
import re

SECRET_KEYS = re.compile(r"(password\d?|passwd|code|otp|token|secret|key|id_number|authorization|cookie)", re.I)
# 18-digit resident ID numbers (last char may be X) and 6-digit verification codes after a key word.
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
KEYED_SECRET = re.compile(
    r"((?:password\d?|passwd|code|otp|token|secret|authorization|cookie|sessionid|csrftoken)[\"']?\s*[:=]\s*[\"']?)"
    r"([^\s&\"',;}]+)",
    re.I,
)
MASK = "[REDACTED]"


def redact_text(text: str) -> str:
    text = KEYED_SECRET.sub(lambda m: m.group(1) + MASK, text)
    return ID_NUMBER.sub(MASK, text)


def redact_value(value):
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: (MASK if SECRET_KEYS.search(str(k)) else redact_value(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_value(v) for v in value)
    return value


class RedactSecretsFilter(logging.Filter):
    """Rewrites the message and its arguments before any handler formats them."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record still gets logged, redacted as far as possible
            message = str(record.msg)
        record.msg = redact_text(message)
        record.args = None
        for attr, value in list(vars(record).items()):
            if attr in _STANDARD_ATTRS:
                continue
            setattr(record, attr, MASK if SECRET_KEYS.search(attr) else redact_value(value))
        return True


_STANDARD_ATTRS = set(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime"}
