"""Settlement records in the admin: the imports and records of the staff member's subtree (read-only: imports are
made on their page, claims by the import), and the integrations (branch admins set one up and see its token once)."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from members.models import Branch, StaffRole
from members.selectors import branches_in_scope

from ..models import SettlementImport, SettlementIntegration, SettlementRecord
from ..settlement import selectors, services
from .plans import ScopedReadAdmin, has_scope


@admin.register(SettlementImport)
class SettlementImportAdmin(ScopedReadAdmin):
    scope_roles = selectors.STAFF_ROLES
    list_display = ["created_at", "branch", "source", "status", "total_rows", "matched_count", "not_enrolled_count",
                    "duplicate_count", "refused_count", "filed_count", "page_link"]
    list_filter = ["status", "source"]
    list_select_related = ["branch"]
    show_full_result_count = False

    @admin.display(description=_("进度与报告"))
    def page_link(self, job):
        return format_html('<a href="{}">{}</a>', reverse("benefits:settlement-import", args=[job.pk]), gettext("打开"))


@admin.register(SettlementRecord)
class SettlementRecordAdmin(ScopedReadAdmin):
    scope_roles = selectors.STAFF_ROLES
    list_display = ["settlement_number", "member", "hospital", "admission_date", "discharge_date", "self_paid",
                    "stay", "already_claimed", "not_filed", "answer"]
    list_filter = ["answer"]
    search_fields = ["settlement_number"]
    list_select_related = ["member", "stay"]
    show_full_result_count = False

    def get_queryset(self, request):
        return SettlementRecord.objects.filter(
            job__branch__in=branches_in_scope(request.user, roles=self.scope_roles))


class IntegrationForm(forms.ModelForm):
    class Meta:
        model = SettlementIntegration
        fields = ["name", "branch", "is_active"]


@admin.register(SettlementIntegration)
class SettlementIntegrationAdmin(admin.ModelAdmin):
    form = IntegrationForm
    list_display = ["name", "branch", "token_hint", "is_active", "created_at"]
    list_select_related = ["branch"]

    def _admin_branches(self, request):
        return branches_in_scope(request.user, roles=[StaffRole.Role.BRANCH_ADMIN])

    def has_module_permission(self, request):
        return has_scope(request.user, [StaffRole.Role.BRANCH_ADMIN])

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(branch__in=self._admin_branches(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "branch":
            kwargs["queryset"] = Branch.objects.filter(pk__in=self._admin_branches(request)).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        try:
            integration, token = services.settlement_integration_create(
                actor=request.user, name=obj.name, branch_id=obj.branch_id)
        except ApplicationError as e:
            messages.error(request, e.message)
            return
        obj.pk = integration.pk
        obj.token_digest = integration.token_digest
        # Shown this once: only the token's digest is kept.
        messages.warning(request, gettext("对接令牌（只显示这一次，请妥善交给对接方）：%(token)s") % {"token": token})
