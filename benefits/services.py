"""Writes of the benefits app: one function per action, keyword-only, one transaction each."""

import calendar
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core.errors import ApplicationError
from core.services import audit_log, outbox_add
from members.models import Branch, Member
from members.notifications.services import notification_send, recipient_text

from . import selectors
from .models import FROZEN_MESSAGE, ZERO, BenefitRule, Enrolment, Payment, Plan, PlanNotice, SubsidyRule, Tier


class BenefitsError(ApplicationError):
    """A rule of the mutual-aid plan said no, with a message for people."""


class PaymentError(BenefitsError):
    pass


# --- plans -------------------------------------------------------------------------------------------------


def ensure_plan_editable(plan: Plan) -> None:
    if plan.pk and plan.has_enrolments():
        raise BenefitsError(str(FROZEN_MESSAGE))


def _same_day_in_year(day: date, years: int) -> date:
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def plan_copy_to_year(*, actor, plan_id: int, year: int, code: str = "", name: str = "") -> Plan:
    """Copies a plan with its tiers, benefit rules and subsidy rules to another year, dates moved by whole
    years. The copy has no enrolments, so staff may edit it; the original stays as its enrolees knew it."""
    with transaction.atomic():
        source = Plan.objects.get(pk=plan_id)
        shift = year - source.year
        if shift <= 0:
            raise BenefitsError(_("新年度必须晚于原方案的年度。"))
        if not code:
            stem = source.code.rsplit("-", 1)[0] if "-" in source.code else source.code
            code = f"{stem}-{year}"
        if Plan.objects.filter(code=code).exists():
            raise BenefitsError(_("代码为 %(code)s 的方案已经存在。") % {"code": code})
        copy = Plan.objects.create(
            code=code,
            year=year,
            name=name or source.name.replace(str(source.year), str(year)),
            federation=source.federation,
            enrol_opens=_same_day_in_year(source.enrol_opens, shift),
            enrol_closes=_same_day_in_year(source.enrol_closes, shift),
            renewal_opens=source.renewal_opens and _same_day_in_year(source.renewal_opens, shift),
            cover_start_rule=source.cover_start_rule,
            cover_starts=_same_day_in_year(source.cover_starts, shift),
            cover_ends=_same_day_in_year(source.cover_ends, shift),
            min_age=source.min_age,
            max_age=source.max_age,
            waiting_days=source.waiting_days,
            renewal_grace_days=source.renewal_grace_days,
            claim_deadline_days=source.claim_deadline_days,
            review_service_days=source.review_service_days,
            previous=source,
        )
        for tier in source.tiers.prefetch_related("rules"):
            new_tier = Tier.objects.create(
                plan=copy, code=tier.code, name=tier.name, fee=tier.fee, yearly_cap=tier.yearly_cap
            )
            BenefitRule.objects.bulk_create(
                BenefitRule(tier=new_tier, kind=r.kind, params=r.params, disease_list_id=r.disease_list_id,
                            required_documents=r.required_documents)
                for r in tier.rules.all()
            )
        SubsidyRule.objects.bulk_create(
            SubsidyRule(
                plan=copy, paying_branch_id=s.paying_branch_id, share=s.share, fixed_amount=s.fixed_amount,
                non_public_only=s.non_public_only, employment_types=s.employment_types,
            )
            for s in source.subsidy_rules.all()
        )
        audit_log(actor=actor, action="benefits.plan.copied", target=copy, data={"from": source.pk})
    return copy


# --- eligibility, cover dates, subsidy ---------------------------------------------------------------------


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def member_ineligibility(plan: Plan, member: Member, *, day: date, federation_path: str | None = None) -> str | None:
    """Why this member may not join this plan, or None. `federation_path` saves a query in bulk use."""
    if member.status != Member.Status.ACTIVE:
        return _("只有正常状态的会员才能参保。")
    if plan.federation_id is not None:
        path = federation_path if federation_path is not None else plan.federation.path
        branch_path = member.branch.path if "branch" in member._state.fields_cache else None
        if branch_path is None:
            branch_path = Branch.objects.values_list("path", flat=True).get(pk=member.branch_id)
        if not branch_path.startswith(path):
            return _("您所在的工会不属于本方案的主办工会，不能参加。")
    age = _age_on(member.birth_date, day)
    if plan.min_age is not None and age < plan.min_age:
        return _("参保年龄须满 %(age)s 周岁。") % {"age": plan.min_age}
    if plan.max_age is not None and age > plan.max_age:
        return _("参保年龄不能超过 %(age)s 周岁。") % {"age": plan.max_age}
    return None


