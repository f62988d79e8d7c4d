"""Writes of the hardship register and its care visits: one function per action, keyword-only, one transaction each.

Who may act: the member on their own family (filing, household, documents, leaving); branch staff holding a
hardship role over the member's branch (`selectors.HARDSHIP_ROLES`) on every family in their scope, never on their
own (conflict of interest). The rules of the register:

- one family that has not left per member (database constraint; a second filing is refused with a message);
- income >= 0, household size 1..20, per-capita income computed here (Decimal, two places, half up);
- confirmed only after a home visit and a public notice whose last day has passed, every objection answered;
- a confirmed family is re-checked yearly (`recheck_due`), reminded by beat; it leaves with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError
from core.services import audit_log
from members.models import Branch, Member, StaffRole
from members.notifications.services import notifications_send_many, recipient_text
from members.selectors import branch_admins_for

from ..models import (
    HOUSEHOLD_MAX,
    CareVisit,
    HardshipCause,
    HardshipDocument,
    HardshipEvent,
    HardshipFamily,
    HardshipLevel,
    HardshipObjection,
    HomeVisit,
    HouseholdMember,
)
from ..review import documents
from ..review.documents import MAX_DOCUMENT_BYTES, DocumentsAdded, documents_batch
from ..services import BenefitsError
from . import selectors

S = HardshipFamily.Status
CENT = Decimal("0.01")
INCOME_MAX = Decimal("9999999.99")
DOCUMENTS_MAX = 40
RECHECK_REMIND_DAYS = 30  # a re-check due within this many days is announced to staff and member
CARE_REMIND_DAYS = 3  # a care visit due within this many days is announced to the branch staff
DEFAULT_NOTICE_DAYS = 5  # when the district has no standard for the year

__all__ = ["MAX_DOCUMENT_BYTES", "HardshipError"]


class HardshipError(BenefitsError):
    """A rule of the hardship register said no, with a message for people."""


def _now():
    return timezone.now()


def _today() -> date:
    return timezone.localdate()


def _next_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _event(family: HardshipFamily, *, actor, action: str, from_status: str = "", message: str = "") -> None:
    HardshipEvent.objects.create(family=family, action=action, actor=actor if getattr(actor, "pk", None) else None,
                                 from_status=from_status, to_status=family.status, message=message)


# --- figures -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Income:
    monthly_income: Decimal
    household_size: int
    per_capita_income: Decimal


def income_check(*, monthly_income, household_size) -> Income:
    """The family's figures, checked: income a sum of yuan >= 0, household 1..20 people; per-capita income
    computed from them. Raises HardshipError naming the field at fault."""
    try:
        income = Decimal(str(monthly_income)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise HardshipError(_("家庭月收入应为金额（元）。"), field="monthly_income") from exc
    if not income.is_finite() or income < 0:
        raise HardshipError(_("家庭月收入不能为负数。"), field="monthly_income")
    if income > INCOME_MAX:
        raise HardshipError(_("家庭月收入超出可登记的范围，请核对。"), field="monthly_income")
    try:
        size = int(household_size)
    except (ValueError, TypeError) as exc:
        raise HardshipError(_("家庭人口应为整数。"), field="household_size") from exc
    if not 1 <= size <= HOUSEHOLD_MAX:
        raise HardshipError(_("家庭人口应在 1 到 %(max)s 人之间（含本人）。") % {"max": HOUSEHOLD_MAX},
                            field="household_size")
    per_capita = (income / size).quantize(CENT, rounding=ROUND_HALF_UP)
    return Income(monthly_income=income, household_size=size, per_capita_income=per_capita)


def _filed_facts(*, cause: str, monthly_income, household_size, situation: str) -> tuple[Income, str]:
    """What a filing (or its correction) says, checked: a cause, the figures, a note of at most 2000 characters."""
    if cause not in HardshipCause.values:
        raise HardshipError(_("请选择致困原因。"), field="cause")
    figures = income_check(monthly_income=monthly_income, household_size=household_size)
    situation = (situation or "").strip()
    if len(situation) > 2000:
        raise HardshipError(_("家庭情况说明不能超过 2000 字。"), field="situation")
    return figures, situation


def _ensure_household_fits(family: HardshipFamily, size: int) -> None:
    """The household size counts the member and every person listed: it cannot fall below them."""
    listed = family.household.count()
    if listed + 1 > size:
        raise HardshipError(
            _("已登记 %(listed)s 名其他家庭成员，家庭人口不能少于 %(least)s 人。")
            % {"listed": listed, "least": listed + 1},
            field="household_size",
        )


# --- who may act ---------------------------------------------------------------------------------------------


def _ensure_not_own(actor, family: HardshipFamily) -> None:
    if family.member.user_id is not None and family.member.user_id == getattr(actor, "pk", None):
        raise HardshipError(
            _("这是您本人的困难职工档案：为避免利益冲突，请由本工会的其他工作人员办理。"), code="forbidden"
        )


def _staff_family_for_update(actor, family_id: int) -> HardshipFamily:
    """The family locked for a staff action, if it is in the actor's scope and not the actor's own."""
    family = (
        selectors.families_in_scope(actor).select_for_update(of=("self",)).select_related("member__branch")
        .filter(pk=family_id).first()
    )
    if family is None:
        raise HardshipError(_("找不到该困难职工档案，或您无权办理。"), code="not_found")
    _ensure_not_own(actor, family)
    return family


def _family_for_update(actor, family_id: int) -> tuple[HardshipFamily, bool]:
    """The family locked for an action its member or staff in scope may take; (family, actor is the owner)."""
    family = (
        HardshipFamily.objects.select_for_update(of=("self",)).select_related("member__branch")
        .filter(pk=family_id).first()
    )
    if family is not None and family.member.user_id is not None and family.member.user_id == actor.pk:
        return family, True
    if family is None or not selectors.families_in_scope(actor).filter(pk=family_id).exists():
        raise HardshipError(_("找不到该困难职工档案，或您无权办理。"), code="not_found")
    return family, False


def _ensure_active(family: HardshipFamily) -> None:
    if family.status == S.LEFT:
        raise HardshipError(_("该档案已退出困难职工档案库，不能再修改。"), code="conflict")


def _staff_of(branch: Branch) -> list:
    """Who hears about a family: the hardship officers nearest the member's branch, else its branch admins."""
    return (branch_admins_for(branch, role=StaffRole.Role.HARDSHIP_OFFICER)
            or branch_admins_for(branch, role=StaffRole.Role.BRANCH_ADMIN))


