"""Reads of the hardship register: who sees which family (scope by the member's branch), a family's page in a
fixed number of queries, the anonymised notice list, care visits due, and the statistics."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Branch, Member, StaffRole
from members.organisation.personal_data import mask_id_number, sees_personal_data
from members.selectors import branch_ancestors, branches_in_scope

from ..models import (
    CareVisit,
    HardshipCause,
    HardshipDocument,
    HardshipEvent,
    HardshipFamily,
    HardshipLevel,
    HardshipObjection,
    HardshipStandard,
    HomeVisit,
)

# The roles that work the register: a branch's admins and its hardship officers, over the branch's subtree.
HARDSHIP_ROLES = [StaffRole.Role.BRANCH_ADMIN, StaffRole.Role.HARDSHIP_OFFICER]
S = HardshipFamily.Status
CARE_DUE_DAYS = 14
# The events whose message a member reads on their own page: dates and the reason they left.
MEMBER_EVENT_MESSAGES = {"home_visit", "notice_started", "care_visit", "left"}
EVENT_LABELS = {
    "filed": _("已登记"),
    "home_visit": _("入户走访"),
    "notice_started": _("开始公示"),
    "objection": _("收到公示异议"),
    "objection_resolved": _("异议已处理"),
    "confirmed": _("确认建档"),
    "rechecked": _("年度复核"),
    "care_visit": _("帮扶走访"),
    "left": _("退出档案库"),
}  # the staff's "care visits due" list looks this far ahead


def hardship_branches(user) -> QuerySet[Branch]:
    return branches_in_scope(user, roles=HARDSHIP_ROLES)


def families_in_scope(user) -> QuerySet[HardshipFamily]:
    """Families whose member belongs to a branch in the user's hardship scope (none for anyone else)."""
    return HardshipFamily.objects.filter(member__branch__in=hardship_branches(user))


def members_in_scope(user) -> QuerySet[Member]:
    return Member.objects.filter(branch__in=hardship_branches(user))


def family_for_staff(user, family_id: int) -> HardshipFamily | None:
    return families_in_scope(user).select_related("member__branch", "member__user", "filed_by", "confirmed_by") \
        .filter(pk=family_id).first()


def family_of_user(user) -> HardshipFamily | None:
    """The member's own family: the one on the register or being verified, else the last one that left."""
    if not getattr(user, "is_authenticated", False):
        return None
    mine = HardshipFamily.objects.filter(member__user=user).select_related("member__branch")
    return mine.exclude(status=S.LEFT).first() or mine.order_by("-filed_at", "-id").first()


def family_number() -> str:
    return f"KN{timezone.localdate():%Y%m%d}{uuid.uuid4().hex[:6].upper()}"


def standard_for(branch: Branch, *, year: int) -> HardshipStandard | None:
    """The minimum living standard of the district the branch belongs to (its nearest district ancestor, or the
    branch itself), for the year; one query for the ancestors, one for the standard."""
    candidates = [branch, *branch_ancestors(branch)]
    districts = [b.pk for b in candidates if b.kind == Branch.Kind.DISTRICT]
    if not districts:
        districts = [b.pk for b in candidates]
    standards = {s.district_id: s for s in HardshipStandard.objects.filter(district_id__in=districts, year=year)}
    # the nearest first: the branch, then its ancestors from the deepest
    for branch_id in [b.pk for b in sorted(candidates, key=lambda b: -b.depth)]:
        if branch_id in standards:
            return standards[branch_id]
    return None


def notice_name(name: str) -> str:
    """A name as the public notice shows it: 张*明, 李*, first and last character kept (no ID number ever)."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# --- lists ---------------------------------------------------------------------------------------------------


def family_list(user, *, status: str = "", level: str = "", cause: str = "", branch_id: int | None = None,
                recheck_due: bool = False, query: str = "") -> QuerySet[HardshipFamily]:
    rows = families_in_scope(user).select_related("member__branch")
    if status in S.values:
        rows = rows.filter(status=status)
    elif not status:
        rows = rows.exclude(status=S.LEFT)
    if level in HardshipLevel.values:
        rows = rows.filter(level=level)
    if cause in HardshipCause.values:
        rows = rows.filter(cause=cause)
    if branch_id:
        branch = Branch.objects.filter(pk=branch_id).first()
        rows = rows.filter(member__branch__path__startswith=branch.path) if branch else rows.none()
    if recheck_due:
        rows = rows.filter(status=S.CONFIRMED, recheck_due__lte=timezone.localdate() + timedelta(days=30))
    if query:
        rows = rows.filter(Q(member__name__contains=query) | Q(number__iexact=query)
                           | Q(member__member_number=query))
    return rows.order_by("-status_changed_at", "-id")


@dataclass
class NoticeRow:
    family_id: int
    number: str
    name: str
    branch: str
    cause: str
    household_size: int
    per_capita_income: object
    starts_on: date
    ends_on: date
    objections: int


def notices_in_scope(user) -> list[NoticeRow]:
    """The families under public notice in the user's scope, anonymised: name masked, no ID number, no address."""
    rows = (
        families_in_scope(user).filter(status=S.NOTICE).select_related("member__branch")
        .annotate(objection_count=Count("objections")).order_by("notice_ends_on", "id")
    )
    return [NoticeRow(family_id=f.pk, number=f.number, name=notice_name(f.member.name), branch=f.member.branch.name,
                      cause=f.get_cause_display(), household_size=f.household_size,
                      per_capita_income=f.per_capita_income, starts_on=f.notice_starts_on, ends_on=f.notice_ends_on,
                      objections=f.objection_count)
            for f in rows]


