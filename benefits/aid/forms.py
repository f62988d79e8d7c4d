"""The member's education-aid forms: the application (child, school, ground, aid from elsewhere, bank account)
and its documents. The service checks every value again (`services._clean`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import AidBasis, AidDocumentKind, SchoolStage
from ..review.forms import DocumentUploadForm


class AidApplicationForm(forms.Form):
    campaign = forms.ModelChoiceField(label=_("助学活动"), queryset=None, empty_label=None)
    child_name = forms.CharField(label=_("子女姓名"), max_length=50)
    child_id_number = forms.CharField(label=_("子女身份证号"), max_length=40,
                                      widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))
    school = forms.CharField(label=_("学校"), max_length=100)
    stage = forms.ChoiceField(label=_("就读阶段"), choices=SchoolStage.choices)
    entry_year = forms.CharField(label=_("入学年份"), max_length=4,
                                 widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    basis = forms.ChoiceField(label=_("申请依据"), choices=AidBasis.choices, widget=forms.RadioSelect)
    basis_note = forms.CharField(label=_("困难情况说明"), required=False, max_length=1000,
                                 widget=forms.Textarea(attrs={"rows": 3}),
                                 help_text=_("因病或因灾致困时请写明情况，并上传证明。"))
    other_aid_declared = forms.BooleanField(label=_("本年度已获其他助学资助"), required=False,
                                            help_text=_("如已获得政府、学校或其他单位的助学资助，请如实申报。"))
    other_aid_source = forms.CharField(label=_("其他资助来源"), required=False, max_length=100)
    other_aid_amount = forms.CharField(label=_("其他资助金额（元）"), required=False, max_length=20,
                                       widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    bank_name = forms.CharField(label=_("开户银行"), required=False, max_length=100)
    bank_account = forms.CharField(label=_("银行账号"), required=False, max_length=40,
                                   widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    account_holder = forms.CharField(label=_("户名"), required=False, max_length=100)

    def __init__(self, *args, campaigns=None, **kwargs):
        super().__init__(*args, **kwargs)
        if campaigns is None:
            del self.fields["campaign"]  # editing: the campaign is the application's
        else:
            self.fields["campaign"].queryset = campaigns


class AidDocumentForm(DocumentUploadForm):
    kinds = AidDocumentKind.choices
