"""The hardship register in the admin, scoped to the staff member's subtree like its pages.

- Minimum living standards (plan data per district and year): branch admins edit those of districts in their
  scope; hardship officers see them.
- Families and care visits: read-only lists and pages of the families in scope (branch admins and hardship
  officers), each linking to its staff page, where the actions run through the services. A family outside the
  scope answers 404.
"""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from members.models import Branch, StaffRole
from members.organisation.personal_data import mask_id_number
from members.selectors import branches_in_scope

from ..hardship import selectors
from ..models import (
    CareVisit,
    HardshipEvent,
    HardshipFamily,
    HardshipObjection,
    HardshipStandard,
    HomeVisit,
    HouseholdMember,
)
from .plans import ScopedReadAdmin, has_scope


def _standard_branches(user):
    return branches_in_scope(user, roles=[StaffRole.Role.BRANCH_ADMIN]).filter(kind=Branch.Kind.DISTRICT)


class HardshipStandardForm(forms.ModelForm):
    class Meta:
        model = HardshipStandard
        fields = ["district", "year", "minimum_living", "notice_days"]


@admin.register(HardshipStandard)
class HardshipStandardAdmin(admin.ModelAdmin):
    form = HardshipStandardForm
    list_display = ["district", "year", "minimum_living", "notice_days"]
    list_filter = ["year"]
    list_select_related = ["district"]

    def has_module_permission(self, request):
        return has_scope(request.user, selectors.HARDSHIP_ROLES)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def _edits(self, request, obj=None) -> bool:
        if obj is None:
            # From the roles cached on the request's user: the admin's sidebar asks this for every page, and a
            # query here would be one more on each. The district choices are the real bound (a base union's admin
            # finds none to pick).
            return has_scope(request.user, [StaffRole.Role.BRANCH_ADMIN])
        return _standard_branches(request.user).filter(pk=obj.district_id).exists()

    def has_add_permission(self, request):
        return self._edits(request)

    def has_change_permission(self, request, obj=None):
        return self._edits(request, obj)

    def has_delete_permission(self, request, obj=None):
        # A standard may have been applied to families already (their figure is copied): keep it, edit it.
        return False

    # Every district's standard is plan data anyone on the register may read (an officer's own district is an
    # ancestor of their scope, not in it); only the district's branch admins change it.

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "district":
            kwargs["queryset"] = _standard_branches(request.user).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True


class HouseholdInline(_ReadOnlyInline):
    model = HouseholdMember
    fields = ["name", "relation", "age", "health", "schooling"]


class HomeVisitInline(_ReadOnlyInline):
    model = HomeVisit
    fields = ["visited_on", "visitor", "notes"]


class ObjectionInline(_ReadOnlyInline):
    model = HardshipObjection
    fields = ["received_on", "content", "resolution", "resolved_at"]


class CareVisitInline(_ReadOnlyInline):
    model = CareVisit
    fields = ["kind", "due_on", "purpose", "done_on", "visitor", "notes"]


class EventInline(_ReadOnlyInline):
    model = HardshipEvent
    fields = ["at", "action", "actor", "from_status", "to_status", "message"]


@admin.register(HardshipFamily)
class HardshipFamilyAdmin(ScopedReadAdmin):
    scope_roles = selectors.HARDSHIP_ROLES

    list_display = ["number", "member_name", "branch", "status", "level", "cause", "per_capita_income",
                    "recheck_due", "staff_page"]
    list_filter = ["status", "level", "cause"]
    search_fields = ["number", "member__name", "member__member_number"]
    list_select_related = ["member__branch"]
    list_per_page = 50
    show_full_result_count = False
    fields = ["number", "member_name", "branch", "id_number", "status", "cause", "level", "situation",
              "monthly_income", "household_size", "per_capita_income", "minimum_living", "filed_at",
              "notice_starts_on", "notice_ends_on", "confirmed_at", "recheck_due", "left_at", "left_reason",
              "staff_page"]
    readonly_fields = fields
    inlines = [HouseholdInline, HomeVisitInline, ObjectionInline, CareVisitInline, EventInline]

    def get_queryset(self, request):
        return selectors.families_in_scope(request.user).select_related("member__branch")

    @admin.display(description=_("会员"), ordering="member__name")
    def member_name(self, obj):
        return obj.member.name

    @admin.display(description=_("工会"))
    def branch(self, obj):
        return obj.member.branch.name

    @admin.display(description=_("身份证号"))
    def id_number(self, obj):
        # Masked here for every role; the family's staff page shows the whole number to the roles that see
        # personal data (members.personal_data), with the audit entry.
        return mask_id_number(obj.member.id_number)

    @admin.display(description=_("办理"))
    def staff_page(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("benefits:hardship-staff-family", args=[obj.pk]),
                           _("打开档案页"))


@admin.register(CareVisit)
class CareVisitAdmin(ScopedReadAdmin):
    scope_roles = selectors.HARDSHIP_ROLES

    list_display = ["family", "kind", "due_on", "done_on", "purpose"]
    list_filter = ["kind", ("done_on", admin.EmptyFieldListFilter)]
    list_select_related = ["family__member"]
    search_fields = ["family__number", "family__member__name"]
    fields = ["family", "kind", "due_on", "purpose", "done_on", "visitor", "notes"]
    readonly_fields = fields

    def get_queryset(self, request):
        return CareVisit.objects.filter(family__in=selectors.families_in_scope(request.user))