def cover_dates(plan: Plan, *, paid_on: date) -> tuple[date, date]:
    """When cover starts and ends under the plan's rule, for a fee paid on `paid_on`."""
    if plan.cover_start_rule == Plan.CoverStart.DAY_AFTER_PAYMENT:
        start = paid_on + timedelta(days=1)
    elif plan.cover_start_rule == Plan.CoverStart.FIRST_OF_NEXT_MONTH:
        start = (paid_on.replace(day=1) + timedelta(days=32)).replace(day=1)
    else:
        start = plan.cover_starts
    start = min(max(start, plan.cover_starts), plan.cover_ends)
    return start, plan.cover_ends


def waiting_until(plan: Plan, *, cover_start: date, is_renewal: bool) -> date | None:
    """The last day of the waiting period, or None when there is none (a renewal within the grace period)."""
    if is_renewal or plan.waiting_days == 0:
        return None
    return cover_start + timedelta(days=plan.waiting_days - 1)


def _previous_cover_ends(plan: Plan, member_ids) -> dict[int, date]:
    if plan.previous_id is None:
        return {}
    return dict(
        Enrolment.objects.filter(
            plan_id=plan.previous_id, member_id__in=member_ids, status=Enrolment.Status.ACTIVE
        ).values_list("member_id", "cover_end")
    )


def _is_renewal(plan: Plan, previous_end: date | None, cover_start: date) -> bool:
    # Renewal rule: cover in the previous year's plan that ended at most `renewal_grace_days` before the new
    # cover starts skips the waiting period.
    return previous_end is not None and cover_start <= previous_end + timedelta(days=plan.renewal_grace_days + 1)


def _activate(enrolment: Enrolment, *, paid_on: date, previous_end: date | None) -> None:
    enrolment.cover_start, enrolment.cover_end = cover_dates(enrolment.plan, paid_on=paid_on)
    enrolment.is_renewal = _is_renewal(enrolment.plan, previous_end, enrolment.cover_start)
    enrolment.waiting_until = waiting_until(
        enrolment.plan, cover_start=enrolment.cover_start, is_renewal=enrolment.is_renewal
    )
    enrolment.status = Enrolment.Status.ACTIVE
    enrolment.activated_at = timezone.now()


@dataclass(frozen=True)
class CoverPreview:
    """What a fee paid on `paid_on` would buy, shown before paying."""

    paid_on: date
    cover_start: date
    cover_end: date
    waiting_until: date | None  # illness benefits pay for events after this day; accidents from the start
    is_renewal: bool
    cover_days: int
    illness_days: int  # days of cover left after the waiting period
    next_plan: Plan | None  # suggested when most of this year's cover would be waiting

    @property
    def mostly_waiting(self) -> bool:
        return self.waiting_until is not None and self.illness_days * 2 < self.cover_days


def cover_preview(plan: Plan, member: Member | None, *, paid_on: date | None = None) -> CoverPreview:
    """The cover a payment today would start (writes nothing): the dates, the waiting period's end, and next
    year's plan when this year's would be mostly waiting (enrolling in December buys a few weeks of accident
    cover and no illness cover at all)."""
    paid_on = paid_on or timezone.localdate()
    start, end = cover_dates(plan, paid_on=paid_on)
    previous_end = _previous_cover_ends(plan, [member.pk]).get(member.pk) if member is not None else None
    renewal = _is_renewal(plan, previous_end, start)
    waiting = waiting_until(plan, cover_start=start, is_renewal=renewal)
    cover_days = (end - start).days + 1
    illness_from = max(start, waiting + timedelta(days=1)) if waiting else start
    illness_days = max(0, (end - illness_from).days + 1)
    mostly = waiting is not None and illness_days * 2 < cover_days
    next_plan = Plan.objects.filter(previous=plan).order_by("year").first() if mostly else None
    return CoverPreview(paid_on=paid_on, cover_start=start, cover_end=end, waiting_until=waiting,
                        is_renewal=renewal, cover_days=cover_days, illness_days=illness_days, next_plan=next_plan)


def _cover_period_text(enrolment: Enrolment) -> Promise:
    return recipient_text(gettext_lazy("保障期 %(start)s 至 %(end)s。"), start=enrolment.cover_start,
                          end=enrolment.cover_end)


def _notify_enrolment_confirmed(enrolment: Enrolment) -> None:
    if enrolment.member.user_id is None:
        return
    # Lazy texts: written in the member's language, not in that of whoever confirmed the payment.
    body = _cover_period_text(enrolment)
    if enrolment.waiting_until:
        waiting = recipient_text(gettext_lazy("疾病类补助的等待期到 %(day)s 为止。"), day=enrolment.waiting_until)
        # Chinese sentences follow one another directly, English ones with a space: the catalogue says which.
        body = recipient_text(pgettext_lazy("two sentences", "%(first)s%(second)s"), first=body, second=waiting)
    notification_send(
        user=enrolment.member.user,
        kind="benefits.enrolment_confirmed",
        title=recipient_text(gettext_lazy("您已成功参加%(plan)s"), plan=enrolment.plan.name),
        body=body,
        url=f"/benefits/enrolments/{enrolment.pk}/",
    )