def care_visits_due(user, *, today: date | None = None) -> QuerySet[CareVisit]:
    today = today or timezone.localdate()
    return (
        CareVisit.objects.filter(family__in=families_in_scope(user), done_on__isnull=True,
                                 family__status=S.CONFIRMED, due_on__lte=today + timedelta(days=CARE_DUE_DAYS))
        .select_related("family__member__branch").order_by("due_on", "id")
    )


# --- one family ----------------------------------------------------------------------------------------------


@dataclass
class FamilyPage:
    family: HardshipFamily
    household: list
    documents: list
    home_visits: list
    objections: list
    events: list
    care_visits: list
    id_number: str = ""
    full_data: bool = False
    open_objections: int = 0
    extra: dict = field(default_factory=dict)


def family_page(family: HardshipFamily, *, viewer, for_staff: bool) -> FamilyPage:
    """Everything a family's page shows, in a fixed number of queries whatever the family holds."""
    documents = list(family.documents.filter(removed_at__isnull=True).order_by("uploaded_at", "id"))
    photos: dict[int, list[HardshipDocument]] = {}
    for document in documents:
        if document.visit_id:
            photos.setdefault(document.visit_id, []).append(document)
    visits = list(HomeVisit.objects.filter(family=family).select_related("visitor").order_by("visited_on", "id"))
    for visit in visits:
        visit.photo_list = photos.get(visit.pk, [])
    objections = list(HardshipObjection.objects.filter(family=family).select_related("recorded_by", "resolved_by"))
    page = FamilyPage(
        family=family,
        household=list(family.household.all()),
        documents=[d for d in documents if not d.visit_id],
        home_visits=visits,
        objections=objections if for_staff else [],
        events=list(HardshipEvent.objects.filter(family=family).select_related("actor").order_by("at", "id")),
        care_visits=list(CareVisit.objects.filter(family=family).select_related("visitor").order_by("due_on", "id")),
        open_objections=sum(1 for o in objections if o.resolved_at is None),
    )
    for event in page.events:
        event.label = EVENT_LABELS.get(event.action, event.action)
        if not for_staff and event.action not in MEMBER_EVENT_MESSAGES:
            event.message = ""  # what staff wrote (a re-check's notes, an objection's answer) stays theirs
    if for_staff:
        page.full_data = sees_personal_data(viewer, family.member)
        page.id_number = family.member.id_number if page.full_data else mask_id_number(family.member.id_number)
    return page


def document_for(user, token) -> HardshipDocument | None:
    """The document, if `user` is its family's member (not removed) or staff with a hardship role over the
    member's branch; asked every time a document is opened."""
    if not getattr(user, "is_authenticated", False):
        return None
    document = HardshipDocument.objects.select_related("family__member").filter(token=token).first()
    if document is None:
        return None
    if document.family.member.user_id == user.pk:
        return document if document.removed_at is None else None
    if hardship_branches(user).filter(pk=document.family.member.branch_id).exists():
        return document
    return None


# --- statistics ----------------------------------------------------------------------------------------------


@dataclass
class Statistics:
    levels: list  # [(value, label)]
    causes: list
    rows: list  # per branch: {"branch": name, "levels": [n...], "causes": [n...], "total": n, "in_progress": n}
    totals: dict


def statistics(user) -> Statistics:
    """Families on the register (confirmed) by level, cause and branch in the user's scope, and how many are
    being verified; one grouped query."""
    grouped = (
        families_in_scope(user).exclude(status=S.LEFT)
        .values("member__branch_id", "member__branch__name", "member__branch__path", "status", "level", "cause")
        .annotate(n=Count("id")).order_by("member__branch__path")
    )
    levels, causes = list(HardshipLevel.choices), list(HardshipCause.choices)
    by_branch: dict[int, dict] = {}
    for row in grouped:
        entry = by_branch.setdefault(row["member__branch_id"], {
            "branch": row["member__branch__name"], "path": row["member__branch__path"],
            "level": Counter(), "cause": Counter(), "total": 0, "in_progress": 0,
        })
        if row["status"] == S.CONFIRMED:
            entry["level"][row["level"]] += row["n"]
            entry["cause"][row["cause"]] += row["n"]
            entry["total"] += row["n"]
        else:
            entry["in_progress"] += row["n"]
    rows = []
    totals = {"levels": [0] * len(levels), "causes": [0] * len(causes), "total": 0, "in_progress": 0}
    for entry in sorted(by_branch.values(), key=lambda e: e["path"]):
        row = {"branch": entry["branch"], "levels": [entry["level"][v] for v, _ in levels],
               "causes": [entry["cause"][v] for v, _ in causes], "total": entry["total"],
               "in_progress": entry["in_progress"]}
        rows.append(row)
        totals["levels"] = [a + b for a, b in zip(totals["levels"], row["levels"], strict=True)]
        totals["causes"] = [a + b for a, b in zip(totals["causes"], row["causes"], strict=True)]
        totals["total"] += row["total"]
        totals["in_progress"] += row["in_progress"]
    return Statistics(levels=levels, causes=causes, rows=rows, totals=totals)


__all__ = [
    "HARDSHIP_ROLES",
    "FamilyPage",
    "NoticeRow",
    "Statistics",
    "care_visits_due",
    "document_for",
    "families_in_scope",
    "family_for_staff",
    "family_list",
    "family_of_user",
    "family_page",
    "notice_name",
    "notices_in_scope",
    "statistics",
]