def _staff_url(family: HardshipFamily) -> str:
    return f"/benefits/hardship/staff/{family.pk}/"


MEMBER_URL = "/benefits/hardship/"


# --- filing --------------------------------------------------------------------------------------------------


def family_file(*, actor, member_id: int, cause: str, monthly_income, household_size, situation: str = "",
                ) -> HardshipFamily:
    """Puts a member's family on the register, waiting for a home visit. The member files for themselves; staff
    with a hardship role over the member's branch file for them."""
    figures, situation = _filed_facts(cause=cause, monthly_income=monthly_income, household_size=household_size,
                                      situation=situation)
    with transaction.atomic():
        member = Member.objects.select_related("branch").filter(pk=member_id).first()
        own = member is not None and member.user_id is not None and member.user_id == getattr(actor, "pk", None)
        if member is None or not (own or selectors.members_in_scope(actor).filter(pk=member_id).exists()):
            raise HardshipError(_("找不到该会员，或您无权为其登记。"), code="not_found", field="member")
        if member.status != Member.Status.ACTIVE:
            raise HardshipError(_("只有在册会员的家庭可以登记困难职工档案。"), field="member")
        if HardshipFamily.objects.filter(member=member).exclude(status=S.LEFT).exists():
            raise HardshipError(_("该会员已有一份在办或在册的困难职工档案，不能重复登记。"), code="conflict")
        standard = selectors.standard_for(member.branch, year=_today().year)
        family = HardshipFamily(
            number=selectors.family_number(), member=member, cause=cause, situation=situation,
            monthly_income=figures.monthly_income, household_size=figures.household_size,
            per_capita_income=figures.per_capita_income,
            minimum_living=standard.minimum_living if standard else None, filed_by=actor,
        )
        try:
            # A savepoint: two filings at once for one member meet the partial unique constraint; the second
            # gets the message instead of an error page.
            with transaction.atomic():
                family.save()
        except IntegrityError as exc:
            raise HardshipError(_("该会员已有一份在办或在册的困难职工档案，不能重复登记。"), code="conflict") from exc
        _event(family, actor=actor, action="filed")
        audit_log(actor=actor, action="benefits.hardship.filed", target=family,
                  data={"member": member.pk, "by_member": own})
        title = recipient_text(gettext_lazy("新的困难职工档案 %(number)s 待入户走访"), number=family.number)
        notifications_send_many(messages=[
            (user, "benefits.hardship.filed", title, "", _staff_url(family)) for user in _staff_of(member.branch)
            if user.pk != getattr(actor, "pk", None)
        ])
    return family