def _payment_number() -> str:
    return f"P{timezone.localdate():%Y%m%d}{uuid.uuid4().hex[:10].upper()}"


# --- enrolment by the member -------------------------------------------------------------------------------


def enrolment_create(
    *, actor, plan_id: int, tier_id: int, member: Member, employer_non_public: bool = False,
    enrolled_on: date | None = None,
) -> Enrolment:
    """A member joins a plan in a tier, inside the window. The subsidy, if any, is applied at once; a fee
    fully paid by a subsidy makes the cover start without a payment. `enrolled_on`: the day a paper form was
    handed in, when staff record it later (never in the future)."""
    today = min(enrolled_on or timezone.localdate(), timezone.localdate())
    with transaction.atomic():
        plan = Plan.objects.select_related("federation").get(pk=plan_id)
        tier = Tier.objects.filter(plan=plan, pk=tier_id).first()
        if tier is None:
            raise BenefitsError(_("请选择本方案的一个缴费档次。"))
        renewing = plan.is_renewal_window_open(today) and Enrolment.objects.filter(
            plan_id=plan.previous_id, member=member, status=Enrolment.Status.ACTIVE
        ).exists()
        if not plan.is_window_open(today) and not renewing:
            raise BenefitsError(
                _("本方案的参保时间为 %(opens)s 至 %(closes)s，现在不能参保。")
                % {"opens": plan.enrol_opens, "closes": plan.enrol_closes}
            )
        reason = member_ineligibility(plan, member, day=today)
        if reason:
            raise BenefitsError(reason)
        if Enrolment.objects.filter(plan=plan, member=member).exists():
            raise BenefitsError(_("您已经参加了本年度的方案，不能重复参保。"))
        member_branch = Branch.objects.get(pk=member.branch_id)
        subsidy = selectors.subsidy_rule_matching(
            selectors.subsidy_rules_for(plan), branch_path=member_branch.path,
            employment_type=member.employment_type, employer_non_public=employer_non_public,
        )
        subsidy_part = subsidy.amount_for(tier.fee) if subsidy else ZERO
        enrolment = Enrolment(
            plan=plan, tier=tier, member=member, branch=member_branch, fee=tier.fee,
            member_part=tier.fee - subsidy_part, subsidy_part=subsidy_part, subsidy_rule=subsidy,
            employer_non_public=employer_non_public, enrolled_by=actor if getattr(actor, "pk", None) else None,
        )
        if enrolment.member_part == ZERO:
            previous_end = _previous_cover_ends(plan, [member.pk]).get(member.pk)
            _activate(enrolment, paid_on=today, previous_end=previous_end)
        try:
            # The unique constraint closes the race of two tabs enrolling the same member at once.
            with transaction.atomic():
                enrolment.save()
        except IntegrityError as exc:
            raise BenefitsError(_("您已经参加了本年度的方案，不能重复参保。")) from exc
        audit_log(actor=actor, action="benefits.enrolment.created", target=enrolment,
                  data={"plan": plan.pk, "tier": tier.pk, "subsidy": str(subsidy_part)})
        if enrolment.status == Enrolment.Status.ACTIVE:
            _notify_enrolment_confirmed(enrolment)
    return enrolment


def enrolment_renew(*, actor, enrolment_id: int) -> Enrolment:
    """One tap: the member's active cover continues in next year's plan, in the tier of the same code. Open from
    the next plan's `renewal_opens`, before new members may join; then paid as any enrolment."""
    previous = (
        Enrolment.objects.select_related("plan", "tier", "member")
        .filter(pk=enrolment_id, member__user_id=getattr(actor, "pk", None))
        .first()
    )
    if previous is None:
        raise BenefitsError(_("找不到这条参保记录。"))
    if previous.status != Enrolment.Status.ACTIVE:
        raise BenefitsError(_("只有已生效的参保记录可以续保。"))
    next_plan = Plan.objects.filter(previous_id=previous.plan_id).order_by("year").first()
    if next_plan is None:
        raise BenefitsError(_("下一年度的方案还没有发布，请稍后再来续保。"))
    tier = next_plan.tiers.filter(code=previous.tier.code).first()
    if tier is None:
        raise BenefitsError(
            _("下一年度的方案没有“%(tier)s”档次，请在方案页选择档次参保。") % {"tier": previous.tier.name}
        )
    return enrolment_create(actor=actor, plan_id=next_plan.pk, tier_id=tier.pk, member=previous.member,
                            employer_non_public=previous.employer_non_public)


