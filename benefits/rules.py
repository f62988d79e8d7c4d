"""The rules engine of the mutual-aid plan: a pure function, no database.

    assess(rules, terms, facts, paid) -> Assessment

`rules` are a tier's benefit rules (`RuleSpec`, built from the `BenefitRule` rows' data by
`rule_spec_from_data`), `terms` the enrolment's cover terms, `facts` what happened, `paid` what the
enrolment was already paid this plan year. The answer says whether the claim is eligible (or every reason
why not), the amount, and a breakdown: one line per rule applied, with its inputs and result, written for a
member. Messages are lazy translations with parameters (`Message`), formatted when rendered, so one
breakdown reads in Chinese or English. Money is Decimal, rounded to the fen half-up once per line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0.00")
FEN = Decimal("0.01")

SERIOUS_DISEASE = "serious_disease"
HOSPITAL_DAILY = "hospital_daily"
INPATIENT_SELF_PAY = "inpatient_self_pay"
LARGE_SINGLE_DISEASE = "large_single_disease"
WORK_INJURY = "work_injury"
ON_DUTY = "on_duty"
NEWBORN_DISEASE = "newborn_disease"
ACCIDENTAL_INJURY = "accidental_injury"

KIND_LABELS = {
    SERIOUS_DISEASE: _("重大疾病一次性补助"),
    HOSPITAL_DAILY: _("住院津贴"),
    INPATIENT_SELF_PAY: _("住院自付费用补助"),
    LARGE_SINGLE_DISEASE: _("单病种大额医疗补助"),
    WORK_INJURY: _("工伤事故死亡或伤残补助"),
    ON_DUTY: _("因公殉职或致残补助"),
    NEWBORN_DISEASE: _("新生儿特种重病补助"),
    ACCIDENTAL_INJURY: _("意外伤害补助"),
}

# Benefits for illness: the waiting period of a new enrolee applies to them (not to accidents or injuries).
DISEASE_KINDS = frozenset({SERIOUS_DISEASE, HOSPITAL_DAILY, INPATIENT_SELF_PAY, LARGE_SINGLE_DISEASE, NEWBORN_DISEASE})
# Benefits that pay only for a disease on the rule's list.
LISTED_DISEASE_KINDS = frozenset({SERIOUS_DISEASE, LARGE_SINGLE_DISEASE, NEWBORN_DISEASE})
# Benefits paid once per disease (on its first diagnosis).
ONCE_PER_DISEASE_KINDS = frozenset({SERIOUS_DISEASE, NEWBORN_DISEASE})

# What each kind's `params` hold (documented in docs/benefits-rules.md); every kind may add "yearly_cap".
PARAMETERS = {
    SERIOUS_DISEASE: ("amount",),
    HOSPITAL_DAILY: ("daily_amount", "max_days_per_year"),
    INPATIENT_SELF_PAY: ("rate",),
    LARGE_SINGLE_DISEASE: ("brackets",),
    WORK_INJURY: ("grades",),
    ON_DUTY: ("grades",),
    NEWBORN_DISEASE: ("amount",),
    ACCIDENTAL_INJURY: ("amount",),
}


def money(value) -> Decimal:
    return Decimal(value).quantize(FEN, ROUND_HALF_UP)


def _format_param(value) -> str:
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class Message:
    """A lazily translated sentence and its parameters; `render()` formats it in the active language."""

    template: Promise | str
    params: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, template, **params) -> Message:
        return cls(template, tuple(params.items()))

    def render(self) -> str:
        text = str(self.template)
        if not self.params:
            return text
        return text % {key: _format_param(value) for key, value in self.params}

    __str__ = render


@dataclass(frozen=True)
class Bracket:
    lower: Decimal
    upper: Decimal | None
    rate: Decimal


@dataclass(frozen=True)
class RuleSpec:
    kind: str
    amount: Decimal | None = None
    daily_amount: Decimal | None = None
    max_days_per_year: int | None = None
    rate: Decimal | None = None
    brackets: tuple[Bracket, ...] = ()
    grades: tuple[tuple[str, Decimal], ...] = ()
    yearly_cap: Decimal | None = None
    diseases: frozenset[str] = frozenset()

    def grade_amount(self, grade: str) -> Decimal | None:
        return dict(self.grades).get(grade)


class RuleSpecError(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _decimal(params: Mapping, key: str, *, minimum: Decimal = ZERO, maximum: Decimal | None = None) -> Decimal:
    try:
        value = Decimal(str(params[key]))
    except KeyError as exc:
        raise RuleSpecError(_("缺少参数 %(key)s。") % {"key": key}) from exc
    except (InvalidOperation, TypeError) as exc:
        raise RuleSpecError(_("参数 %(key)s 应为数字。") % {"key": key}) from exc
    if not value.is_finite() or value < minimum or (maximum is not None and value > maximum):
        raise RuleSpecError(_("参数 %(key)s 超出允许范围。") % {"key": key})
    return value


def rule_spec_from_data(*, kind: str, params: Mapping, diseases: Iterable[str]) -> RuleSpec:
    """Checks a rule's stored parameters and turns them into a `RuleSpec`; raises RuleSpecError."""
    if kind not in PARAMETERS:
        raise RuleSpecError(_("未知的补助项目。"))
    if not isinstance(params, Mapping):
        raise RuleSpecError(_("参数应为一个对象。"))
    fields: dict = {"kind": kind, "diseases": frozenset(diseases)}
    if params.get("yearly_cap") not in (None, ""):
        fields["yearly_cap"] = _decimal(params, "yearly_cap")
    if kind in (SERIOUS_DISEASE, NEWBORN_DISEASE, ACCIDENTAL_INJURY):
        fields["amount"] = _decimal(params, "amount")
    elif kind == HOSPITAL_DAILY:
        fields["daily_amount"] = _decimal(params, "daily_amount")
        days = _decimal(params, "max_days_per_year", minimum=Decimal(1), maximum=Decimal(366))
        if days != days.to_integral_value():
            raise RuleSpecError(_("参数 max_days_per_year 应为整数。"))
        fields["max_days_per_year"] = int(days)
    elif kind == INPATIENT_SELF_PAY:
        fields["rate"] = _decimal(params, "rate", maximum=Decimal(1))
    elif kind == LARGE_SINGLE_DISEASE:
        rows = params.get("brackets")
        if not isinstance(rows, list) or not rows:
            raise RuleSpecError(_("参数 brackets 应为非空列表。"))
        brackets = []
        previous_upper: Decimal | None = ZERO
        for row in rows:
            if not isinstance(row, Mapping) or previous_upper is None:
                raise RuleSpecError(_("分段表格式有误：只有最后一段可以不设上限。"))
            lower = _decimal(row, "from")
            upper = _decimal(row, "to") if row.get("to") not in (None, "") else None
            if lower != previous_upper or (upper is not None and upper <= lower):
                raise RuleSpecError(_("分段表应从 0 起首尾相接、逐段递增。"))
            brackets.append(Bracket(lower=lower, upper=upper, rate=_decimal(row, "rate", maximum=Decimal(1))))
            previous_upper = upper
        fields["brackets"] = tuple(brackets)
    elif kind in (WORK_INJURY, ON_DUTY):
        grades = params.get("grades")
        if not isinstance(grades, Mapping) or not grades:
            raise RuleSpecError(_("参数 grades 应为“等级: 金额”的对象。"))
        fields["grades"] = tuple((str(grade), _decimal(grades, grade)) for grade in grades)
    return RuleSpec(**fields)