def family_update(*, actor, family_id: int, cause: str, monthly_income, household_size, situation: str = "",
                  ) -> HardshipFamily:
    """Corrects what was filed (cause, income, household size, note) before the notice starts: the member for
    their own family, staff in scope for any other. Later changes are the yearly re-check's."""
    figures, situation = _filed_facts(cause=cause, monthly_income=monthly_income, household_size=household_size,
                                      situation=situation)
    with transaction.atomic():
        family, own = _family_for_update(actor, family_id)
        _ensure_active(family)
        if not own:
            _ensure_not_own(actor, family)
        if family.status not in (S.FILED, S.VISITED):
            raise HardshipError(_("公示开始后不能再修改家庭情况；有变化请联系工会在年度复核时更新。"), code="conflict")
        _ensure_household_fits(family, figures.household_size)
        before = {"cause": family.cause, "monthly_income": str(family.monthly_income),
                  "household_size": family.household_size}
        family.cause, family.situation = cause, situation
        family.monthly_income, family.household_size = figures.monthly_income, figures.household_size
        family.per_capita_income = figures.per_capita_income
        family.save(update_fields=["cause", "situation", "monthly_income", "household_size", "per_capita_income"])
        audit_log(actor=actor, action="benefits.hardship.updated", target=family,
                  data={"before": before, "monthly_income": str(family.monthly_income),
                        "household_size": family.household_size, "by_member": own})
    return family


def household_member_add(*, actor, family_id: int, name: str, relation: str, age, health: str = "",
                         schooling: str = HouseholdMember.Schooling.NONE) -> HouseholdMember:
    """Adds a person to the household; the household cannot hold more people than the family's size says."""
    name, relation, health = (name or "").strip(), (relation or "").strip(), (health or "").strip()
    if not name:
        raise HardshipError(_("请填写家庭成员姓名。"), field="name")
    if not relation:
        raise HardshipError(_("请填写与本人关系。"), field="relation")
    try:
        age = int(age)
    except (TypeError, ValueError) as exc:
        raise HardshipError(_("年龄应为整数。"), field="age") from exc
    if not 0 <= age <= 130:
        raise HardshipError(_("年龄应在 0 到 130 岁之间。"), field="age")
    if schooling not in HouseholdMember.Schooling.values:
        raise HardshipError(_("请选择就学情况。"), field="schooling")
    with transaction.atomic():
        family, own = _family_for_update(actor, family_id)
        _ensure_active(family)
        if not own:
            _ensure_not_own(actor, family)
        listed = family.household.count()
        if listed + 1 >= family.household_size:
            raise HardshipError(
                _("家庭人口为 %(size)s 人（含本人），已登记 %(listed)s 名其他成员：请先修改家庭人口。")
                % {"size": family.household_size, "listed": listed},
                field="name",
            )
        person = HouseholdMember.objects.create(family=family, name=name[:100], relation=relation[:30], age=age,
                                                health=health[:100], schooling=schooling)
        audit_log(actor=actor, action="benefits.hardship.household_added", target=family, data={"person": person.pk})
    return person


def household_member_remove(*, actor, family_id: int, person_id: int) -> None:
    with transaction.atomic():
        family, own = _family_for_update(actor, family_id)
        _ensure_active(family)
        if not own:
            _ensure_not_own(actor, family)
        deleted, _rows = family.household.filter(pk=person_id).delete()
        if not deleted:
            raise HardshipError(_("找不到该家庭成员。"), code="not_found")
        audit_log(actor=actor, action="benefits.hardship.household_removed", target=family, data={"person": person_id})


# --- documents -----------------------------------------------------------------------------------------------


