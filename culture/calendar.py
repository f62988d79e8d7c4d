"""An iCalendar (RFC 5545) file for one ticket, so a session can be added to a phone's calendar.

Written by hand: one event, a fixed time zone. Times are in Asia/Shanghai with its VTIMEZONE (UTC+8, no
daylight saving since 1991), so calendars show the palace's clock time wherever the phone is set."""

from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Booking

TZID = "Asia/Shanghai"
VTIMEZONE = [
    "BEGIN:VTIMEZONE", f"TZID:{TZID}",
    "BEGIN:STANDARD", "DTSTART:19700101T000000", "TZOFFSETFROM:+0800", "TZOFFSETTO:+0800", "TZNAME:CST",
    "END:STANDARD", "END:VTIMEZONE",
]


def escape_text(value: str) -> str:
    """TEXT values (RFC 5545 3.3.11): backslash, semicolon and comma escaped, line breaks as \\n."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Content lines longer than 75 octets are folded (3.1): CRLF and a space, never inside a UTF-8 character."""
    out, current = [], b""
    for ch in line:
        encoded = ch.encode()
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)


def _local(when: datetime) -> str:
    return when.astimezone(ZoneInfo(TZID)).strftime("%Y%m%dT%H%M%S")


def _utc(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ticket_ics(booking: Booking) -> str:
    session = booking.session
    venue = session.venue or session.item.venue
    ticket_url = f"{settings.SITE_URL}{reverse('culture:ticket', args=[booking.code])}"
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    description = "\n".join([
        ngettext("%(n)s 个座位", "%(n)s 个座位", booking.seats) % {"n": booking.seats},
        _("短票码：%(code)s") % {"code": booking.short_code_display},
        _("入场时出示电子票：%(url)s") % {"url": ticket_url},
    ])
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Union Portal//Culture//ZH", "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH", *VTIMEZONE,
        "BEGIN:VEVENT",
        f"UID:culture-booking-{booking.pk}@{host}",
        f"DTSTAMP:{_utc(booking.created_at)}",
        f"DTSTART;TZID={TZID}:{_local(session.starts_at)}",
        f"DTEND;TZID={TZID}:{_local(session.ends_at)}",
        f"SUMMARY:{escape_text(session.item.title)}",
        f"LOCATION:{escape_text(f'{venue.name}, {venue.address}')}",
        f"DESCRIPTION:{escape_text(description)}",
        f"URL:{ticket_url}",
        "STATUS:" + ("CONFIRMED" if booking.status == Booking.Status.CONFIRMED else "CANCELLED"),
        "END:VEVENT", "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)
