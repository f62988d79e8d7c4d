"""The member's claim forms: start, facts (one claim or a hospital stay), documents, withdraw."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.dates import ISO_DATE_INPUT

from ..models import BenefitKind, DocumentKind
from ..review.forms import DocumentUploadForm, WithdrawForm
from .services import fields_for_kind
from .stays import STAY_FACT_KIND


class ClaimStartForm(forms.Form):
    """Step one of a claim: which enrolment and which benefit."""

    enrolment = forms.ModelChoiceField(label=_("参保记录"), queryset=None, empty_label=None)
    kind = forms.ChoiceField(label=_("补助项目"))

    def __init__(self, *args, enrolments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].queryset = enrolments
        self.fields["enrolment"].label_from_instance = lambda e: f"{e.plan.name} · {e.tier.name}"
        offered = {rule.kind for enrolment in enrolments for rule in enrolment.tier.rules.all()}
        self.fields["kind"].choices = [(k, label) for k, label in BenefitKind.choices if k in offered]


class ClaimFactsForm(forms.Form):
    """The facts a kind needs; fields the kind does not ask for are dropped. The service checks the values."""

    diagnosis = forms.CharField(label=_("诊断或伤情"), max_length=200, required=False)
    disease_code = forms.ChoiceField(label=_("目录病种"), required=False)
    first_diagnosis = forms.BooleanField(label=_("首次确诊"), required=False)
    event_date = forms.CharField(label=_("确诊或事发日期"), required=False,
                                 widget=ISO_DATE_INPUT)
    hospital = forms.CharField(label=_("医院"), max_length=200, required=False)
    admission_date = forms.CharField(label=_("入院日期"), required=False,
                                     widget=ISO_DATE_INPUT)
    discharge_date = forms.CharField(label=_("出院日期"), required=False,
                                     widget=ISO_DATE_INPUT)
    total_cost = forms.CharField(label=_("医疗费用总额（元）"), required=False,
                                 widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    self_paid = forms.CharField(label=_("个人自付（元）"), required=False,
                                widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    bed_fee = forms.CharField(label=_("床位费（元）"), required=False,
                              widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    grade = forms.CharField(label=_("伤残等级"), max_length=30, required=False)
    invoice_numbers = forms.CharField(label=_("发票号码"), required=False,
                                      help_text=_("多张发票用逗号或空格分开。"))
    bank_name = forms.CharField(label=_("开户银行"), max_length=100, required=False)
    bank_account = forms.CharField(label=_("银行账号"), max_length=40, required=False,
                                   widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    account_holder = forms.CharField(label=_("户名"), max_length=100, required=False)

    def __init__(self, *args, kind: str, diseases=(), **kwargs):
        super().__init__(*args, **kwargs)
        wanted = fields_for_kind(kind)
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        if "disease_code" in self.fields:
            self.fields["disease_code"].choices = [("", "—"), *diseases]
        self.order_fields(wanted)


class StayFactsForm(ClaimFactsForm):
    """A hospital stay entered once: the facts of every stay kind (the self-pay subsidy's hold the daily
    allowance's); on the first step, also which enrolment."""

    def __init__(self, *args, enrolments=None, **kwargs):
        super().__init__(*args, kind=STAY_FACT_KIND, **kwargs)
        self.fields["self_paid"].help_text = _("没有个人自付费用可以不填，只申请住院津贴。")
        if enrolments is not None:
            self.fields["enrolment"] = forms.ModelChoiceField(label=_("参保记录"), queryset=enrolments,
                                                              empty_label=None)
            self.fields["enrolment"].label_from_instance = lambda e: f"{e.plan.name} · {e.tier.name}"
            self.order_fields(["enrolment", *self.fields])


class ClaimDocumentForm(DocumentUploadForm):
    kinds = DocumentKind.choices


ClaimWithdrawForm = WithdrawForm
