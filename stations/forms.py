from django import forms
from django.utils.translation import gettext_lazy as _

from .hours import HoursError, Interval, hours_validate
from .models import AMENITIES, JobType, ServiceCategory, Station
from .selectors import SEARCH_MAX_LENGTH
from .services import StationError, coordinates_check, coordinates_to_wgs84

# The default first: a select with no value (a bound form without radius_km, or a refused value) shows its first
# option, which must be the range actually searched.
RADIUS_CHOICES = [("50", _("50 公里")), ("10", _("10 公里")), ("3", _("3 公里")), ("1", _("1 公里"))]
DEFAULT_RADIUS_KM = 50


class StationFilterForm(forms.Form):
    """The public finder's filters; every field optional. A bad value is reported on its field and the other
    fields still apply (the view reads the valid fields' cleaned data)."""

    q = forms.CharField(
        label=_("搜索名称、地址或区"), required=False, max_length=SEARCH_MAX_LENGTH,
        error_messages={"max_length": _("搜索内容最多 %(limit_value)d 个字，请缩短后再找。")},
        widget=forms.TextInput(attrs={"type": "search", "enterkeyhint": "search", "placeholder": _("名称、地址或区")}),
    )
    kind = forms.ChoiceField(label=_("类别"), required=False, choices=[("", _("全部")), *Station.Kind.choices])
    amenity = forms.MultipleChoiceField(
        label=_("设施"), required=False, choices=AMENITIES, widget=forms.CheckboxSelectMultiple
    )
    open_now = forms.BooleanField(label=_("正在开放"), required=False)
    district = forms.ChoiceField(label=_("所在区"), required=False)
    radius_km = forms.TypedChoiceField(label=_("范围"), required=False, choices=RADIUS_CHOICES, coerce=int,
                                       empty_value=DEFAULT_RADIUS_KM)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)

    def __init__(self, *args, districts: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", _("不限"))] + [(d, d) for d in districts]
        self.fields["radius_km"].initial = str(DEFAULT_RADIUS_KM)

    def valid_filters(self) -> dict:
        """The cleaned values of the fields that are valid; an unbound form has none."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return dict(self.cleaned_data)


class VisitForm(forms.Form):
    mobile = forms.CharField(
        label=_("手机号码"), max_length=11, required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel", "type": "tel"}),
    )
    job_type = forms.ChoiceField(label=_("职业"), choices=JobType.choices, widget=forms.RadioSelect)


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("评分"), coerce=int, choices=[(i, "★" * i) for i in range(5, 0, -1)], widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("评价（可选）"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class NeedForm(forms.Form):
    category = forms.ChoiceField(label=_("类别"), choices=ServiceCategory.choices)
    text = forms.CharField(label=_("需求内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV 或 XLSX 文件"))
    coord_system = forms.ChoiceField(
        label=_("文件中的坐标系"),
        choices=[("wgs84", _("WGS-84（GPS）")), ("gcj02", _("GCJ-02（高德、腾讯地图拾取）"))],
        help_text=_("文件中有“坐标系”列时，以该列为准。"),
    )
    default_branch = forms.ModelChoiceField(label=_("默认管理工会"), queryset=None, required=False)

    def __init__(self, *args, branches=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_branch"].queryset = branches


class StationAdminForm(forms.ModelForm):
    """The admin form: coordinates may be entered as GCJ-02 (picked on Amap) and are stored as WGS-84."""

    coord_system = forms.ChoiceField(
        label=_("输入坐标系"), initial="wgs84",
        choices=[("wgs84", _("WGS-84（GPS）")), ("gcj02", _("GCJ-02（高德、腾讯地图拾取）"))],
        help_text=_("选 GCJ-02 时，保存前换算为 WGS-84。"),
    )

    class Meta:
        model = Station
        fields = [
            "code", "kind", "name", "partner_type", "partner_name", "branch", "district", "address", "coord_system",
            "lat", "lng", "phone", "description", "is_active", *[f"has_{code}" for code, _label in AMENITIES],
        ]

    def clean(self):
        data = super().clean()
        lat, lng = data.get("lat"), data.get("lng")
        if lat is not None and lng is not None:

            try:
                coordinates_check(lat, lng)
                data["lat"], data["lng"] = coordinates_to_wgs84(lat, lng, system=data.get("coord_system", "wgs84"))
            except StationError as e:
                self.add_error("lat", e.message)
        return data


class OpeningHoursFormSet(forms.BaseInlineFormSet):
    """The admin's weekly hours: the rows together must not overlap (one row alone is checked too)."""

    def clean(self):
        super().clean()
        intervals = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get("weekday") is None:
                continue
            if not data.get("opens") or not data.get("closes"):
                continue
            intervals.append(
                Interval(int(data["weekday"]), data["opens"], data["closes"], bool(data.get("closes_next_day")))
            )
        try:
            hours_validate(intervals)
        except HoursError as e:
            raise forms.ValidationError(e.message) from e