def _parse_amount(amount) -> Decimal:
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, TypeError) as exc:
        raise PaymentError(_("金额格式不正确。")) from exc
    if not value.is_finite():
        raise PaymentError(_("金额格式不正确。"))
    return value


def payment_start_online(*, user, enrolment_id: int, amount, provider: str = Payment.Provider.SANDBOX) -> Payment:
    """Opens (or reopens) an online payment for the member's own unpaid enrolment."""
    with transaction.atomic():
        # Lock the enrolment: two taps on "pay" must open one payment, not two.
        enrolment = (
            Enrolment.objects.select_for_update(of=("self",)).select_related("member", "payment").filter(
                pk=enrolment_id, member__user=user
            ).first()
        )
        if enrolment is None:
            raise BenefitsError(_("找不到这条参保记录。"))
        if enrolment.status != Enrolment.Status.PENDING:
            raise PaymentError(_("这条参保记录无需缴费。"))
        value = _parse_amount(amount)
        if value != enrolment.member_part:
            raise PaymentError(
                _("缴费金额应为 %(due)s 元，而不是 %(given)s 元。") % {"due": enrolment.member_part, "given": value}
            )
        payment = enrolment.payment
        if payment is not None and payment.status == Payment.Status.PENDING and payment.provider == provider:
            return payment
        payment = Payment.objects.create(
            number=_payment_number(), provider=provider, method=Payment.Method.ONLINE, amount=value,
            branch_id=enrolment.branch_id, payer_name=enrolment.member.name,
        )
        enrolment.payment = payment
        enrolment.save(update_fields=["payment"])
        audit_log(actor=user, action="benefits.payment.started", target=payment, data={"enrolment": enrolment.pk})
    return payment


@dataclass
class ConfirmResult:
    payment: Payment
    recorded: bool  # False when the same confirmation had already been recorded (a replayed callback)


def payment_confirm(*, provider: str, number: str, amount, reference: str) -> ConfirmResult:
    """Records that the gateway took the money for payment `number`. Idempotent: the same confirmation twice
    records one payment; a different amount or a second gateway transaction for a paid payment is refused."""
    today = timezone.localdate()
    value = _parse_amount(amount)
    if not reference:
        raise PaymentError(_("缺少支付流水号。"))
    with transaction.atomic():
        # Lock the payment: a callback and its replay arriving together must not both activate the cover.
        payment = Payment.objects.select_for_update().filter(number=number, provider=provider).first()
        if payment is None:
            raise PaymentError(_("找不到该缴费单。"))
        if payment.status == Payment.Status.PAID:
            if payment.provider_reference == reference and payment.amount == value:
                return ConfirmResult(payment=payment, recorded=False)
            raise PaymentError(_("该缴费单已经支付，不能再次支付。"))
        if payment.status != Payment.Status.PENDING:
            raise PaymentError(_("该缴费单已取消。"))
        if value != payment.amount:
            raise PaymentError(
                _("支付金额 %(given)s 元与应缴金额 %(due)s 元不符。") % {"given": value, "due": payment.amount}
            )
        payment.status = Payment.Status.PAID
        payment.provider_reference = reference
        payment.paid_at = timezone.now()
        payment.save(update_fields=["status", "provider_reference", "paid_at"])
        enrolments = list(
            Enrolment.objects.select_for_update(of=("self",)).select_related("plan", "member__user").filter(
                payment=payment, status=Enrolment.Status.PENDING
            )
        )
        previous = _previous_cover_ends(enrolments[0].plan, [e.member_id for e in enrolments]) if enrolments else {}
        for enrolment in enrolments:
            _activate(enrolment, paid_on=today, previous_end=previous.get(enrolment.member_id))
            enrolment.save()
            _notify_enrolment_confirmed(enrolment)
        audit_log(actor=None, action="benefits.payment.confirmed", target=payment,
                  data={"reference": reference, "amount": str(value)})
    return ConfirmResult(payment=payment, recorded=True)


