"""Awards in place of subsidies (以奖代补): yearly evaluations of base unions, benchmark or single-item.

A branch admin nominates a base union in their scope; staff of a federation above it (not the base union's own
staff) score it and decide. Services write, selectors read; the admin, pages and API call them.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.services import audit_log

from ..models import Award, Branch, StaffRole
from ..selectors import branches_in_scope

AWARD_ROLES = ["branch_admin"]


class AwardError(ApplicationError):
    """An award evaluation that cannot be made, with a message for people."""


def _money(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _may_evaluate(actor, branch: Branch) -> bool:
    """Scoring is for a federation above the base union: its own staff may nominate it, not grade it."""
    if actor.is_superuser:
        return True
    steplen = Branch.steplen
    ancestor_paths = [branch.path[: steplen * d] for d in range(1, branch.depth)]
    return StaffRole.objects.filter(user=actor, role__in=AWARD_ROLES, branch__path__in=ancestor_paths).exists()


def _award_for_update(actor, award_id: int) -> Award:
    # Lock the award: two evaluators deciding at once must not both move it on.
    award = (
        Award.objects.select_for_update()
        .select_related("branch")
        .filter(branch__in=branches_in_scope(actor, roles=AWARD_ROLES), pk=award_id)
        .first()
    )
    if award is None:
        raise AwardError(_("找不到该评定，或您无权处理。"))
    if not _may_evaluate(actor, award.branch):
        raise AwardError(_("评分和决定须由上级工会作出，基层工会不能评定自己。"))
    return award


def award_nominate(*, actor, branch: Branch, year: int, category: str, item: str = "", notes: str = "") -> Award:
    """Nominates a base union in the actor's scope for one year's award of one category."""
    if not branches_in_scope(actor, roles=AWARD_ROLES).filter(pk=branch.pk).exists():
        raise AwardError(_("您无权推荐该工会组织。"))
    if branch.kind != Branch.Kind.BASE:
        raise AwardError(_("以奖代补只评定基层工会。"))
    if category not in Award.Category.values:
        raise AwardError(_("请选择评定类别。"))
    if category == Award.Category.SINGLE_ITEM and not item.strip():
        raise AwardError(_("单项工作奖须写明项目名称。"))
    try:
        with transaction.atomic():
            award = Award.objects.create(
                branch=branch, year=year, category=category, item=item.strip(), notes=notes,
            )
            audit_log(actor=actor, action="members.award.nominated", target=award,
                      data={"year": year, "category": category})
    except IntegrityError:
        raise AwardError(_("该工会本年度已有同类别的评定。")) from None
    return award


def award_evaluate(*, actor, award_id: int, score, subsidy, notes: str | None = None) -> Award:
    """Scores a nominated (or re-scores an evaluated) award and proposes its subsidy."""
    score, subsidy = Decimal(score), _money(subsidy)
    if not Decimal(0) <= score <= Decimal(100):
        raise AwardError(_("评分应在 0 到 100 之间。"))
    if subsidy < 0:
        raise AwardError(_("奖补金额不能为负数。"))
    with transaction.atomic():
        award = _award_for_update(actor, award_id)
        if award.status not in (Award.Status.NOMINATED, Award.Status.EVALUATED):
            raise AwardError(_("该评定已有结果，不能再评分。"))
        award.score, award.subsidy, award.status, award.evaluated_by = score, subsidy, Award.Status.EVALUATED, actor
        if notes is not None:
            award.notes = notes
        award.save()
        audit_log(actor=actor, action="members.award.evaluated", target=award,
                  data={"score": str(score), "subsidy": str(subsidy)})
    return award


def award_decide(*, actor, award_id: int, approve: bool, notes: str | None = None) -> Award:
    """Grants (or rejects) an evaluated award; a rejection may also come before scoring."""
    with transaction.atomic():
        award = _award_for_update(actor, award_id)
        allowed = (Award.Status.EVALUATED,) if approve else (Award.Status.NOMINATED, Award.Status.EVALUATED)
        if award.status not in allowed:
            raise AwardError(_("只有已评分的评定可以授予；已有结果的评定不能再改。") if approve
                             else _("该评定已有结果。"))
        award.status = Award.Status.AWARDED if approve else Award.Status.REJECTED
        award.decided_at = timezone.now()
        if not approve:
            award.subsidy = Decimal("0.00")
        if notes is not None:
            award.notes = notes
        award.save()
        audit_log(actor=actor, action=f"members.award.{award.status}", target=award,
                  data={"subsidy": str(award.subsidy)})
    return award


# --- Selectors ------------------------------------------------------------------------------------------

def awarded_in_year(year: int) -> QuerySet[Award]:
    """The awarded base unions of a year (published: 以奖代补 results are announced)."""
    return Award.objects.filter(year=year, status=Award.Status.AWARDED).select_related("branch").order_by(
        "category", "-score", "branch__name"
    )


def award_year_totals(year: int) -> dict:
    """Number of awards and total subsidy of a year, in one aggregate query."""
    totals = Award.objects.filter(year=year, status=Award.Status.AWARDED).aggregate(
        count=Count("id"), total_subsidy=Sum("subsidy")
    )
    # SQLite's SUM drops the decimal places; every subsidy already has two, so this only restores them.
    return {"count": totals["count"], "total_subsidy": _money(totals["total_subsidy"] or 0)}


def award_years() -> list[int]:
    return list(
        Award.objects.filter(status=Award.Status.AWARDED).order_by("-year").values_list("year", flat=True).distinct()
    )
