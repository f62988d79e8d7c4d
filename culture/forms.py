from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.api import ID_MAX
from core.dates import ISO_DATE_INPUT, ISO_DATETIME_INPUT, BoundedDateField
from members.models import Branch, normalize_mobile

from .models import ORDER_DAYS_AHEAD, Category, Venue


class YesNoCheckbox(forms.CheckboxInput):
    """A checkbox that reads only the values a checkbox or a program sends (on/true/1, false/0/empty); any other
    text is passed on as it is, for the field to refuse, instead of counting as ticked."""

    READS = {"on": True, "true": True, "1": True, "false": False, "0": False, "off": False, "": False}

    def value_from_datadict(self, data, files, name):
        if name not in data:
            return False
        value = data.get(name)
        return self.READS.get(value.lower(), value) if isinstance(value, str) else value


class YesNoField(forms.BooleanField):
    widget = YesNoCheckbox

    def to_python(self, value):
        if isinstance(value, str):
            raise forms.ValidationError(_("只接受是或否（true 或 false）。"), code="invalid")
        return super().to_python(value)


class MenuFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=50)
    category = forms.ChoiceField(label=_("类别"), required=False, choices=[("", _("全部类别")), *Category.choices])
    venue = forms.ModelChoiceField(label=_("场馆"), required=False, queryset=Venue.objects.none(),
                                   empty_label=_("全部场馆"))
    date_from = BoundedDateField(label=_("开始日期"), required=False, widget=ISO_DATE_INPUT)
    date_to = BoundedDateField(label=_("结束日期"), required=False, widget=ISO_DATE_INPUT)
    price = forms.ChoiceField(label=_("费用"), required=False,
                              choices=[("", _("不限")), ("free", _("免费")), ("paid", _("收费"))])
    seats_left = YesNoField(label=_("只看有余票"), required=False)

    def __init__(self, *args, venues=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = venues if venues is not None else Venue.objects.filter(is_active=True)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return data


class BookingForm(forms.Form):
    seats = forms.IntegerField(label=_("人数"), min_value=1, max_value=20, initial=1)


class MobileForm(forms.Form):
    mobile = forms.CharField(label=_("手机号码"), max_length=20,
                             widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}))

    def clean_mobile(self):
        # Full-width digits, spaces, +86: the one stored form (members.models.normalize_mobile), or a message.
        return normalize_mobile(self.cleaned_data["mobile"])


class CodeForm(MobileForm):
    """The second step: the number was typed on the first (the send form, shown above), so here it rides along
    hidden instead of asking for it twice."""

    mobile = forms.CharField(max_length=20, widget=forms.HiddenInput)
    code = forms.CharField(label=_("短信验证码"), max_length=6, min_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))


class CheckInForm(forms.Form):
    code = forms.CharField(label=_("票码"), max_length=64,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}))


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(label=_("评分"), coerce=int, choices=[(i, str(i)) for i in range(5, 0, -1)],
                                   widget=forms.RadioSelect)
    comment = forms.CharField(label=_("评价"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class GroupOrderForm(forms.Form):
    """A branch orders an item for its workers. The branch is one of the orderer's own (the first, usually the
    only one, is chosen already: no empty "---------" choice for a field that must be filled); the item is picked
    from the orderable ones only, grouped by category, after a prompt the browser's `required` refuses to send."""

    branch = forms.ModelChoiceField(label=_("点单工会"), queryset=Branch.objects.none(), empty_label=None)
    item = forms.TypedChoiceField(label=_("服务项目"), coerce=int, choices=())
    wished_from = BoundedDateField(label=_("期望最早日期"), widget=ISO_DATE_INPUT)
    wished_to = BoundedDateField(label=_("期望最晚日期"), widget=ISO_DATE_INPUT,
                                 help_text=_("只要一天时，两个日期填同一天。"))
    headcount = forms.IntegerField(label=_("参加人数"), min_value=1, max_value=100000)
    site_address = forms.CharField(label=_("活动地点"), max_length=255)
    note = forms.CharField(label=_("备注"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, branches, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches
        groups: dict[str, list] = {}
        for item in items:
            groups.setdefault(item.get_category_display(), []).append((item.pk, item.title))
        self.fields["item"].choices = [("", _("请选择服务项目")), *groups.items()]
        today = timezone.localdate()
        for name in ("wished_from", "wished_to"):
            self.fields[name].widget.attrs.update({"min": (today + timedelta(days=1)).isoformat(),
                                                  "max": (today + timedelta(days=ORDER_DAYS_AHEAD)).isoformat()})

    def clean(self):
        data = super().clean()
        if data.get("wished_from") and data.get("wished_to") and data["wished_to"] < data["wished_from"]:
            self.add_error("wished_to", _("最晚日期不能早于最早日期。"))
        return data


class OrderAcceptForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=ISO_DATETIME_INPUT)
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=ISO_DATETIME_INPUT)
    note = forms.CharField(label=_("备注"), required=False, max_length=500)


class OrderDeclineForm(forms.Form):
    reason = forms.CharField(label=_("婉拒原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ExportForm(forms.Form):
    session = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX, widget=forms.HiddenInput)
    date_from = BoundedDateField(label=_("开始日期"), required=False, widget=ISO_DATE_INPUT)
    date_to = BoundedDateField(label=_("结束日期"), required=False, widget=ISO_DATE_INPUT)
    format = forms.ChoiceField(label=_("格式"), choices=[("csv", "CSV"), ("xlsx", "Excel (XLSX)")], initial="csv")


def contest_entry_form(item):
    """A form built from a contest's extra fields (a JSON list of {name, label, type, required, choices})."""
    fields = {}
    if item.entry_mode == "team":
        fields["team_name"] = forms.CharField(label=_("队伍名称"), max_length=120)
        fields["team_members"] = forms.CharField(label=_("队员（每行一人）"), widget=forms.Textarea(attrs={"rows": 4}))
    for spec in item.entry_fields or []:
        name, label, required = spec.get("name"), spec.get("label", spec.get("name")), bool(spec.get("required"))
        kind = spec.get("type", "text")
        if kind == "number":
            field = forms.IntegerField(label=label, required=required)
        elif kind == "choice":
            field = forms.ChoiceField(label=label, required=required,
                                      choices=[("", "—"), *[(c, c) for c in spec.get("choices", [])]])
        elif kind == "textarea":
            field = forms.CharField(label=label, required=required, max_length=500, widget=forms.Textarea)
        else:
            field = forms.CharField(label=label, required=required, max_length=500)
        fields[f"f_{name}"] = field
    return type("ContestEntryForm", (forms.Form,), fields)
