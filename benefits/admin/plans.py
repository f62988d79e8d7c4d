"""Staff screens of the mutual-aid plan, scoped by `branches_in_scope` like every other staff door.

Who may do what:
- plans, tiers, rules, disease lists: superusers and branch admins of a city federation (plan managers);
  a plan that has enrolments is read-only (copy it to a new year with the action);
- subsidy rules: plan managers, and branch admins/finance of the paying branch's subtree (read);
- enrolments and payments: finance, branch admins and claims reviewers of the branch's subtree (read; writes
  go through the services: group enrolment, offline payment pages); receipts printed as one PDF.
"""

from django.contrib import admin, messages
from django.http import Http404, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.models import StaffRole
from members.selectors import user_holds_role_at_root, user_is_staff_of_any_branch

from .. import receipts, selectors, services
from ..models import BenefitRule, Disease, DiseaseList, Enrolment, Payment, Plan, SubsidyRule, Tier


def is_plan_manager(user) -> bool:
    """Plans are the federation's: only a branch admin of the city federation (or a superuser) edits them."""
    if not (user.is_active and user.is_staff):
        return False
    return user.is_superuser or user_holds_role_at_root(user, role=StaffRole.Role.BRANCH_ADMIN)


def has_scope(user, roles=None) -> bool:
    # From the roles members.selectors caches on the request's user: the admin asks many times per page.
    return user_is_staff_of_any_branch(user, roles=roles or selectors.STAFF_ROLES)


class NotFoundForOthersMixin:
    """An object outside the user's queryset answers 404 (a guessed id learns nothing)."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if object_id and self.get_object(request, object_id) is None:
            raise Http404
        return super().change_view(request, object_id, form_url, extra_context)


class PlanManagerAdmin(NotFoundForOthersMixin, admin.ModelAdmin):
    def has_module_permission(self, request):
        return is_plan_manager(request.user) or has_scope(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return is_plan_manager(request.user)

    def has_change_permission(self, request, obj=None):
        return is_plan_manager(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_plan_manager(request.user)


class DiseaseInline(admin.TabularInline):
    model = Disease
    extra = 0


@admin.register(DiseaseList)
class DiseaseListAdmin(PlanManagerAdmin):
    list_display = ["name", "code", "kind"]
    list_filter = ["kind"]
    inlines = [DiseaseInline]


def _plan_of(obj) -> Plan | None:
    if isinstance(obj, Plan):
        return obj
    if isinstance(obj, Tier):
        return obj.plan
    return None


class FrozenWhenEnrolledMixin:
    """A plan (and its tiers and rules) with enrolments is never edited in place."""

    def _frozen(self, obj) -> bool:
        plan = _plan_of(obj)
        return bool(plan and plan.pk and plan.has_enrolments())

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._frozen(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._frozen(obj)


class TierInline(FrozenWhenEnrolledMixin, admin.TabularInline):
    model = Tier
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return is_plan_manager(request.user) and not self._frozen(obj)

    def has_change_permission(self, request, obj=None):
        return is_plan_manager(request.user) and not self._frozen(obj)

    def has_delete_permission(self, request, obj=None):
        return is_plan_manager(request.user) and not self._frozen(obj)

    def has_view_permission(self, request, obj=None):
        return True


class SubsidyInline(TierInline):
    model = SubsidyRule
    show_change_link = False


@admin.register(Plan)
class PlanAdmin(FrozenWhenEnrolledMixin, PlanManagerAdmin):
    list_display = ["name", "year", "code", "enrol_opens", "enrol_closes", "cover_ends", "federation"]
    list_filter = ["year"]
    search_fields = ["name", "code"]
    inlines = [TierInline, SubsidyInline]
    actions = ["copy_to_next_year"]
    autocomplete_fields: list[str] = []

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("federation")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("federation", "paying_branch") and not request.user.is_superuser:
            kwargs["queryset"] = selectors.staff_branches(request.user, ["branch_admin"])
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.action(description=_("复制到下一年度"))
    def copy_to_next_year(self, request, queryset):
        if not is_plan_manager(request.user):
            raise Http404
        for plan in queryset:
            try:
                copy = services.plan_copy_to_year(actor=request.user, plan_id=plan.pk, year=plan.year + 1)
            except services.BenefitsError as e:
                self.message_user(request, f"{plan}: {e.message}", messages.ERROR)
            else:
                self.message_user(request, gettext("已复制为 %(plan)s。") % {"plan": copy}, messages.SUCCESS)


class BenefitRuleInline(FrozenWhenEnrolledMixin, admin.StackedInline):
    model = BenefitRule
    extra = 0

    def has_add_permission(self, request, obj=None):
        return is_plan_manager(request.user) and not self._frozen(obj)

    def has_change_permission(self, request, obj=None):
        return is_plan_manager(request.user) and not self._frozen(obj)

    def has_delete_permission(self, request, obj=None):
        return is_plan_manager(request.user) and not self._frozen(obj)

    def has_view_permission(self, request, obj=None):
        return True


@admin.register(Tier)
class TierAdmin(FrozenWhenEnrolledMixin, PlanManagerAdmin):
    list_display = ["name", "plan", "fee", "yearly_cap"]
    list_filter = ["plan"]
    inlines = [BenefitRuleInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("plan")

    def has_module_permission(self, request):
        return False  # reached from the plan page

    def has_add_permission(self, request):
        return False  # tiers are added on the plan page


@admin.register(SubsidyRule)
class SubsidyRuleAdmin(PlanManagerAdmin):
    list_display = ["plan", "paying_branch", "share", "fixed_amount", "non_public_only"]
    list_filter = ["plan"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("plan", "paying_branch")
        if is_plan_manager(request.user):
            return qs
        return qs.filter(paying_branch__in=selectors.staff_branches(request.user))


class ScopedReadAdmin(NotFoundForOthersMixin, admin.ModelAdmin):
    """Read-only lists of rows whose `branch` is in the user's scope; writes go through the services."""

    scope_roles = selectors.STAFF_ROLES

    def has_module_permission(self, request):
        return has_scope(request.user, self.scope_roles)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(branch__in=selectors.staff_branches(request.user, self.scope_roles))


@admin.register(Enrolment)
class EnrolmentAdmin(ScopedReadAdmin):
    list_display = ["member", "plan", "tier", "branch", "status", "fee", "member_part", "subsidy_part",
                    "cover_start", "cover_end"]
    list_filter = ["plan", "status", "tier__code", "employer_non_public", "is_renewal"]
    search_fields = ["member__name", "member__member_number"]
    list_select_related = ["member", "plan", "tier", "branch"]
    show_full_result_count = False


@admin.register(Payment)
class PaymentAdmin(ScopedReadAdmin):
    list_display = ["number", "payer_name", "branch", "amount", "method", "status", "is_group", "paid_at"]
    list_filter = ["status", "provider", "method", "is_group"]
    search_fields = ["number", "payer_name", "provider_reference"]
    list_select_related = ["branch"]
    actions = ["print_receipts"]

    @admin.action(description=_("打印所选缴费的收据（PDF）"))
    def print_receipts(self, request, queryset):
        loaded = receipts.payments_for_receipts(Payment.objects.filter(pk__in=queryset.values("pk")))
        if not loaded:
            self.message_user(request, gettext("所选记录中没有已支付的缴费。"), messages.WARNING)
            return None
        response = HttpResponse(receipts.receipts_pdf(loaded), content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="receipts.pdf"'
        return response
