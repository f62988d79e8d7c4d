"""Dates and times put into words in the language active when the text is read (portal/formats/<lang>): lazy, so a
notification built now and stored in its recipient's language (members.notifications.services.recipient_text) takes that
language's format, and a message shown at once takes the page's."""

from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.functional import lazy
from django.utils.translation import get_language


def _local(value):
    return timezone.localtime(value) if timezone.is_aware(value) else value


def _chinese() -> bool:
    return (get_language() or "zh-hans").startswith("zh")


def month_day_time(value) -> str:
    """12月6日 19:30 / 6 Dec, 19:30."""
    value = _local(value)
    sep = " " if _chinese() else ", "
    return f"{date_format(value, 'MONTH_DAY_FORMAT')}{sep}{time_format(value, 'TIME_FORMAT')}"


def _datetime_words(value) -> str:
    return date_format(_local(value), "SHORT_DATETIME_FORMAT")


datetime_text = lazy(_datetime_words, str)
month_day_time_text = lazy(month_day_time, str)
