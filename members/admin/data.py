"""Admin screens of the data work: import jobs (read-only), awards (以奖代补), and the member export action.

Every queryset is filtered by `branches_in_scope`; guessed ids outside the scope answer 404."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import page_errors

from ..data import awards, exports
from ..models import Award, Branch, ImportJob
from ..selectors import branches_in_scope, user_is_staff_of_any_branch


class _ScopedByBranch:
    """Staff see rows of branches in their scope (for `scope_roles`), and the screen only when they have one."""

    scope_roles = ["branch_admin"]

    def _scope(self, request):
        return branches_in_scope(request.user, roles=self.scope_roles)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(branch__in=self._scope(request))

    def has_module_permission(self, request):
        # From the roles cached on the request's user: the admin asks for every model on every page.
        return request.user.is_active and request.user.is_staff and user_is_staff_of_any_branch(
            request.user, roles=self.scope_roles
        )

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Outside the scope (or missing): 404, as for every guessed id, rather than the admin's redirect.
        raise Http404


@admin.register(ImportJob)
class ImportJobAdmin(_ScopedByBranch, admin.ModelAdmin):
    list_display = ["created_at", "branch", "uploaded_by", "mode", "status", "total_rows", "created_count",
                    "updated_count", "error_count", "progress_page"]
    list_filter = ["status", "mode"]
    list_select_related = ["branch", "uploaded_by"]
    date_hierarchy = "created_at"
    exclude = ["file"]  # private upload: not linked from the admin
    readonly_fields = ["original_name", "file_format", "encoding", "uploaded_by", "branch", "mode", "status",
                       "message", "total_rows", "processed_rows", "created_count", "updated_count", "error_count",
                       "created_at", "started_at", "finished_at"]

    @admin.display(description=_("进度与错误报告"))
    def progress_page(self, job):
        return format_html('<a href="{}">{}</a>', reverse("members:import-detail", args=[job.pk]), gettext("打开"))

    def has_add_permission(self, request):
        return False  # uploads go through the import page, which checks the file

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Award)
class AwardAdmin(_ScopedByBranch, admin.ModelAdmin):
    list_display = ["year", "branch", "category", "item", "score", "subsidy", "status", "evaluated_by"]
    list_filter = ["year", "category", "status"]
    list_select_related = ["branch", "evaluated_by"]
    search_fields = ["branch__name", "item"]
    actions = ["grant", "reject"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["branch", "year", "category", "item", "notes"]
        return ["branch", "year", "category", "item", "score", "subsidy", "notes", "status", "evaluated_by",
                "decided_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        readonly = ["branch", "year", "category", "item", "status", "evaluated_by", "decided_at"]
        if obj.status not in (Award.Status.NOMINATED, Award.Status.EVALUATED):
            readonly += ["score", "subsidy"]
        return readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "branch":
            # Only base unions the staff member administers can be nominated.
            kwargs["queryset"] = self._scope(request).filter(kind=Branch.Kind.BASE).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False  # an evaluation is a record; reject it instead

    def save_model(self, request, obj, form, change):
        """Writes go through the services, so the admin follows the same rules as every other door."""
        try:
            if not change:
                saved = awards.award_nominate(
                    actor=request.user, branch=obj.branch, year=obj.year, category=obj.category, item=obj.item,
                    notes=obj.notes,
                )
            elif {"score", "subsidy"} & set(form.changed_data) and obj.score is not None:
                saved = awards.award_evaluate(
                    actor=request.user, award_id=obj.pk, score=obj.score, subsidy=obj.subsidy, notes=obj.notes,
                )
            else:
                Award.objects.filter(pk=obj.pk).update(notes=obj.notes)
                saved = obj
        except awards.AwardError as e:
            raise ValidationError(e.message) from e
        obj.pk = saved.pk

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as e:
            # A rule of the service refused the save (the change form's transaction is rolled back).
            self.message_user(request, " ".join(e.messages), level=messages.ERROR)
            return redirect(request.get_full_path())

    def _decide(self, request, queryset, approve: bool):
        done = 0
        for award_id in queryset.values_list("pk", flat=True):
            with page_errors(request):
                awards.award_decide(actor=request.user, award_id=award_id, approve=approve)
                done += 1
        if done:
            self.message_user(request, gettext("已处理 %(n)d 项评定。") % {"n": done}, level=messages.SUCCESS)

    @admin.action(description=_("授予所选（已评分的）评定"))
    def grant(self, request, queryset):
        self._decide(request, queryset, approve=True)

    @admin.action(description=_("所选评定不予通过"))
    def reject(self, request, queryset):
        self._decide(request, queryset, approve=False)


@admin.action(description=_("导出所选会员（XLSX）"), permissions=["export"])
def export_members_xlsx(modeladmin, request, queryset):
    """Admin action for the member list: the selection, narrowed once more to the staff's scope."""
    members = queryset.filter(branch__in=branches_in_scope(request.user, roles=exports.EXPORT_ROLES))
    return FileResponse(exports.members_export_xlsx(members=members), as_attachment=True,
                        filename=exports.export_filename(),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
