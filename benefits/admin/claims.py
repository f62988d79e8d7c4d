"""Claims review and payouts in the admin, scoped by `branches_in_scope` like every staff door.

- Claims: claims reviewers see the claims of their subtrees (superusers all); the list is the review queue
  with filters (level, state, kind, branch, waiting time, flagged); claims waiting longer than the plan's
  service time are highlighted. The claim page shows the facts, the documents inline (through the private
  document view), the breakdown, the flags and the whole history, with the actions allowed at its level.
  Nothing is added, edited or deleted directly: every action calls `benefits.claims.services`.
"""


from django.contrib import admin
from django.http import Http404
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.selectors import branches_in_scope

from ..claims import selectors, services
from ..models import Claim, DocumentKind, RejectReason
from .review import LevelFilter, ReviewForm, ReviewQueueAdmin, WaitingFilter, review_post

S = Claim.State


class BranchFilter(admin.SimpleListFilter):
    title = _("基层工会")
    parameter_name = "branch"

    def lookups(self, request, model_admin):
        scope = branches_in_scope(request.user, roles=selectors.REVIEWER_ROLES).filter(kind="base")
        return list(scope.order_by("path").values_list("pk", "name")[:200])

    def queryset(self, request, queryset):
        return queryset.filter(branch_id=self.value()) if self.value() else queryset


class FlaggedFilter(admin.SimpleListFilter):
    title = _("系统提示")
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [("yes", _("有提示（不符合条件或疑似重复）")), ("no", _("无提示"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(flags=[])
        if self.value() == "no":
            return queryset.filter(flags=[])
        return queryset


@admin.register(Claim)
class ClaimAdmin(ReviewQueueAdmin):
    reviewer_roles = selectors.REVIEWER_ROLES
    list_display = ["number", "member_name", "kind", "state", "branch", "amount_shown", "waiting", "flagged"]
    list_filter = [LevelFilter, "state", "kind", BranchFilter, WaitingFilter, FlaggedFilter]
    search_fields = ["number", "member__name", "stay__number"]
    list_select_related = ["member", "branch", "enrolment__plan"]

    def get_queryset(self, request):
        return selectors.claims_in_review_scope(request.user).select_related("member", "branch", "enrolment__plan")

    @admin.display(description=_("已等待"), ordering="state_changed_at")
    def waiting(self, obj):
        text = self.waiting_days(obj)
        if selectors.claim_is_overdue(obj):
            return format_html('<strong class="errornote" title="{}">{}</strong>', gettext("超过审核时限"), text)
        return text

    @admin.display(description=_("系统提示"))
    def flagged(self, obj):
        """Green "无" for a clean claim; red, with the reasons, for a flagged one (read from the row itself: no
        query per row)."""
        if not obj.flags:
            return format_html('<span class="claim-flag-clean">✓ {}</span>', gettext("无"))
        reasons = [str(flag.get("message", "")) for flag in obj.flags if isinstance(flag, dict)]
        return format_html('<span class="claim-flag-warn" title="{}">⚠ {}</span>', "；".join(reasons),
                           gettext("%(count)s 项：%(reasons)s") % {"count": len(reasons),
                                                                   "reasons": "；".join(reasons)})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        claim = self.get_queryset(request).filter(pk=object_id).select_related("enrolment__tier").first()
        if claim is None:
            raise Http404
        form = ReviewForm(request.POST or None, actions=services.REVIEW_ACTIONS, reasons=RejectReason.choices,
                          item_choices=services.return_item_choices(claim))
        if request.method == "POST":
            done = review_post(self, request, form=form, actions=services.REVIEW_ACTIONS,
                               ids={"claim_id": claim.pk})
            if done is not None:
                return done
        allowed = services.claim_actions_allowed(request.user, claim)
        timeline = selectors.claim_timeline(claim)
        # Why nothing is offered, when the claim waits for a decision: the reviewer reads the reason, not a page
        # without buttons.
        refusal = None
        if not allowed and claim.state in (S.BASE_REVIEW, S.FEDERATION_REVIEW):
            refusal = services.claim_action_refusal(request.user, claim, "return")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts, "title": gettext("补助申请 %(number)s") % {"number": claim.number},
            "claim": claim, "overdue": selectors.claim_is_overdue(claim),
            "facts": services.fact_rows(claim),
            "documents": selectors.claim_documents(claim),
            "timeline": services.timeline_rows(timeline),
            "bank_changes": services.claim_bank_changes(timeline),
            "year_claims": selectors.year_claims(claim), "year_limits": selectors.year_limits(claim),
            "can_act": bool(allowed), "allowed": allowed, "refusal": refusal,
            "form": ReviewForm(actions=services.REVIEW_ACTIONS, reasons=RejectReason.choices,
                               initial={"version": claim.version}),
            "reasons": RejectReason.choices, "document_kinds": dict(DocumentKind.choices),
            "has_letter": claim.state in ("approved", "paid", "rejected"),
            "return_choices": services.return_item_choices(claim),
        }
        return render(request, "admin/benefits/claim/review.html", context)
