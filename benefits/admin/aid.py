"""Education aid in the admin: campaigns (the federation's plan data, edited by plan managers) and the review
queue of applications, scoped by `branches_in_scope` like every staff door. The application page shows the child,
school, ground and any aid declared from elsewhere, the documents, the history and the actions allowed at the
reviewer's level; every action calls `benefits.aid.services` (and so `benefits.review`)."""

from django.contrib import admin
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.id_numbers import mask_id_number

from ..aid import selectors, services
from ..models import AidCampaign, AidRejectReason, EducationAidApplication
from ..review import decisions
from ..review.transitions import timeline_rows
from .plans import PlanManagerAdmin
from .review import LevelFilter, ReviewForm, ReviewQueueAdmin, WaitingFilter, review_post

S = EducationAidApplication.State


@admin.register(AidCampaign)
class AidCampaignAdmin(PlanManagerAdmin):
    list_display = ["name", "year", "federation", "opens_on", "closes_on", "review_service_days"]
    list_filter = ["year"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("federation")

    def get_readonly_fields(self, request, obj=None):
        # Applications were filed under this year and federation: they stay the campaign's.
        if obj is not None and obj.applications.exists():
            return ["federation", "year"]
        return []


@admin.register(EducationAidApplication)
class EducationAidApplicationAdmin(ReviewQueueAdmin):
    reviewer_roles = selectors.REVIEWER_ROLES
    list_display = ["number", "member_name", "child_name", "stage", "state", "branch", "amount_shown", "waiting",
                    "other_aid_declared"]
    list_filter = [LevelFilter, "state", "stage", "year", "basis", WaitingFilter, "other_aid_declared"]
    search_fields = ["number", "member__name", "child_name"]

    def get_queryset(self, request):
        return selectors.applications_in_review_scope(request.user).select_related("member", "branch", "campaign")

    @admin.display(description=_("已等待"), ordering="state_changed_at")
    def waiting(self, obj):
        return self.waiting_days(obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        application = (self.get_queryset(request).filter(pk=object_id)
                       .select_related("campaign__federation", "member__user", "other_aid_override_by").first())
        if application is None:
            raise Http404
        choices = decisions.return_choices(services.AID_REVIEW, application)
        form = ReviewForm(request.POST or None, actions=services.REVIEW_ACTIONS, reasons=AidRejectReason.choices,
                          item_choices=choices)
        if request.method == "POST":
            done = review_post(self, request, form=form, actions=services.REVIEW_ACTIONS,
                               ids={"application_id": application.pk})
            if done is not None:
                return done
        allowed = services.aid_actions_allowed(request.user, application)
        refusal = None
        if not allowed and application.state in (S.BASE_REVIEW, S.FEDERATION_REVIEW):
            refusal = services.access.action_refusal(services.AID_REVIEW, request.user, application, "return")
        others = list(selectors.child_applications_this_year(
            year=application.year, child_id_number=application.child_id_number, exclude_id=application.pk)
            .select_related("member"))
        return render(request, "admin/benefits/educationaidapplication/review.html", {
            **self.admin_site.each_context(request),
            "opts": self.opts, "title": gettext("助学申请 %(number)s") % {"number": application.number},
            "application": application, "child_id": mask_id_number(application.child_id_number),
            "standard": application.campaign.amount_for(application.stage),
            "documents": selectors.application_documents(application),
            "checklist": selectors.document_checklist(application),
            "timeline": timeline_rows(selectors.application_timeline(application)),
            "other_applications": others,
            "can_act": bool(allowed), "allowed": allowed, "refusal": refusal,
            "form": ReviewForm(actions=services.REVIEW_ACTIONS, reasons=AidRejectReason.choices,
                               initial={"version": application.version}),
            "reasons": AidRejectReason.choices, "return_choices": choices,
            "has_letter": application.state in (S.APPROVED, S.PAID, S.REJECTED),
            "reject_label": _("不予资助的原因"), "reject_button": _("不予资助"),
        })