@dataclass(frozen=True)
class CoverTerms:
    """The enrolment's side: when cover runs, the waiting period, the claim deadline, the tier's yearly cap."""

    cover_start: date
    cover_end: date
    waiting_until: date | None = None  # last day of the waiting period; None for a renewal that skips it
    claim_deadline_days: int = 180
    yearly_cap: Decimal | None = None


@dataclass(frozen=True)
class ClaimFacts:
    kind: str
    event_date: date  # diagnosis, accident or injury date; for a hospital stay the admission date
    filed_on: date
    disease_code: str = ""
    first_diagnosis: bool = True
    is_accident: bool = False
    admission_date: date | None = None
    discharge_date: date | None = None
    self_paid: Decimal = ZERO
    bed_fee: Decimal = ZERO
    grade: str = ""

    @property
    def ended_on(self) -> date:
        """The day the claim deadline counts from: discharge for a hospital stay, otherwise the event."""
        return self.discharge_date or self.event_date

    @property
    def hospital_days(self) -> int:
        if self.admission_date is None or self.discharge_date is None:
            return 0
        # Days in hospital count like nights; a same-day discharge counts as one day.
        return max((self.discharge_date - self.admission_date).days, 1)


@dataclass(frozen=True)
class PaidThisYear:
    total: Decimal = ZERO
    by_kind: Mapping[str, Decimal] = field(default_factory=dict)
    hospital_days: int = 0
    diseases_paid: frozenset[tuple[str, str]] = frozenset()  # (kind, disease code) already paid once