def _document_store(*, actor, family: HardshipFamily, kind: str, upload, visit: HomeVisit | None = None,
                    ) -> HardshipDocument:
    """Checks the upload as claim documents are checked (size, type from the content, photos re-encoded without
    their metadata) and keeps it under a random name."""
    if family.documents.filter(removed_at__isnull=True).count() >= DOCUMENTS_MAX:
        raise HardshipError(_("材料已达 %(max)s 份上限。") % {"max": DOCUMENTS_MAX}, field="kind")
    return documents.document_store(actor=actor, document_model=HardshipDocument, owner_field="family", owner=family,
                                    kind=kind, upload=upload, audit_action="benefits.hardship.document_added",
                                    extra={"visit": visit})


def document_add(*, actor, family_id: int, kind: str, upload) -> HardshipDocument:
    if kind not in HardshipDocument.Kind.values or kind == HardshipDocument.Kind.VISIT_PHOTO:
        raise HardshipError(_("请选择材料种类。"), field="kind")
    with transaction.atomic():
        family, own = _family_for_update(actor, family_id)
        _ensure_active(family)
        if not own:
            _ensure_not_own(actor, family)
        return _document_store(actor=actor, family=family, kind=kind, upload=upload)


def documents_add(*, actor, family_id: int, kind: str, uploads) -> DocumentsAdded:
    """Several files of one kind, each kept or refused on its own (the claims' batch rule)."""
    return documents_batch(uploads, lambda upload: document_add(actor=actor, family_id=family_id, kind=kind,
                                                                upload=upload))


def document_remove(*, actor, family_id: int, token) -> HardshipDocument:
    """Takes a document off the family's record before it is confirmed; the file and row are kept."""
    with transaction.atomic():
        family, own = _family_for_update(actor, family_id)
        _ensure_active(family)
        if not own:
            _ensure_not_own(actor, family)
        document = family.documents.filter(token=token, removed_at__isnull=True).first()
        if document is None:
            raise HardshipError(_("找不到该材料。"), code="not_found")
        if own and (family.status == S.CONFIRMED or document.visit_id is not None):
            raise HardshipError(_("档案建档后材料不能再移除；如有错误请联系工会。"), code="conflict")
        document.removed_at = _now()
        document.save(update_fields=["removed_at"])
        audit_log(actor=actor, action="benefits.hardship.document_removed", target=family,
                  data={"document": str(document.token)})
    return document


# --- verification --------------------------------------------------------------------------------------------


def home_visit_record(*, actor, family_id: int, visited_on: date, notes: str, photos=()) -> HomeVisit:
    """Staff record a home visit (with photos); a family waiting for its visit becomes "visited"."""
    notes = (notes or "").strip()
    if not notes:
        raise HardshipError(_("请填写走访情况。"), field="notes")
    if visited_on is None or visited_on > _today():
        raise HardshipError(_("走访日期不能晚于今天。"), field="visited_on")
    photos = list(photos or [])
    if len(photos) > 10:
        raise HardshipError(_("一次最多上传 10 张走访照片。"), field="photos")
    with transaction.atomic():
        # The family's row lock: two staff recording the first visit at once move it to "visited" once.
        family = _staff_family_for_update(actor, family_id)
        _ensure_active(family)
        visit = HomeVisit.objects.create(family=family, visitor=actor, visited_on=visited_on, notes=notes)
        for photo in photos:
            try:
                _document_store(actor=actor, family=family, kind=HardshipDocument.Kind.VISIT_PHOTO, upload=photo,
                                visit=visit)
            except ApplicationError as exc:
                # One bad photo refuses the whole visit: nothing is saved half-way. (Any app's refusal of a file:
                # the document checks may move to another module with its own error class.)
                raise HardshipError(exc.message, field="photos") from exc
        before = family.status
        if family.status == S.FILED:
            family.status, family.status_changed_at = S.VISITED, _now()
            family.save(update_fields=["status", "status_changed_at"])
        # Event messages hold what a person typed or plain dates: they are read later in any language.
        _event(family, actor=actor, action="home_visit", from_status=before, message=visited_on.isoformat())
        audit_log(actor=actor, action="benefits.hardship.home_visit", target=family,
                  data={"visit": visit.pk, "photos": len(photos)})
    return visit


