"""What the admin's review pages of every kind of application share: the review form and the action it runs, the
level and waiting filters, and a paginator that does not count a federation's whole queue."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import page_errors
from core.money import yuan
from members.selectors import user_is_staff_of_any_branch

from ..models import ReviewState
from ..review.decisions import decision_arguments
from ..review.transitions import ACTION_LABELS

S = ReviewState


class ReviewForm(forms.Form):
    action = forms.ChoiceField()
    version = forms.IntegerField(min_value=0, max_value=2**63 - 1)
    message = forms.CharField(label=_("意见或说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.ChoiceField(label=_("不予补助的原因"), required=False)
    amount = forms.CharField(label=_("核定金额（元）"), required=False)
    # The amount due as the approver saw it on the page: approving confirms that figure, not a later one.
    amount_seen = forms.CharField(required=False)
    # Returning: what is missing, ticked (the service checks them against the claim's own list).
    items = forms.MultipleChoiceField(required=False)

    def __init__(self, *args, actions, reasons, item_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [(a, a) for a in actions]
        self.fields["reason"].choices = [("", "—"), *reasons]
        self.fields["items"].choices = item_choices


class LevelFilter(admin.SimpleListFilter):
    title = _("审核环节")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [("base", _("待基层工会审核")), ("federation", _("待上级工会复核"))]

    def queryset(self, request, queryset):
        states = {"base": [S.BASE_REVIEW], "federation": [S.FEDERATION_REVIEW]}.get(self.value())
        return queryset.filter(state__in=states) if states else queryset


class WaitingFilter(admin.SimpleListFilter):
    title = _("等待时间")
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [("3", _("超过 3 天")), ("7", _("超过 7 天")), ("30", _("超过 30 天"))]

    def queryset(self, request, queryset):
        if self.value() in ("3", "7", "30"):
            return queryset.filter(state_changed_at__lt=timezone.now() - timedelta(days=int(self.value())))
        return queryset


class CappedCountPaginator(Paginator):
    """Counts at most CAP + 1 rows: an exact COUNT(*) of a 500,000-claim queue costs more than the whole
    page. A longer queue shows as 10,001 claims (the first 200 pages); filters narrow it."""

    CAP = 10_000

    @cached_property
    def count(self):
        return self.object_list.order_by()[: self.CAP + 1].count()


class ReviewQueueAdmin(admin.ModelAdmin):
    """The review queue of one kind of application: reviewers of a subtree see it (superusers all), oldest first;
    nothing is added, edited or deleted here (applications are never deleted, only withdrawn): every action goes
    through the kind's services from its review page (`change_view`)."""

    reviewer_roles: list[str] = []
    ordering = ["state_changed_at", "id"]
    show_full_result_count = False
    list_per_page = 50
    paginator = CappedCountPaginator

    class Media:
        css = {"all": ["benefits/admin.css"]}

    def has_module_permission(self, request):
        return user_is_staff_of_any_branch(request.user, roles=self.reviewer_roles)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("会员"), ordering="member__name")
    def member_name(self, obj):
        return obj.member.name

    @admin.display(description=_("金额"))
    def amount_shown(self, obj):
        return yuan(obj.amount_due)

    def waiting_days(self, obj) -> str:
        return gettext("%(days)s 天") % {"days": (timezone.now() - obj.state_changed_at).days}


def review_post(model_admin, request, *, form, actions: dict, ids: dict):
    """Runs the review action posted in `form` (`actions[action](actor=, version=, **ids, ...)`, e.g. claims'
    `REVIEW_ACTIONS` with ids {"claim_id": pk}); a redirect to the page when it is done, None to show the page
    again with the error."""
    if not form.is_valid():
        model_admin.message_user(request, gettext("提交的内容有误，请重试。"), messages.ERROR)
        return None
    values = form.cleaned_data
    action = values["action"]
    kwargs = {"actor": request.user, "version": values["version"], **ids, **decision_arguments(
        action, message=values["message"], reason=values["reason"], items=values["items"],
        amount=values["amount_seen"] if action == "approve" else values["amount"])}
    with page_errors(request):
        actions[action](**kwargs)
        done = gettext("已处理：%(action)s。") % {"action": ACTION_LABELS[action]}
        model_admin.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(request.path)
    return None
