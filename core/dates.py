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