def payment_record_offline(*, actor, enrolment_id: int, method: str, amount, reference: str = "",
                           paid_on: date | None = None) -> Payment:
    """Staff record cash or a bank transfer for one unpaid enrolment in their scope. `paid_on`: the day the
    money came in, when it is recorded later (cover starts from it); never in the future, never before the
    enrolment window (or the renewal window) opened."""
    if method not in (Payment.Method.CASH, Payment.Method.TRANSFER):
        raise PaymentError(_("线下缴费只能是现金或银行转账。"))
    today = timezone.localdate()
    received = paid_on or today
    with transaction.atomic():
        # Lock the enrolment: an online payment finishing at the same moment must not pay it twice.
        enrolment = (
            Enrolment.objects.select_for_update(of=("self",))
            .select_related("plan", "member__user")
            .filter(pk=enrolment_id, branch__in=selectors.staff_branches(actor, selectors.PAYMENT_ROLES))
            .first()
        )
        if enrolment is None:
            raise BenefitsError(_("找不到这条参保记录。"))
        if enrolment.status != Enrolment.Status.PENDING:
            raise PaymentError(_("这条参保记录无需缴费。"))
        window_opens = enrolment.plan.renewal_opens or enrolment.plan.enrol_opens
        if not (min(window_opens, enrolment.plan.enrol_opens) <= received <= today):
            raise PaymentError(_("收款日期应在 %(opens)s 至今天之间。") % {"opens": window_opens})
        value = _parse_amount(amount)
        if value != enrolment.member_part:
            raise PaymentError(
                _("缴费金额应为 %(due)s 元，而不是 %(given)s 元。") % {"due": enrolment.member_part, "given": value}
            )
        if enrolment.payment_id:
            Payment.objects.filter(pk=enrolment.payment_id, status=Payment.Status.PENDING).update(
                status=Payment.Status.CANCELLED
            )
        payment = Payment.objects.create(
            number=_payment_number(), provider=Payment.Provider.OFFLINE, method=method, amount=value,
            status=Payment.Status.PAID, paid_at=timezone.now(), branch_id=enrolment.branch_id,
            payer_name=enrolment.member.name, provider_reference=reference[:64], recorded_by=actor,
        )
        enrolment.payment = payment
        previous_end = _previous_cover_ends(enrolment.plan, [enrolment.member_id]).get(enrolment.member_id)
        _activate(enrolment, paid_on=received, previous_end=previous_end)
        enrolment.save()
        audit_log(actor=actor, action="benefits.payment.recorded", target=payment,
                  data={"enrolment": enrolment.pk, "method": method, "paid_on": received.isoformat()})
        _notify_enrolment_confirmed(enrolment)
    return payment


# --- group enrolment by company-union staff ----------------------------------------------------------------


@dataclass
class GroupEnrolmentResult:
    payment: Payment | None
    enrolled: int
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (member name, reason)
    member_total: Decimal = ZERO
    subsidy_total: Decimal = ZERO