def notice_start(*, actor, family_id: int) -> HardshipFamily:
    """Starts the public notice of a visited family for the district's notice days (today counts as the first)."""
    with transaction.atomic():
        family = _staff_family_for_update(actor, family_id)
        if family.status != S.VISITED:
            if family.status == S.FILED:
                raise HardshipError(_("请先记录入户走访，再开始公示。"), code="conflict")
            raise HardshipError(_("只有已走访、尚未公示的档案可以开始公示。"), code="conflict")
        standard = selectors.standard_for(family.member.branch, year=_today().year)
        days = standard.notice_days if standard else DEFAULT_NOTICE_DAYS
        today = _today()
        family.status, family.status_changed_at = S.NOTICE, _now()
        family.notice_starts_on, family.notice_ends_on = today, today + timedelta(days=days - 1)
        family.save(update_fields=["status", "status_changed_at", "notice_starts_on", "notice_ends_on"])
        _event(family, actor=actor, action="notice_started", from_status=S.VISITED,
               message=f"{family.notice_starts_on.isoformat()} – {family.notice_ends_on.isoformat()}")
        audit_log(actor=actor, action="benefits.hardship.notice_started", target=family,
                  data={"ends_on": family.notice_ends_on.isoformat()})
    return family


def objection_record(*, actor, family_id: int, received_on: date, content: str) -> HardshipObjection:
    """An objection received while the notice runs (or on its last day). The family waits until it is answered."""
    content = (content or "").strip()
    if not content:
        raise HardshipError(_("请填写异议内容。"), field="content")
    if received_on is None or received_on > _today():
        raise HardshipError(_("收到日期不能晚于今天。"), field="received_on")
    with transaction.atomic():
        family = _staff_family_for_update(actor, family_id)
        if family.status != S.NOTICE:
            raise HardshipError(_("只有公示中的档案可以记录异议。"), code="conflict")
        if received_on < family.notice_starts_on:
            raise HardshipError(_("收到日期不能早于公示开始日期。"), field="received_on")
        objection = HardshipObjection.objects.create(family=family, received_on=received_on, content=content,
                                                     recorded_by=actor)
        _event(family, actor=actor, action="objection", from_status=family.status)
        audit_log(actor=actor, action="benefits.hardship.objection", target=family, data={"objection": objection.pk})
    return objection


def objection_resolve(*, actor, objection_id: int, resolution: str) -> HardshipObjection:
    resolution = (resolution or "").strip()
    if not resolution:
        raise HardshipError(_("请填写核实处理情况。"), field="resolution")
    with transaction.atomic():
        objection = HardshipObjection.objects.filter(pk=objection_id).values_list("family_id", flat=True).first()
        if objection is None:
            raise HardshipError(_("找不到该异议。"), code="not_found")
        family = _staff_family_for_update(actor, objection)
        objection = HardshipObjection.objects.select_for_update().get(pk=objection_id)
        if objection.resolved_at is not None:
            raise HardshipError(_("该异议已经处理。"), code="conflict")
        objection.resolution, objection.resolved_by, objection.resolved_at = resolution, actor, _now()
        objection.save(update_fields=["resolution", "resolved_by", "resolved_at"])
        _event(family, actor=actor, action="objection_resolved", from_status=family.status, message=resolution)
        audit_log(actor=actor, action="benefits.hardship.objection_resolved", target=family,
                  data={"objection": objection.pk})
    return objection


def family_confirm(*, actor, family_id: int, level: str) -> HardshipFamily:
    """Confirms a family on the register: a home visit recorded, the notice's last day past, every objection
    answered. The first yearly re-check falls a year from today."""
    if level not in HardshipLevel.values:
        raise HardshipError(_("请选择困难类别。"), field="level")
    with transaction.atomic():
        # The row lock: a colleague's leave or a second confirmation waits and then finds the status changed.
        family = _staff_family_for_update(actor, family_id)
        if family.status in (S.FILED, S.VISITED) and not family.home_visits.exists():
            raise HardshipError(_("尚未入户走访：请先记录入户走访并完成公示，再确认建档。"), code="conflict")
        if family.status == S.VISITED:
            raise HardshipError(_("尚未公示：请先开始公示，公示期满后再确认建档。"), code="conflict")
        if family.status != S.NOTICE:
            raise HardshipError(_("只有公示期满的档案可以确认建档。"), code="conflict")
        today = _today()
        if today <= family.notice_ends_on:
            raise HardshipError(
                _("公示期到 %(day)s 结束，期满后才能确认建档。") % {"day": family.notice_ends_on.isoformat()},
                code="conflict",
            )
        if family.objections.filter(resolved_at__isnull=True).exists():
            raise HardshipError(_("还有未处理的公示异议：请先核实处理。"), code="conflict")
        family.status, family.level, family.status_changed_at = S.CONFIRMED, level, _now()
        family.confirmed_at, family.confirmed_by, family.recheck_due = _now(), actor, _next_year(today)
        family.save(update_fields=["status", "level", "status_changed_at", "confirmed_at", "confirmed_by",
                                   "recheck_due"])
        _event(family, actor=actor, action="confirmed", from_status=S.NOTICE)
        audit_log(actor=actor, action="benefits.hardship.confirmed", target=family, data={"level": level})
        _tell_member(family, recipient_text(gettext_lazy("您的困难职工档案 %(number)s 已建档"), number=family.number))
    return family