@dataclass(frozen=True)
class InFlight:
    """The member's other claims of the plan year that are assessed but not yet decided (base or federation
    review): what they would take counts against every limit, so two claims filed before either is decided cannot
    each be given the whole of a limit. A claim returned, rejected or withdrawn takes nothing."""

    count: int = 0
    total: Decimal = ZERO
    by_kind: Mapping[str, Decimal] = field(default_factory=dict)
    count_by_kind: Mapping[str, int] = field(default_factory=dict)
    hospital_days: int = 0
    hospital_count: int = 0  # how many of them hold hospital days
    diseases: frozenset[tuple[str, str]] = frozenset()  # (kind, disease code) claimed once-only


def usage_of(rows) -> tuple[PaidThisYear, InFlight]:
    """(kind, disease code, decided?, amount due, hospital days) of a plan year's other claims (decided: approved
    or paid; else under review) → what decided claims were granted and what claims under review would take."""
    granted: dict = {}
    pending: dict = {}
    pending_count: dict = {}
    days = pending_days = pending_with_days = 0
    diseases, pending_diseases = set(), set()
    for kind, code, decided, amount, claim_days in rows:
        amount = amount or ZERO
        once = kind in ONCE_PER_DISEASE_KINDS and code
        if decided:
            granted[kind] = granted.get(kind, ZERO) + amount
            days += claim_days or 0
            if once:
                diseases.add((kind, code))
        else:
            pending[kind] = pending.get(kind, ZERO) + amount
            pending_count[kind] = pending_count.get(kind, 0) + 1
            pending_days += claim_days or 0
            pending_with_days += 1 if claim_days else 0
            if once:
                pending_diseases.add((kind, code))
    paid = PaidThisYear(total=sum(granted.values(), ZERO), by_kind=granted, hospital_days=days,
                              diseases_paid=frozenset(diseases))
    in_flight = InFlight(count=sum(pending_count.values()), total=sum(pending.values(), ZERO),
                               by_kind=pending, count_by_kind=pending_count, hospital_days=pending_days,
                               hospital_count=pending_with_days, diseases=frozenset(pending_diseases))
    return paid, in_flight


@dataclass(frozen=True)
class Line:
    kind: str
    text: Message
    inputs: tuple[tuple[str, object], ...]
    amount: Decimal


@dataclass(frozen=True)
class Assessment:
    eligible: bool
    amount: Decimal
    reasons: tuple[Message, ...] = ()
    lines: tuple[Line, ...] = ()
    hospital_days_paid: int = 0

    def as_data(self) -> dict:
        """A JSON-friendly form (a claim keeps it); texts rendered in the active language."""
        return {
            "eligible": self.eligible,
            "amount": str(self.amount),
            "reasons": [m.render() for m in self.reasons],
            "lines": [
                {"kind": line.kind, "text": line.text.render(), "amount": str(line.amount),
                 "inputs": {k: _format_param(v) for k, v in line.inputs}}
                for line in self.lines
            ],
            "hospital_days_paid": self.hospital_days_paid,
        }


