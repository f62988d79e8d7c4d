from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Branch, ImportJob
from ..selectors import branches_in_scope
from .imports import IMPORT_ROLES, MAX_FILE_BYTES


class BranchChoiceField(forms.ModelChoiceField):
    """Branches in tree order, indented by depth so the list reads as the tree."""

    def label_from_instance(self, obj):
        return f"{'　' * (obj.depth - 1)}{obj.name}"


class ImportUploadForm(forms.Form):
    branch = BranchChoiceField(queryset=Branch.objects.none(), label=_("导入到哪个工会组织"))
    mode = forms.ChoiceField(
        label=_("导入方式"), choices=ImportJob.Mode.choices, initial=ImportJob.Mode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=_("职工名单文件（CSV 或 XLSX）"),
        help_text=_("第一行为列名：姓名、身份证号、手机号（必填），工作单位、就业形态（可选）。最大 %(mb)d MB。")
        % {"mb": MAX_FILE_BYTES // 1024 // 1024},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only branches the staff member administers (with their subtrees): another branch is not a choice.
        self.fields["branch"].queryset = branches_in_scope(user, roles=IMPORT_ROLES).order_by("path")


class ExportForm(forms.Form):
    branch = BranchChoiceField(
        queryset=Branch.objects.none(), label=_("导出哪个工会组织的会员（含下级）"), required=False,
        empty_label=_("我管理的全部组织"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches_in_scope(user, roles=IMPORT_ROLES).order_by("path")
