"""SMS backends. The notification service and the sign-up code both send text messages through
`get_sms_backend()`; the setting SMS_BACKEND names the class (console by default, database in tests)."""

import abc
import logging
import re

from django.conf import settings
from django.utils.module_loading import import_string

from ..models import OutboundSms

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """A channel failure worth retrying (gateway down, timeout)."""


class BaseSmsBackend(abc.ABC):
    """What every SMS backend provides; a gateway's backend raises SmsError when sending failed."""

    @abc.abstractmethod
    def send(self, *, to: str, body: str) -> None: ...


_CODE = re.compile(r"\d{4,}")


def masked_for_log(*, to: str, body: str) -> tuple[str, str]:
    """A number as 138****5678 and every run of four or more digits (codes) as its first digit and stars."""
    return f"{to[:3]}****{to[-4:]}", _CODE.sub(lambda m: m.group()[0] + "*" * (len(m.group()) - 1), body)


class ConsoleSmsBackend(BaseSmsBackend):
    """Prints the message to standard output, for development, with the number and any code masked: logs are
    kept and read by many, a code is a key. With DEBUG on (`make run`) the whole text is also kept in the
    development SMS inbox (OutboundSms, superusers only in the admin), where a developer reads the code to sign
    up."""

    def send(self, *, to: str, body: str) -> None:
        masked_to, masked_body = masked_for_log(to=to, body=body)
        print(f"[SMS to {masked_to}] {masked_body}", flush=True)
        if settings.DEBUG:

            OutboundSms.objects.create(to=to, body=body)


class DatabaseSmsBackend(BaseSmsBackend):
    """Writes the message to the OutboundSms table, where tests (and a real worker's tests) can read it."""

    def send(self, *, to: str, body: str) -> None:

        OutboundSms.objects.create(to=to, body=body)


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