def _eligibility_reasons(rule: RuleSpec | None, terms: CoverTerms, facts: ClaimFacts, paid: PaidThisYear,
                         in_flight: InFlight) -> list:
    reasons: list[Message] = []
    if rule is None:
        reasons.append(
            Message.of(_("您参加的档次不包含“%(benefit)s”。"), benefit=KIND_LABELS.get(facts.kind, facts.kind))
        )
        return reasons
    if not terms.cover_start <= facts.event_date <= terms.cover_end:
        reasons.append(Message.of(
            _("事发日期 %(day)s 不在保障期 %(start)s 至 %(end)s 内。"),
            day=facts.event_date, start=terms.cover_start, end=terms.cover_end,
        ))
    elif (
        terms.waiting_until is not None
        and facts.kind in DISEASE_KINDS
        and not facts.is_accident
        and facts.event_date <= terms.waiting_until
    ):
        reasons.append(Message.of(
            _("新参保的等待期到 %(last)s 为止，%(day)s 发生的疾病不在补助范围内。"),
            last=terms.waiting_until, day=facts.event_date,
        ))
    deadline = facts.ended_on + timedelta(days=terms.claim_deadline_days)
    if facts.filed_on > deadline:
        reasons.append(Message.of(
            _("申请须在 %(start)s 后 %(days)s 天内（%(deadline)s 前）提出，已经超过期限。"),
            start=facts.ended_on, days=terms.claim_deadline_days, deadline=deadline,
        ))
    if rule.kind in LISTED_DISEASE_KINDS and facts.disease_code not in rule.diseases:
        reasons.append(Message.of(_("所患疾病不在本项目的病种目录内。")))
    if rule.kind in ONCE_PER_DISEASE_KINDS:
        if not facts.first_diagnosis:
            reasons.append(Message.of(_("本项目只在首次确诊时补助一次。")))
        elif (rule.kind, facts.disease_code) in paid.diseases_paid:
            reasons.append(Message.of(_("该疾病已经领取过本项目补助。")))
        elif (rule.kind, facts.disease_code) in in_flight.diseases:
            reasons.append(Message.of(_("该疾病已有一件本项目的申请在审核中，本项目只补助一次。")))
    if rule.kind in (WORK_INJURY, ON_DUTY) and rule.grade_amount(facts.grade) is None:
        reasons.append(Message.of(_("伤残等级“%(grade)s”不在补助标准表内。"), grade=facts.grade or "—"))
    if rule.kind in (HOSPITAL_DAILY, INPATIENT_SELF_PAY) and (
        facts.admission_date is None or facts.discharge_date is None or facts.discharge_date < facts.admission_date
    ):
        reasons.append(Message.of(_("请填写正确的入院和出院日期。")))
    return reasons