def group_enrolment_create(
    *,
    actor,
    plan_id: int,
    tier_id: int,
    branch_id: int,
    member_ids: list[int] | None = None,
    method: str = Payment.Method.TRANSFER,
    amount=None,
    reference: str = "",
    employer_non_public: bool = False,
    renewals_only: bool = False,
) -> GroupEnrolmentResult:
    """Company-union staff enrol chosen members (or all active members) of their branch and record one group
    payment for the members' parts. Members already enrolled or not eligible are skipped and listed.

    The enrolments are written by one INSERT … SELECT from the members table, so the number of queries does
    not grow with the members (50,000 in a few seconds, see docs/benchmarks.md). The per-member figures that
    vary (subsidy by employment type, renewal) are computed by SQL CASE expressions from values worked out
    here with the same functions the single enrolment uses.

    `renewals_only`: the company union renews its members who had active cover in the previous year's plan
    (those of `member_ids` if given), which it may do from the plan's `renewal_opens`."""
    if method not in (Payment.Method.CASH, Payment.Method.TRANSFER):
        raise PaymentError(_("集体缴费只能是现金或银行转账。"))
    today = timezone.localdate()
    with transaction.atomic():
        branch = selectors.staff_branches(actor, selectors.PAYMENT_ROLES).filter(pk=branch_id).first()
        if branch is None:
            raise BenefitsError(_("您没有为该工会办理参保的权限。"))
        plan = Plan.objects.select_related("federation").get(pk=plan_id)
        tier = Tier.objects.filter(plan=plan, pk=tier_id).first()
        if tier is None:
            raise BenefitsError(_("请选择本方案的一个缴费档次。"))
        if not plan.is_window_open(today) and not (renewals_only and plan.is_renewal_window_open(today)):
            raise BenefitsError(
                _("本方案的参保时间为 %(opens)s 至 %(closes)s，现在不能参保。")
                % {"opens": plan.enrol_opens, "closes": plan.enrol_closes}
            )
        if plan.federation_id and not branch.path.startswith(plan.federation.path):
            raise BenefitsError(_("该工会不属于本方案的主办工会，不能参加。"))
        if renewals_only:
            if plan.previous_id is None:
                raise BenefitsError(_("本方案没有上一年度方案，无从续保。"))
            renewers = set(Enrolment.objects.filter(
                plan_id=plan.previous_id, status=Enrolment.Status.ACTIVE, member__branch=branch,
            ).values_list("member_id", flat=True))
            member_ids = sorted(renewers & set(member_ids) if member_ids is not None else renewers)
        if member_ids is not None:
            member_ids = sorted(set(member_ids))
            if Member.objects.filter(pk__in=member_ids).exclude(branch=branch).exists() or (
                Member.objects.filter(pk__in=member_ids).count() != len(member_ids)
            ):
                raise BenefitsError(_("所选会员中有不属于该工会的人员。"))
        group = _GroupSql(plan=plan, tier=tier, branch=branch, member_ids=member_ids, today=today,
                          employer_non_public=employer_non_public)
        skipped = group.skipped()
        counts = group.eligible_counts_by_employment_type()
        enrolled = sum(counts.values())
        if not enrolled:
            raise BenefitsError(_("没有可以参保的会员：所选会员都已参保或不符合条件。"))
        member_total = sum(((tier.fee - group.subsidy[t][1]) * n for t, n in counts.items()), ZERO)
        subsidy_total = sum((group.subsidy[t][1] * n for t, n in counts.items()), ZERO)
        if amount is not None and _parse_amount(amount) != member_total:
            raise PaymentError(
                _("集体缴费金额应为 %(due)s 元（%(count)s 人），而不是 %(given)s 元。")
                % {"due": member_total, "count": enrolled, "given": _parse_amount(amount)}
            )
        now = timezone.now()
        payment = Payment.objects.create(
            number=_payment_number(), provider=Payment.Provider.OFFLINE, method=method, amount=member_total,
            status=Payment.Status.PAID, paid_at=now, is_group=True, branch=branch, payer_name=branch.name,
            provider_reference=reference[:64], recorded_by=actor,
        )
        try:
            # The unique constraint closes the race with a member (or another group run) enrolling at the same
            # moment: the whole group is rolled back and staff are asked to retry.
            with transaction.atomic():
                inserted = group.insert(payment=payment, actor=actor, now=now)
        except IntegrityError as exc:
            raise BenefitsError(_("有会员刚刚已经参保，请刷新后重试。")) from exc
        if inserted != enrolled:
            raise BenefitsError(_("有会员的状态刚刚发生变化，请刷新后重试。"))
        audit_log(actor=actor, action="benefits.enrolment.group_created", target=payment,
                  data={"plan": plan.pk, "tier": tier.pk, "branch": branch.pk, "count": enrolled,
                        "skipped": len(skipped), "subsidy": str(subsidy_total)})
        payment_id = payment.pk
        outbox_add(task="benefits.tasks.notify_group_enrolment", args=[payment_id])
    return GroupEnrolmentResult(payment=payment, enrolled=enrolled, skipped=skipped,
                                member_total=member_total, subsidy_total=subsidy_total)


