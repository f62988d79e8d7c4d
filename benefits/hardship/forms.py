"""Forms of the hardship pages. They parse what was typed; the services check the rules and say what is wrong."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.dates import ISO_DATE_INPUT

from ..models import HOUSEHOLD_MAX, CareVisit, HardshipCause, HardshipDocument, HardshipLevel, HouseholdMember
from ..review.forms import DOCUMENT_ACCEPT, MultipleFileInput, MultipleFilesField

MEMBER_KINDS = [(value, label) for value, label in HardshipDocument.Kind.choices
                if value != HardshipDocument.Kind.VISIT_PHOTO]


class FamilyFileForm(forms.Form):
    cause = forms.ChoiceField(label=_("致困原因"), choices=HardshipCause.choices)
    monthly_income = forms.DecimalField(
        label=_("家庭月收入（元）"), min_value=0, max_digits=12, decimal_places=2,
        help_text=_("全家每月的工资、养老金、补贴等收入合计。"),
        error_messages={"min_value": _("家庭月收入不能为负数。")},
    )
    household_size = forms.IntegerField(
        label=_("家庭人口（含本人）"), min_value=1, max_value=HOUSEHOLD_MAX,
        error_messages={"min_value": _("家庭人口应在 1 到 20 人之间（含本人）。"),
                        "max_value": _("家庭人口应在 1 到 20 人之间（含本人）。")},
    )
    situation = forms.CharField(label=_("家庭情况说明"), required=False, max_length=2000,
                                widget=forms.Textarea(attrs={"rows": 4}))


class StaffFileForm(FamilyFileForm):
    member_number = forms.CharField(label=_("会员号"), max_length=20)

    field_order = ["member_number", "cause", "monthly_income", "household_size", "situation"]


class HouseholdMemberForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=100)
    relation = forms.CharField(label=_("与本人关系"), max_length=30, help_text=_("如：配偶、子女、父母。"))
    age = forms.IntegerField(label=_("年龄"), min_value=0, max_value=130)
    health = forms.CharField(label=_("健康状况"), max_length=100, required=False)
    schooling = forms.ChoiceField(label=_("就学情况"), choices=HouseholdMember.Schooling.choices)


class HardshipDocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("材料种类"), choices=MEMBER_KINDS)
    file = MultipleFilesField(
        label=_("文件"),
        help_text=_("JPEG、PNG、HEIC 照片或 PDF，每个不超过 10 MB。"),
        error_messages={"required": _("请选择要上传的文件。")},
        widget=MultipleFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
    )


class HomeVisitForm(forms.Form):
    visited_on = forms.DateField(label=_("走访日期"), widget=ISO_DATE_INPUT)
    notes = forms.CharField(label=_("走访情况"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    photos = MultipleFilesField(label=_("走访照片"), required=False,
                                widget=MultipleFileInput(attrs={"accept": "image/*"}))


class NoticeForm(forms.Form):
    """Starting the notice asks nothing: the district's standard says how many days it runs."""


class ObjectionForm(forms.Form):
    received_on = forms.DateField(label=_("收到日期"), widget=ISO_DATE_INPUT)
    content = forms.CharField(label=_("异议内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class ObjectionResolveForm(forms.Form):
    resolution = forms.CharField(label=_("核实处理情况"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class ConfirmForm(forms.Form):
    level = forms.ChoiceField(label=_("困难类别"), choices=HardshipLevel.choices)


class RecheckForm(forms.Form):
    monthly_income = forms.DecimalField(label=_("家庭月收入（元）"), min_value=0, max_digits=12, decimal_places=2,
                                        error_messages={"min_value": _("家庭月收入不能为负数。")})
    household_size = forms.IntegerField(
        label=_("家庭人口（含本人）"), min_value=1, max_value=HOUSEHOLD_MAX,
        error_messages={"min_value": _("家庭人口应在 1 到 20 人之间（含本人）。"),
                        "max_value": _("家庭人口应在 1 到 20 人之间（含本人）。")},
    )
    level = forms.ChoiceField(label=_("困难类别"), choices=HardshipLevel.choices)
    notes = forms.CharField(label=_("复核情况"), required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 2}))


class LeaveForm(forms.Form):
    reason = forms.CharField(label=_("退出原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CareVisitPlanForm(forms.Form):
    kind = forms.ChoiceField(label=_("走访类型"), choices=CareVisit.Kind.choices)
    due_on = forms.DateField(label=_("计划日期"), widget=ISO_DATE_INPUT)
    purpose = forms.CharField(label=_("内容"), max_length=200, required=False)


class CareVisitDoneForm(forms.Form):
    done_on = forms.DateField(label=_("完成日期"), widget=ISO_DATE_INPUT)
    notes = forms.CharField(label=_("走访情况"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class FamilyFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False)
    level = forms.ChoiceField(label=_("困难类别"), required=False,
                              choices=[("", _("全部")), *HardshipLevel.choices])
    cause = forms.ChoiceField(label=_("致困原因"), required=False,
                              choices=[("", _("全部")), *HardshipCause.choices])
    branch = forms.ChoiceField(label=_("工会"), required=False)
    q = forms.CharField(label=_("姓名、会员号或档案编号"), required=False, max_length=50)

    def __init__(self, *args, branches, statuses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("在办和在册")), *statuses]
        self.fields["branch"].choices = [("", _("全部")), *[(b.pk, b.name) for b in branches]]