def family_recheck(*, actor, family_id: int, monthly_income, household_size, level: str,
                   notes: str = "") -> HardshipFamily:
    """The yearly re-check of a confirmed family: the figures and level as found now; the next one a year on."""
    if level not in HardshipLevel.values:
        raise HardshipError(_("请选择困难类别。"), field="level")
    figures = income_check(monthly_income=monthly_income, household_size=household_size)
    with transaction.atomic():
        family = _staff_family_for_update(actor, family_id)
        if family.status != S.CONFIRMED:
            raise HardshipError(_("只有已建档的档案需要年度复核。"), code="conflict")
        _ensure_household_fits(family, figures.household_size)
        standard = selectors.standard_for(family.member.branch, year=_today().year)
        before = {"monthly_income": str(family.monthly_income), "household_size": family.household_size,
                  "level": family.level}
        family.monthly_income, family.household_size = figures.monthly_income, figures.household_size
        family.per_capita_income, family.level = figures.per_capita_income, level
        family.minimum_living = standard.minimum_living if standard else family.minimum_living
        family.recheck_due = _next_year(_today())
        family.save(update_fields=["monthly_income", "household_size", "per_capita_income", "level",
                                   "minimum_living", "recheck_due"])
        _event(family, actor=actor, action="rechecked", from_status=family.status, message=(notes or "").strip())
        audit_log(actor=actor, action="benefits.hardship.rechecked", target=family,
                  data={"before": before, "level": level, "monthly_income": str(family.monthly_income),
                        "household_size": family.household_size})
    return family


def family_leave(*, actor, family_id: int, reason: str) -> HardshipFamily:
    """Takes the family off the register (or withdraws a filing) with a reason; the member may do it for their own
    family, staff in scope for any other."""
    reason = (reason or "").strip()
    if not reason:
        raise HardshipError(_("请填写退出原因。"), field="reason")
    with transaction.atomic():
        family, own = _family_for_update(actor, family_id)
        if not own:
            _ensure_not_own(actor, family)
        _ensure_active(family)
        before = family.status
        family.status, family.status_changed_at, family.left_at = S.LEFT, _now(), _now()
        family.left_reason = reason[:2000]
        family.save(update_fields=["status", "status_changed_at", "left_at", "left_reason"])
        _event(family, actor=actor, action="left", from_status=before, message=family.left_reason)
        audit_log(actor=actor, action="benefits.hardship.left", target=family, data={"by_member": own})
        if not own:
            _tell_member(family, recipient_text(gettext_lazy("您的困难职工档案 %(number)s 已退出档案库"),
                                                number=family.number))
    return family


def _tell_member(family: HardshipFamily, title) -> None:
    user = family.member.user
    if user is not None:
        notifications_send_many(messages=[(user, "benefits.hardship.status", title, "", MEMBER_URL)])


# --- care visits ---------------------------------------------------------------------------------------------


def care_visit_plan(*, actor, family_id: int, kind: str, due_on: date, purpose: str = "") -> CareVisit:
    if kind not in CareVisit.Kind.values:
        raise HardshipError(_("请选择走访类型。"), field="kind")
    if due_on is None:
        raise HardshipError(_("请填写计划日期。"), field="due_on")
    with transaction.atomic():
        family = _staff_family_for_update(actor, family_id)
        if family.status != S.CONFIRMED:
            raise HardshipError(_("只有已建档的困难家庭可以安排帮扶走访。"), code="conflict")
        visit = CareVisit.objects.create(family=family, kind=kind, due_on=due_on, purpose=(purpose or "").strip()[:200],
                                         created_by=actor)
        audit_log(actor=actor, action="benefits.hardship.care_planned", target=family, data={"visit": visit.pk})
    return visit