def _gross_lines(rule: RuleSpec, facts: ClaimFacts, paid: PaidThisYear, in_flight: InFlight) -> tuple[list[Line], int]:
    kind = rule.kind
    if kind in (SERIOUS_DISEASE, NEWBORN_DISEASE, ACCIDENTAL_INJURY):
        amount = money(rule.amount)
        return [Line(kind, Message.of(_("%(benefit)s：定额 %(amount)s 元。"), benefit=KIND_LABELS[kind], amount=amount),
                     (("amount", amount),), amount)], 0
    if kind in (WORK_INJURY, ON_DUTY):
        amount = money(rule.grade_amount(facts.grade))
        return [Line(kind, Message.of(_("%(benefit)s：等级“%(grade)s”，按标准补助 %(amount)s 元。"),
                                      benefit=KIND_LABELS[kind], grade=facts.grade, amount=amount),
                     (("grade", facts.grade), ("amount", amount)), amount)], 0
    if kind == HOSPITAL_DAILY:
        days = facts.hospital_days
        left = max(rule.max_days_per_year - paid.hospital_days - in_flight.hospital_days, 0)
        payable = min(days, left)
        amount = money(rule.daily_amount * payable)
        if in_flight.hospital_days:
            text = Message.of(
                _("住院 %(days)s 天；本年度最多补助 %(max)s 天，之前已补助 %(used)s 天，"
                  "另有 %(pending)s 件申请在审核中，已占用 %(pending_days)s 天，"
                  "本次计 %(payable)s 天 × %(daily)s 元 = %(amount)s 元。"),
                days=days, max=rule.max_days_per_year, used=paid.hospital_days, pending=in_flight.hospital_count,
                pending_days=in_flight.hospital_days, payable=payable, daily=rule.daily_amount, amount=amount,
            )
        else:
            text = Message.of(
                _("住院 %(days)s 天；本年度最多补助 %(max)s 天，之前已补助 %(used)s 天，本次计 %(payable)s 天 × "
                  "%(daily)s 元 = %(amount)s 元。"),
                days=days, max=rule.max_days_per_year, used=paid.hospital_days, payable=payable,
                daily=rule.daily_amount, amount=amount,
            )
        inputs = (("days", days), ("days_used", paid.hospital_days), ("days_in_review", in_flight.hospital_days),
                  ("days_paid", payable), ("daily_amount", rule.daily_amount))
        return [Line(kind, text, inputs, amount)], payable
    if kind == INPATIENT_SELF_PAY:
        base = max(facts.self_paid - facts.bed_fee, ZERO)
        amount = money(base * rule.rate)
        text = Message.of(
            _("个人自付 %(self_paid)s 元，扣除床位费 %(bed_fee)s 元后为 %(base)s 元，"
              "按 %(rate)s%% 补助 %(amount)s 元。"),
            self_paid=facts.self_paid, bed_fee=facts.bed_fee, base=base,
            rate=_percent(rule.rate), amount=amount,
        )
        inputs = (("self_paid", facts.self_paid), ("bed_fee", facts.bed_fee), ("base", base), ("rate", rule.rate))
        return [Line(kind, text, inputs, amount)], 0
    if kind == LARGE_SINGLE_DISEASE:
        lines = []
        for bracket in rule.brackets:
            if facts.self_paid <= bracket.lower:
                break
            top = facts.self_paid if bracket.upper is None else min(facts.self_paid, bracket.upper)
            portion = top - bracket.lower
            amount = money(portion * bracket.rate)
            if bracket.upper is None:
                text = Message.of(_("自付费用 %(lower)s 元以上部分 %(portion)s 元，按 %(rate)s%% 补助 %(amount)s 元。"),
                                  lower=bracket.lower, portion=portion, rate=_percent(bracket.rate), amount=amount)
            else:
                text = Message.of(
                    _("自付费用 %(lower)s 至 %(upper)s 元部分 %(portion)s 元，按 %(rate)s%% 补助 %(amount)s 元。"),
                    lower=bracket.lower, upper=bracket.upper, portion=portion, rate=_percent(bracket.rate),
                    amount=amount,
                )
            lines.append(Line(kind, text, (("portion", portion), ("rate", bracket.rate)), amount))
        return lines, 0
    raise RuleSpecError(_("未知的补助项目。"))


def _percent(rate: Decimal) -> str:
    return format((rate * 100).normalize(), "f")


def _cap_line(kind: str, templates, cap: Decimal, used: Decimal, so_far: Decimal, *, pending: int = 0,
              pending_amount: Decimal = ZERO) -> Line | None:
    """The cut a yearly money cap makes, if any. `used` is what decided claims were granted; `pending_amount` what
    `pending` claims still under review would take (named in the text: it is why less is left)."""
    left = max(money(cap) - used - pending_amount, ZERO)
    if so_far <= left:
        return None
    cut = money(left - so_far)
    plain, with_pending = templates
    if pending_amount:
        text = Message.of(with_pending, cap=money(cap), used=used, pending=pending, pending_amount=pending_amount,
                          left=left, amount=cut)
    else:
        text = Message.of(plain, cap=money(cap), used=used, left=left, amount=cut)
    return Line(kind, text, (("cap", money(cap)), ("used", used), ("in_review", pending_amount), ("left", left)),
                cut)


KIND_CAP_TEXTS = (
    _("本项目年度补助上限 %(cap)s 元，今年已补助 %(used)s 元，尚余 %(left)s 元，本次调整 %(amount)s 元。"),
    _("本项目年度补助上限 %(cap)s 元，今年已补助 %(used)s 元，另有 %(pending)s 件申请在审核中，已占用 "
      "%(pending_amount)s 元，尚余 %(left)s 元，本次调整 %(amount)s 元。"),
)
TIER_CAP_TEXTS = (
    _("各项补助年度合计上限 %(cap)s 元，今年已补助 %(used)s 元，尚余 %(left)s 元，本次调整 %(amount)s 元。"),
    _("各项补助年度合计上限 %(cap)s 元，今年已补助 %(used)s 元，另有 %(pending)s 件申请在审核中，已占用 "
      "%(pending_amount)s 元，尚余 %(left)s 元，本次调整 %(amount)s 元。"),
)


