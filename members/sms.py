"""SMS backends. The notification service and the sign-up code both send text messages through
`get_sms_backend()`; the setting SMS_BACKEND names the class (console by default, database in tests)."""

import abc
import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """A channel failure worth retrying (gateway down, timeout)."""


class BaseSmsBackend(abc.ABC):
    """What every SMS backend provides; a gateway's backend raises SmsError when sending failed."""

    @abc.abstractmethod
    def send(self, *, to: str, body: str) -> None: ...


class ConsoleSmsBackend(BaseSmsBackend):
    """Prints the message to standard output, for development: the sign-up code appears in the terminal."""

    def send(self, *, to: str, body: str) -> None:
        print(f"[SMS to {to}] {body}", flush=True)


class DatabaseSmsBackend(BaseSmsBackend):
    """Writes the message to the OutboundSms table, where tests (and a real worker's tests) can read it."""

    def send(self, *, to: str, body: str) -> None:
        from .models import OutboundSms

        OutboundSms.objects.create(to=to, body=body)


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
