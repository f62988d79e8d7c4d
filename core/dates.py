"""Dates people (and query strings) give: bounded, so date arithmetic never overflows.

`?date_to=9999-12-31` plus one day, or a week starting 0001-01-01 minus one, is past what `datetime.date` holds: a
500 from a public address. A date a person means lies within BOUNDS; anything beyond is refused with a message.
"""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

DATE_MIN = date(2000, 1, 1)
DATE_MAX = date(2100, 12, 31)
OUT_OF_RANGE = _("日期应在 %(min)s 至 %(max)s 之间。")

# A date picker (<input type="date">) is given its value as YYYY-MM-DD whatever the language's display format
# ("2026/11/02" in Chinese): any other shape leaves the picker empty, and a person saving the page again would
# lose the date. Every form's date picker uses this widget.
ISO_DATE_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
# The same for <input type="datetime-local">, which reads YYYY-MM-DDTHH:MM only.
ISO_DATETIME_INPUT = forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"})


class BoundedDateField(forms.DateField):
    """A form's date field that accepts DATE_MIN…DATE_MAX only."""

    def validate(self, value):
        super().validate(value)
        if value and not DATE_MIN <= value <= DATE_MAX:
            raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range",
                                        params={"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()})


def bounded_date(text: str | None) -> date | None:
    """`text` as an ISO date within DATE_MIN…DATE_MAX, or None (unreadable, NUL, out of range)."""
    try:
        value = date.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return value if DATE_MIN <= value <= DATE_MAX else None