def assess(
    rules: Mapping[str, RuleSpec], terms: CoverTerms, facts: ClaimFacts, paid: PaidThisYear | None = None,
    in_flight: InFlight | None = None,
) -> Assessment:
    """Whether the claim is eligible (or why not), how much it pays and how that was worked out. `paid` is what
    decided claims of the plan year were granted, `in_flight` what the member's other claims under review would
    take: every limit (days, money per kind and in all, once-only benefits) counts both."""
    paid = paid or PaidThisYear()
    in_flight = in_flight or InFlight()
    rule = rules.get(facts.kind)
    reasons = _eligibility_reasons(rule, terms, facts, paid, in_flight)
    if reasons:
        return Assessment(eligible=False, amount=ZERO, reasons=tuple(reasons))
    lines, days = _gross_lines(rule, facts, paid, in_flight)
    total = gross = sum((line.amount for line in lines), ZERO)
    if rule.yearly_cap is not None:
        line = _cap_line(
            rule.kind, KIND_CAP_TEXTS, rule.yearly_cap, money(paid.by_kind.get(rule.kind, ZERO)), total,
            pending=in_flight.count_by_kind.get(rule.kind, 0),
            pending_amount=money(in_flight.by_kind.get(rule.kind, ZERO)),
        )
        if line:
            lines.append(line)
            total += line.amount
    if terms.yearly_cap is not None:
        line = _cap_line(
            rule.kind, TIER_CAP_TEXTS, terms.yearly_cap, money(paid.total), total,
            pending=in_flight.count, pending_amount=money(in_flight.total),
        )
        if line:
            lines.append(line)
            total += line.amount
    if days and total < gross and rule.daily_amount:
        # A money cap cut the daily allowance: count only the days it still pays in full.
        days = int(total // rule.daily_amount)
    return Assessment(eligible=True, amount=total, lines=tuple(lines), hospital_days_paid=days)


def describe(rule: RuleSpec) -> Message:
    """One sentence a member understands for a rule (plan pages, "my cover")."""
    cap = rule.yearly_cap
    if rule.kind in (SERIOUS_DISEASE, NEWBORN_DISEASE):
        return Message.of(_("首次确诊目录内疾病，一次性补助 %(amount)s 元。"), amount=rule.amount)
    if rule.kind == ACCIDENTAL_INJURY:
        if cap is not None:
            return Message.of(_("每次意外伤害补助 %(amount)s 元，每年最多 %(cap)s 元。"), amount=rule.amount, cap=cap)
        return Message.of(_("每次意外伤害补助 %(amount)s 元。"), amount=rule.amount)
    if rule.kind == HOSPITAL_DAILY:
        return Message.of(_("住院每天补助 %(daily)s 元，每年最多 %(days)s 天。"),
                          daily=rule.daily_amount, days=rule.max_days_per_year)
    if rule.kind == INPATIENT_SELF_PAY:
        if cap is not None:
            return Message.of(_("住院个人自付费用（扣除床位费）按 %(rate)s%% 补助，每年最多 %(cap)s 元。"),
                              rate=_percent(rule.rate), cap=cap)
        return Message.of(_("住院个人自付费用（扣除床位费）按 %(rate)s%% 补助。"), rate=_percent(rule.rate))
    if rule.kind == LARGE_SINGLE_DISEASE:
        top = max(b.rate for b in rule.brackets)
        return Message.of(_("目录内重大疾病的自付医疗费用分段补助，最高比例 %(rate)s%%。"), rate=_percent(top))
    amounts = [amount for _grade, amount in rule.grades]
    return Message.of(_("按伤残等级补助 %(low)s 至 %(high)s 元。"), low=min(amounts), high=max(amounts))