def care_visit_record(*, actor, visit_id: int, done_on: date, notes: str) -> CareVisit:
    notes = (notes or "").strip()
    if not notes:
        raise HardshipError(_("请填写走访情况。"), field="notes")
    if done_on is None or done_on > _today():
        raise HardshipError(_("完成日期不能晚于今天。"), field="done_on")
    with transaction.atomic():
        family_id = CareVisit.objects.filter(pk=visit_id).values_list("family_id", flat=True).first()
        if family_id is None:
            raise HardshipError(_("找不到该走访。"), code="not_found")
        family = _staff_family_for_update(actor, family_id)
        # The visit's lock: two staff recording the same visit at once record it once.
        visit = CareVisit.objects.select_for_update().get(pk=visit_id)
        if visit.done_on is not None:
            raise HardshipError(_("该走访已经记录完成。"), code="conflict")
        visit.done_on, visit.notes, visit.visitor = done_on, notes, actor
        visit.save(update_fields=["done_on", "notes", "visitor"])
        _event(family, actor=actor, action="care_visit", from_status=family.status,
               message=done_on.isoformat())
        audit_log(actor=actor, action="benefits.hardship.care_done", target=family, data={"visit": visit.pk})
    return visit


# --- reminders (beat) ----------------------------------------------------------------------------------------


def recheck_remind(*, today: date | None = None) -> int:
    """Tells branch staff (and each member) of confirmed families whose yearly re-check falls within
    RECHECK_REMIND_DAYS, once per due date however often beat runs. Returns the number of families."""
    today = today or _today()
    with transaction.atomic():
        # skip_locked: a family a colleague is re-checking right now is left for the next run.
        families = list(
            HardshipFamily.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=S.CONFIRMED, recheck_due__lte=today + timedelta(days=RECHECK_REMIND_DAYS))
            .filter(Q(recheck_reminded_for__isnull=True) | ~Q(recheck_reminded_for=F("recheck_due")))
            .select_related("member__branch", "member__user").order_by("recheck_due", "id")
        )
        if not families:
            return 0
        messages = []
        by_branch: dict[int, list[HardshipFamily]] = {}
        for family in families:
            by_branch.setdefault(family.member.branch_id, []).append(family)
            if family.member.user is not None:
                messages.append((family.member.user, "benefits.hardship.recheck", recipient_text(
                    gettext_lazy("您的困难职工档案将于 %(day)s 前年度复核，家庭情况有变化请告知工会"),
                    day=family.recheck_due.isoformat()), "", MEMBER_URL))
        for group in by_branch.values():
            title = recipient_text(gettext_lazy("%(count)s 户困难职工家庭需要年度复核"), count=len(group))
            body = ", ".join(f"{f.number} ({f.recheck_due.isoformat()})" for f in group[:20])
            messages += [(user, "benefits.hardship.recheck", title, body, "/benefits/hardship/staff/?recheck=1")
                         for user in _staff_of(group[0].member.branch)]
        notifications_send_many(messages=messages)
        HardshipFamily.objects.filter(pk__in=[f.pk for f in families]).update(recheck_reminded_for=F("recheck_due"))
    return len(families)


def care_visits_remind(*, today: date | None = None) -> int:
    """Tells the branch staff of care visits due within CARE_REMIND_DAYS (or overdue) not yet done, once per
    visit. Returns the number of visits."""
    today = today or _today()
    with transaction.atomic():
        visits = list(
            CareVisit.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(done_on__isnull=True, reminded_at__isnull=True, family__status=S.CONFIRMED,
                    due_on__lte=today + timedelta(days=CARE_REMIND_DAYS))
            .select_related("family__member__branch").order_by("due_on", "id")
        )
        if not visits:
            return 0
        by_branch: dict[int, list[CareVisit]] = {}
        for visit in visits:
            by_branch.setdefault(visit.family.member.branch_id, []).append(visit)
        messages = []
        for group in by_branch.values():
            title = recipient_text(gettext_lazy("%(count)s 次帮扶走访即将到期"), count=len(group))
            body = ", ".join(f"{v.family.number} {v.due_on.isoformat()}" for v in group[:20])
            messages += [(user, "benefits.hardship.care", title, body, "/benefits/hardship/staff/care/")
                         for user in _staff_of(group[0].family.member.branch)]
        notifications_send_many(messages=messages)
        CareVisit.objects.filter(pk__in=[v.pk for v in visits]).update(reminded_at=_now())
    return len(visits)
