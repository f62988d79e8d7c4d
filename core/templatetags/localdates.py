"""Dates in the page's language where a template needs a form Django does not name: the month and day with the
time (12月6日 19:30 / 6 Dec, 19:30), for sessions this year; and a day's heading with its weekday."""

from django import template
from django.utils.formats import date_format
from django.utils.translation import get_language

from core import datewords

register = template.Library()


def _chinese() -> bool:
    return (get_language() or "zh-hans").startswith("zh")


@register.filter
def month_day_time(value):
    return datewords.month_day_time(value) if value else ""


@register.filter
def day_heading(value):
    """12月6日 星期日 / Sunday 6 Dec."""
    if not value:
        return ""
    if _chinese():
        return f"{date_format(value, 'MONTH_DAY_FORMAT')} {date_format(value, 'l')}"
    return f"{date_format(value, 'l')} {date_format(value, 'MONTH_DAY_FORMAT')}"
