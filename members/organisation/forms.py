"""Forms of joining, transfers and staff decisions. Validation of substance happens in the services, whose
MembershipError names the field at fault; `core.errors.page_errors` puts it on the form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.text import validate_visible

from ..models import Branch, Member


class BranchSearchForm(forms.Form):
    search = forms.CharField(label=_("名称或地区"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("组织类别"), required=False,
        choices=[("", _("全部")), (Branch.Kind.BASE, Branch.Kind.BASE.label),
                 (Branch.Kind.FEDERATED, Branch.Kind.FEDERATED.label)],
    )
    federated_type = forms.ChoiceField(
        label=_("联合工会类型"), required=False, choices=[("", _("全部")), *Branch.FederatedType.choices]
    )
    informal = forms.BooleanField(
        label=_("我所在的单位没有工会（灵活就业、平台劳动者等）"), required=False,
        help_text=_("勾选后只显示联合工会：园区、行业、楼宇、商圈、社区、村的联合工会都接收没有单位工会的职工。"),
    )


class MembershipApplyForm(forms.Form):
    name = forms.CharField(label=_("真实姓名"), max_length=100, validators=[validate_visible])
    id_number = forms.CharField(
        label=_("身份证号"), max_length=18, min_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "spellcheck": "false"}),
        help_text=_("18 位，最后一位可以是 X。仅您本人和所在工会的工作人员能看到完整号码。"),
    )
    mobile = forms.CharField(label=_("手机号码"), max_length=11, widget=forms.TextInput(attrs={"type": "tel"}))
    employer = forms.CharField(label=_("工作单位"), max_length=200, required=False,
                               help_text=_("灵活就业的可填写所服务的平台或不填。"))
    employment_type = forms.ChoiceField(
        label=_("就业形态"), choices=Member.EmploymentType.choices, widget=forms.RadioSelect
    )


class TransferRequestForm(forms.Form):
    note = forms.CharField(
        label=_("转会说明"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例如：已换到新单位工作。"),
    )


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("不通过的理由"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("不通过时必填，申请人会看到。"),
    )
