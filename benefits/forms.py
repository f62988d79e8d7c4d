from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Branch

from .models import Payment, Plan, Tier


class EnrolForm(forms.Form):
    tier = forms.ModelChoiceField(label=_("缴费档次"), queryset=Tier.objects.none(), widget=forms.RadioSelect,
                                  empty_label=None)
    employer_non_public = forms.BooleanField(
        label=_("我在非公有制企业工作"), required=False,
        help_text=_("非公企业职工可能享受所在区的缴费补贴；工会会核实。"),
    )

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].queryset = plan.tiers.all()


class PayForm(forms.Form):
    amount = forms.DecimalField(label=_("缴费金额（元）"), max_digits=10, decimal_places=2, min_value=Decimal("0"))


class OfflinePaymentForm(forms.Form):
    method = forms.ChoiceField(label=_("支付方式"), choices=[(Payment.Method.CASH, _("现金")),
                                                         (Payment.Method.TRANSFER, _("银行转账"))])
    amount = forms.DecimalField(label=_("收款金额（元）"), max_digits=10, decimal_places=2, min_value=Decimal("0"))
    reference = forms.CharField(label=_("转账流水号或收款凭证号"), max_length=64, required=False)


class GroupEnrolmentForm(forms.Form):
    plan = forms.ModelChoiceField(label=_("方案"), queryset=Plan.objects.none())
    tier_code = forms.ChoiceField(label=_("缴费档次"), choices=[])
    branch = forms.ModelChoiceField(label=_("工会"), queryset=Branch.objects.none())
    member_numbers = forms.CharField(
        label=_("会员号（每行一个）"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("留空表示为该工会全部正常状态的会员办理。"),
    )
    employer_non_public = forms.BooleanField(label=_("非公有制企业"), required=False)
    renewals_only = forms.BooleanField(
        label=_("只为上一年度参保的会员续保"), required=False,
        help_text=_("勾选后只办理上一年度已参保会员的续保（续保开始后即可办理，免等待期）。"),
    )
    method = forms.ChoiceField(label=_("支付方式"), choices=[(Payment.Method.TRANSFER, _("银行转账")),
                                                         (Payment.Method.CASH, _("现金"))])
    amount = forms.DecimalField(label=_("集体缴费金额（元）"), max_digits=12, decimal_places=2, min_value=Decimal("0"))
    reference = forms.CharField(label=_("转账流水号"), max_length=64, required=False)

    def __init__(self, *args, plans, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans
        self.fields["branch"].queryset = branches
        codes = Tier.objects.filter(plan__in=plans).values_list("code", "name").distinct().order_by("code")
        self.fields["tier_code"].choices = list(codes)

    def member_number_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["member_numbers"].splitlines() if line.strip()]
