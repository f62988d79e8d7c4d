"""Who may act on an application: the review levels a role gives on its branch, the four-eyes and
conflict-of-interest rules, and the locked read every reviewer's action starts from. One rule for the admin,
the pages and the API."""

from __future__ import annotations

from django.utils.translation import gettext as _

from members.models import Branch, StaffRole
from members.selectors import branches_in_scope

from ..models import ReviewState
from .kinds import ReviewKind
from .transitions import TRANSITIONS, ReviewError, ensure_from

S = ReviewState
REVIEW_ACTION_NAMES = ("pass", "approve", "return", "reject", "adjust")
PAYOUT_ACTIONS = ("batch", "pay", "payout_failed")


def _ancestry(path: str) -> list[str]:
    return [path[:end] for end in range(Branch.steplen, len(path) + 1, Branch.steplen)]


def reviewer_levels(kind: ReviewKind, user, application) -> set[str]:
    """The levels at which `user` reviews `application`: "base" for a reviewer role on its branch or an ancestor
    below the federation, "federation" for one on the federation or above it. Superusers both."""
    if user.is_superuser:
        return {"base", "federation"}
    ancestry = _ancestry(application.branch.path)
    federation = kind.federation(application)
    federation_path = federation.path if federation is not None else application.branch.path[:Branch.steplen]
    levels = set()
    for path in StaffRole.objects.filter(user=user, role=kind.reviewer_role).values_list("branch__path", flat=True):
        if federation_path.startswith(path):
            levels.add("federation")
        elif path in ancestry:
            levels.add("base")
    return levels


def is_federation_reviewer(kind: ReviewKind, user, application) -> bool:
    """Whether `user` reviews at the application's federation: a reviewer role on the federation or above it."""
    if user.is_superuser:
        return True
    federation = kind.federation(application)
    roles = StaffRole.objects.filter(user=user, role=kind.reviewer_role)
    if federation is None:
        return roles.filter(branch__depth=1).exists()
    return roles.filter(branch__path__in=_ancestry(federation.path)).exists()


def last_adjuster_id(kind: ReviewKind, application) -> int | None:
    """Who set the amount now on the application: the last adjustment since it was last submitted (a
    resubmission clears the amount, so an adjustment of an earlier round no longer binds anyone), or None."""
    event = (kind.event_model.objects.filter(**{kind.event_fk: application}, action__in=("submit", "adjust"))
             .order_by("-at", "-id").values("action", "actor_id").first())
    return event["actor_id"] if event and event["action"] == "adjust" else None


def action_refusal(kind: ReviewKind, user, application, action: str, *, levels: set[str] | None = None) -> str | None:
    """Why `user` may not take review or payout `action` on `application` now, in words for them; None if they
    may.

    - No one acts on an application they filed (a reviewer or finance officer who is also the applicant).
    - A reviewer acts only at the level their role holds on the application's branch: base review (pass, return,
      reject, adjust) at base level; federation review (approve, return, reject, adjust) at federation level.
    - Four eyes: the base decision and the federation decision are two people's, and whoever adjusted an amount
      is not the one who approves it, nor is whoever lifted a check of the kind (`approver_conflict`).
    The state is checked by the transition itself (`ensure_from`)."""
    if application.member.user_id is not None and application.member.user_id == user.pk:
        return _("这是您本人的申请，不能由您审核或发放，须由其他工作人员办理。")
    if action in PAYOUT_ACTIONS:
        return None
    levels = reviewer_levels(kind, user, application) if levels is None else levels
    if application.state == S.BASE_REVIEW and "base" not in levels:
        return _("该申请处于基层工会审核环节，需由基层工会审核员处理。")
    if application.state == S.FEDERATION_REVIEW:
        if "federation" not in levels:
            return _("该申请处于上级工会复核环节，需由上级工会审核员处理。")
        if action in ("approve", "reject") and application.base_decided_by_id == user.pk:
            return _("同一人不能同时做出基层审核和上级复核两级决定。")
        if action == "approve" and last_adjuster_id(kind, application) == user.pk:
            return _("核定金额是您调整的，须由另一位上级工会审核员核准。")
        if action == "approve":
            return kind.approver_conflict(user, application)
    return None


def actions_allowed(kind: ReviewKind, user, application) -> list[str]:
    """The review actions `user` may take on `application` in its present state (what the admin and API offer)."""
    possible = [a for a in REVIEW_ACTION_NAMES if application.state in TRANSITIONS[a][0]]
    if not possible:
        return []
    levels = reviewer_levels(kind, user, application)
    return [a for a in possible if action_refusal(kind, user, application, a, levels=levels) is None]


def ensure_allowed(kind: ReviewKind, actor, application, action: str) -> None:
    ensure_from(application, action)
    refusal = action_refusal(kind, actor, application, action)
    if refusal is not None:
        raise ReviewError(refusal, code="forbidden")


def for_review(kind: ReviewKind, actor, application_id: int):
    """The application, locked, if it is in `actor`'s review scope; else "not found" (an id outside the scope
    is not told apart from one that does not exist)."""
    application = (
        kind.model.objects.select_for_update(of=("self",))
        .select_related(*kind.review_related)
        .filter(pk=application_id, branch__in=branches_in_scope(actor, roles=[kind.reviewer_role]))
        .order_by()
        .first()
    )
    if application is None:
        raise ReviewError(_("找不到该申请。"), code="not_found")
    return application