class _GroupSql:
    """The SQL of one group enrolment: which members qualify, and the INSERT … SELECT that enrols them."""

    def __init__(self, *, plan, tier, branch, member_ids, today, employer_non_public):
        self.plan, self.tier, self.branch, self.member_ids = plan, tier, branch, member_ids
        self.today, self.employer_non_public = today, employer_non_public
        self.cover_start, self.cover_end = cover_dates(plan, paid_on=today)
        self.waiting_until = waiting_until(plan, cover_start=self.cover_start, is_renewal=False)
        # Renewal rule (see _is_renewal): previous cover ending on or after this day skips the waiting period.
        self.renewal_since = self.cover_start - timedelta(days=plan.renewal_grace_days + 1)
        rules = selectors.subsidy_rules_for(plan)
        self.subsidy = {}
        for employment_type in Member.EmploymentType.values:
            rule = selectors.subsidy_rule_matching(
                rules, branch_path=branch.path, employment_type=employment_type,
                employer_non_public=employer_non_public,
            )
            self.subsidy[employment_type] = (rule.pk if rule else None, rule.amount_for(tier.fee) if rule else ZERO)

    def _members(self):
        members = Member.objects.filter(branch=self.branch)
        if self.member_ids is not None:
            return members.filter(pk__in=self.member_ids)
        return members.filter(status=Member.Status.ACTIVE)

    def _age_bounds(self):
        """Birth dates that meet the plan's age limits on `today`: (born on or before, born after)."""
        latest = earliest = None
        if self.plan.min_age is not None:
            latest = _same_day_in_year(self.today, -self.plan.min_age)
        if self.plan.max_age is not None:
            earliest = _same_day_in_year(self.today, -(self.plan.max_age + 1))
        return latest, earliest

    def _eligible(self):
        members = self._members().filter(status=Member.Status.ACTIVE).exclude(
            Exists(Enrolment.objects.filter(plan=self.plan, member=OuterRef("pk")))
        )
        latest, earliest = self._age_bounds()
        if latest:
            members = members.filter(birth_date__lte=latest)
        if earliest:
            members = members.filter(birth_date__gt=earliest)
        return members

    def skipped(self) -> list[tuple[str, str]]:
        ineligible = self._members().exclude(pk__in=self._eligible().values("pk")).select_related("branch")
        enrolled = set(
            Enrolment.objects.filter(plan=self.plan, member__in=ineligible).values_list("member_id", flat=True)
        )
        out = []
        for member in ineligible.only("id", "name", "status", "birth_date", "branch__path").order_by("id"):
            if member.pk in enrolled:
                out.append((member.name, _("已参保")))
            else:
                out.append((member.name, member_ineligibility(self.plan, member, day=self.today) or _("不符合条件")))
        return out

    def eligible_counts_by_employment_type(self) -> dict[str, int]:
        return dict(self._eligible().values_list("employment_type").annotate(n=Count("id")).order_by())

    def insert(self, *, payment, actor, now) -> int:
        ops = connection.ops
        enrolment_table = connection.ops.quote_name(Enrolment._meta.db_table)
        eligible_sql, eligible_params = self._eligible().values("pk").query.sql_with_params()
        subsidy_case = rule_case = "CASE m.employment_type"
        subsidy_params, rule_params = [], []
        for employment_type, (rule_id, part) in self.subsidy.items():
            subsidy_case += " WHEN %s THEN %s"
            subsidy_params += [employment_type, ops.adapt_decimalfield_value(part, 10, 2)]
            rule_case += " WHEN %s THEN %s"
            rule_params += [employment_type, rule_id]
        subsidy_case += " ELSE 0 END"
        rule_case += " ELSE NULL END"
        if not any(rule_id for rule_id, _part in self.subsidy.values()):
            # A CASE of only NULLs has no type on PostgreSQL; no rule applies, so the column is NULL.
            rule_case, rule_params = "NULL", []
        renewal = "(prev.id IS NOT NULL AND prev.cover_end >= %s)"
        fee = ops.adapt_decimalfield_value(self.tier.fee, 10, 2)
        since = ops.adapt_datefield_value(self.renewal_since)
        # No waiting period in the plan: NULL for everyone (a CASE of NULLs would have no type on PostgreSQL).
        waiting = f"CASE WHEN {renewal} THEN NULL ELSE %s END" if self.waiting_until else "NULL"
        waiting_params = [since, ops.adapt_datefield_value(self.waiting_until)] if self.waiting_until else []
        # Only table names and the ORM's own compiled subquery are interpolated; every value is a parameter.
        sql = (
            f"INSERT INTO {enrolment_table} (plan_id, tier_id, member_id, branch_id, status, fee, member_part, "  # noqa: S608
            "subsidy_part, subsidy_rule_id, employer_non_public, is_renewal, payment_id, cover_start, cover_end, "
            "waiting_until, enrolled_by_id, created_at, activated_at) "
            f"SELECT %s, %s, m.id, %s, %s, %s, %s - ({subsidy_case}), {subsidy_case}, {rule_case}, %s, {renewal}, "
            f"%s, %s, %s, {waiting}, %s, %s, %s "
            f"FROM {connection.ops.quote_name(Member._meta.db_table)} m "
            f"LEFT JOIN {enrolment_table} prev ON prev.plan_id = %s AND prev.member_id = m.id AND prev.status = %s "
            f"WHERE m.id IN ({eligible_sql})"
        )
        params = [
            self.plan.pk, self.tier.pk, self.branch.pk, Enrolment.Status.ACTIVE, fee, fee,
            *subsidy_params, *subsidy_params, *rule_params, self.employer_non_public, since,
            payment.pk, ops.adapt_datefield_value(self.cover_start), ops.adapt_datefield_value(self.cover_end),
            *waiting_params, getattr(actor, "pk", None),
            ops.adapt_datetimefield_value(now), ops.adapt_datetimefield_value(now),
            self.plan.previous_id or 0, Enrolment.Status.ACTIVE, *eligible_params,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount


def group_enrolment_notify(*, payment_id: int) -> int:
    """Tells each member with an account that a group payment enrolled them. Idempotent through the
    notification kind carrying the payment number: a member already told about this payment is skipped."""
    payment = Payment.objects.get(pk=payment_id)
    kind = f"benefits.enrolment_confirmed.{payment.number}"
    sent = 0
    for enrolment in (
        Enrolment.objects.filter(payment=payment, member__user__isnull=False)
        .exclude(member__user__notifications__kind=kind)
        .select_related("plan", "member__user")
        .iterator(chunk_size=500)
    ):
        with transaction.atomic():
            notification_send(
                user=enrolment.member.user, kind=kind,
                title=recipient_text(gettext_lazy("工会已为您办理%(plan)s"), plan=enrolment.plan.name),
                body=_cover_period_text(enrolment),
                url=f"/benefits/enrolments/{enrolment.pk}/",
            )
        sent += 1
    return sent


# --- beat tasks' services ----------------------------------------------------------------------------------


def window_open_notify(*, day: date | None = None) -> int:
    """Tells each eligible active member with an account, once per plan, that a plan's window is open.
    The PlanNotice row is written with the message, in one transaction, so a rerun skips those told."""
    day = day or timezone.localdate()
    sent = 0
    for plan in Plan.objects.filter(enrol_opens__lte=day, enrol_closes__gte=day).select_related("federation"):
        members = Member.objects.filter(status=Member.Status.ACTIVE, user__isnull=False).exclude(
            pk__in=PlanNotice.objects.filter(
                plan=plan, kind__in=[PlanNotice.Kind.WINDOW_OPEN, PlanNotice.Kind.RENEWAL_OPEN]
            ).values("member_id")
        ).exclude(pk__in=Enrolment.objects.filter(plan=plan).values("member_id"))
        if plan.federation_id:
            members = members.filter(branch__path__startswith=plan.federation.path)
        for member in members.select_related("user").iterator(chunk_size=500):
            with transaction.atomic():
                __, created = PlanNotice.objects.get_or_create(
                    plan=plan, member=member, kind=PlanNotice.Kind.WINDOW_OPEN
                )
                if not created:
                    continue
                notification_send(
                    user=member.user, kind="benefits.window_open",
                    title=recipient_text(gettext_lazy("%(plan)s开始参保"), plan=plan.name),
                    body=recipient_text(gettext_lazy("参保时间 %(opens)s 至 %(closes)s。"),
                                        opens=plan.enrol_opens, closes=plan.enrol_closes),
                    url=f"/benefits/plans/{plan.pk}/",
                )
            sent += 1
    return sent


def renewal_open_notify(*, day: date | None = None) -> int:
    """Invites each member with active cover in a plan whose successor takes renewals today, once: one tap on
    "my cover" renews in the same tier. Those invited are not told again when the window opens to all."""
    day = day or timezone.localdate()
    sent = 0
    plans = Plan.objects.filter(previous__isnull=False, renewal_opens__lte=day, enrol_closes__gte=day)
    for plan in plans:
        enrolments = (
            Enrolment.objects.filter(plan_id=plan.previous_id, status=Enrolment.Status.ACTIVE,
                                     member__user__isnull=False)
            .exclude(member_id__in=Enrolment.objects.filter(plan=plan).values("member_id"))
            .exclude(member_id__in=PlanNotice.objects.filter(plan=plan, kind=PlanNotice.Kind.RENEWAL_OPEN)
                     .values("member_id"))
            .select_related("member__user", "tier")
        )
        for enrolment in enrolments.iterator(chunk_size=500):
            with transaction.atomic():
                __, created = PlanNotice.objects.get_or_create(
                    plan=plan, member=enrolment.member, kind=PlanNotice.Kind.RENEWAL_OPEN
                )
                if not created:
                    continue
                notification_send(
                    user=enrolment.member.user, kind="benefits.renewal_open",
                    title=recipient_text(gettext_lazy("%(plan)s可以续保了"), plan=plan.name),
                    body=recipient_text(
                        gettext_lazy("在“我的保障”一键续保，档次不变（%(tier)s）；%(closes)s 前续保并缴费可免等待期。"),
                        tier=enrolment.tier.name, closes=plan.enrol_closes),
                    url="/benefits/my-cover/",
                )
            sent += 1
    return sent


def cover_ending_notify(*, day: date | None = None, days_before: int = 30) -> int:
    """Tells members whose cover ends within `days_before` days, once per enrolment."""
    day = day or timezone.localdate()
    sent = 0
    enrolments = (
        Enrolment.objects.filter(
            status=Enrolment.Status.ACTIVE, cover_end__gte=day, cover_end__lte=day + timedelta(days=days_before),
            member__user__isnull=False,
        )
        .select_related("plan", "member__user")
    )
    for enrolment in enrolments.iterator(chunk_size=500):
        with transaction.atomic():
            __, created = PlanNotice.objects.get_or_create(
                plan=enrolment.plan, member=enrolment.member, kind=PlanNotice.Kind.COVER_ENDING
            )
            if not created:
                continue
            notification_send(
                user=enrolment.member.user, kind="benefits.cover_ending",
                title=recipient_text(gettext_lazy("您的%(plan)s保障将于 %(end)s 到期"),
                                     plan=enrolment.plan.name, end=enrolment.cover_end),
                body=gettext_lazy("请留意下一年度的参保时间，按时续保可免等待期。"),
                url="/benefits/my-cover/",
            )
        sent += 1
    return sent
