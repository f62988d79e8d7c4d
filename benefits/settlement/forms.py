from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Branch
from members.selectors import branches_in_scope

from .services import IMPORT_ROLES, MAX_FILE_BYTES


class SettlementUploadForm(forms.Form):
    branch = forms.ModelChoiceField(queryset=Branch.objects.none(), label=_("导入哪个工会范围的记录（含下级）"))
    file = forms.FileField(
        label=_("医保住院结算记录（CSV 或 XLSX）"),
        help_text=_("第一行为列名：身份证号、姓名、医院、入院日期、出院日期、医疗费用总额、个人自付、床位费、结算单号（必填），"
                    "诊断编码（可选）。最大 %(mb)d MB。") % {"mb": MAX_FILE_BYTES // 1024 // 1024},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        branches = branches_in_scope(user, roles=IMPORT_ROLES).order_by("path")
        # No "---------": the list starts with the top of the user's scope, the branch most imports are for.
        self.fields["branch"].queryset = branches
        self.fields["branch"].empty_label = None
        if not self.is_bound:
            self.fields["branch"].initial = branches.values_list("pk", flat=True).first()


class SettlementConfirmForm(forms.Form):
    bank_name = forms.CharField(label=_("开户银行"), max_length=100, required=False)
    bank_account = forms.CharField(label=_("银行账号"), max_length=40, required=False)
    account_holder = forms.CharField(label=_("户名"), max_length=100, required=False)
