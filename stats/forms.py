"""The dashboard's filter: a branch (its subtree) and a date range, read the same way by the page, the downloads
and the API."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .selectors import MAX_RANGE_DAYS


def default_range(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last twelve months, this one included."""
    index = today.year * 12 + today.month - 1 - 11
    return datetime.date(index // 12, index % 12 + 1, 1), today


ISO_DATE, ISO = {"type": "date"}, "%Y-%m-%d"


class StatsFilterForm(forms.Form):
    branch = forms.IntegerField(label=_("组织"), required=False, min_value=1, max_value=10**18)
    # A date field's value is ISO whatever the language (a localised date would leave it empty).
    date_from = forms.DateField(label=_("开始日期"), required=False, widget=forms.DateInput(ISO_DATE, format=ISO))
    date_to = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(ISO_DATE, format=ISO))

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        start, end = default_range(timezone.localdate())
        data["date_from"] = data.get("date_from") or (start if not data.get("date_to") else
                                                      default_range(data["date_to"])[0])
        data["date_to"] = data.get("date_to") or max(end, data["date_from"])
        if data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("开始日期不能晚于结束日期。"), code="backwards")
        if (data["date_to"] - data["date_from"]).days > MAX_RANGE_DAYS:
            raise forms.ValidationError(
                _("日期范围最长 %(days)s 天，请缩小范围。") % {"days": MAX_RANGE_DAYS}, code="too_wide")
        return data
