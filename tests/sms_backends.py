"""SMS backends that fail on purpose, for the tests of retries (in-process and with a real worker)."""

import os
import time
from pathlib import Path

from members.notifications.sms import DatabaseSmsBackend, SmsError


class BrokenSmsBackend(DatabaseSmsBackend):
    """The gateway is down: every send fails."""

    def send(self, *, to: str, body: str) -> None:
        raise SmsError("SMS gateway unreachable (test)")


class FlakySmsBackend(DatabaseSmsBackend):
    """Fails the first send to a number once, when the test armed it by creating the file
    `$FLAKY_SMS_DIR/<number>`; then behaves like the database backend. Deleting the file is the atomic
    step, so among worker processes exactly one send fails."""

    def send(self, *, to: str, body: str) -> None:
        directory = os.environ.get("FLAKY_SMS_DIR")
        if directory:
            try:
                (Path(directory) / to).unlink()
            except FileNotFoundError:
                pass
            else:
                raise SmsError("SMS gateway timed out (test, first attempt)")
        super().send(to=to, body=body)


class SlowSmsBackend(DatabaseSmsBackend):
    """A gateway that answers slowly: each send takes SLOW_SMS_SECONDS (5 by default, the Tencent backend's own
    timeout, SMS_TENCENT_TIMEOUT_SECONDS: the longest a real send waits), then succeeds."""

    def send(self, *, to: str, body: str) -> None:
        time.sleep(float(os.environ.get("SLOW_SMS_SECONDS", "5")))
        super().send(to=to, body=body)
