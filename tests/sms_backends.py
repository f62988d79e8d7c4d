"""SMS backends that fail on purpose, for the tests of retries (in-process and with a real worker)."""

import os
from pathlib import Path

from members.sms import DatabaseSmsBackend, SmsError


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
