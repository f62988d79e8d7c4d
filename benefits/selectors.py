"""Reads of the benefits app that join, aggregate or must not grow queries with the data."""

from collections import defaultdict

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from members.models import Branch, Member
from members.selectors import branches_in_scope

from . import rules
from .models import ZERO, BenefitRule, Claim, Enrolment, Payment, Plan, SubsidyRule, Tier

STAFF_ROLES = ["finance", "branch_admin", "claims_reviewer"]
PAYMENT_ROLES = ["finance", "branch_admin"]


def staff_branches(user, roles=None) -> QuerySet[Branch]:
    return branches_in_scope(user, roles=roles or STAFF_ROLES)


def tier_rule_specs(tier: Tier) -> dict[str, rules.RuleSpec]:
    """The tier's rules as the engine's specs, in one query (the disease codes come prefetched)."""
    rows = BenefitRule.objects.filter(tier=tier).select_related("disease_list").prefetch_related(
        "disease_list__diseases"
    )
    return {
        row.kind: rules.rule_spec_from_data(
            kind=row.kind,
            params=row.params,
            diseases=[d.code for d in row.disease_list.diseases.all()] if row.disease_list else [],
        )
        for row in rows
    }


def plans_open_for_enrolment(day=None, *, renewals=False) -> QuerySet[Plan]:
    """Plans whose window is open; with `renewals`, also those taking renewals (from `renewal_opens`)."""
    day = day or timezone.localdate()
    opened = Q(enrol_opens__lte=day)
    if renewals:
        opened |= Q(previous__isnull=False, renewal_opens__lte=day)
    return (
        Plan.objects.filter(opened, enrol_closes__gte=day)
        .select_related("federation")
        .prefetch_related(Prefetch("tiers", queryset=Tier.objects.prefetch_related("rules")))
    )


def plans_visible(day=None) -> QuerySet[Plan]:
    """Plans a member can read about: from the window's opening to the end of cover."""
    day = day or timezone.localdate()
    return (
        Plan.objects.filter(enrol_opens__lte=day, cover_ends__gte=day)
        .select_related("federation")
        .prefetch_related(Prefetch("tiers", queryset=Tier.objects.prefetch_related("rules")))
    )


def member_enrolments(member: Member) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(member=member)
        .select_related("plan", "tier", "payment", "subsidy_rule__paying_branch", "branch")
        .order_by("-plan__year", "-id")
    )


def enrolment_usage(enrolment: Enrolment, *, exclude_claim_id: int | None = None
                    ) -> tuple[rules.PaidThisYear, rules.InFlight]:
    """What the plan year's claims (but `exclude_claim_id`) use: granted by decided ones (approved, paid) and taken by
    those under review (their amount due and assessed days). One query."""
    decided = (Claim.State.APPROVED, Claim.State.PAID)
    claims = Claim.objects.filter(enrolment=enrolment, state__in=[*decided, Claim.State.BASE_REVIEW,
                                                                  Claim.State.FEDERATION_REVIEW])
    if exclude_claim_id is not None:
        claims = claims.exclude(pk=exclude_claim_id)
    rows = [(kind, code, state in decided, approved if approved is not None else proposed, days)
            for kind, code, state, approved, proposed, days in claims.values_list(
                "kind", "disease_code", "state", "approved_amount", "proposed_amount", "hospital_days_paid")]
    return rules.usage_of(rows)


def enrolment_paid_this_year(enrolment: Enrolment) -> rules.PaidThisYear:
    """What this enrolment was already granted in its plan year: approved and paid claims count against the
    yearly caps (money by kind and in total, hospital days, diseases paid once). Two queries."""
    granted = Claim.objects.filter(enrolment=enrolment, state__in=[Claim.State.APPROVED, Claim.State.PAID])
    by_kind = {}
    days = 0
    for row in granted.values("kind").annotate(amount=Sum("approved_amount"), days=Sum("hospital_days_paid")):
        by_kind[row["kind"]] = row["amount"] or ZERO
        days += row["days"] or 0
    diseases = frozenset(
        granted.filter(kind__in=rules.ONCE_PER_DISEASE_KINDS).exclude(disease_code="")
        .values_list("kind", "disease_code")
    ) if by_kind.keys() & rules.ONCE_PER_DISEASE_KINDS else frozenset()
    return rules.PaidThisYear(total=sum(by_kind.values(), ZERO), by_kind=by_kind, hospital_days=days,
                              diseases_paid=diseases)


def cover_terms(enrolment: Enrolment) -> rules.CoverTerms:
    """The enrolment's side of the rules engine's input (claims use it with `tier_rule_specs`)."""
    return rules.CoverTerms(
        cover_start=enrolment.cover_start, cover_end=enrolment.cover_end, waiting_until=enrolment.waiting_until,
        claim_deadline_days=enrolment.plan.claim_deadline_days, yearly_cap=enrolment.tier.yearly_cap,
    )


def cover_summary(enrolment: Enrolment) -> dict:
    """The member's cover: period, waiting period end, and what is left of each yearly cap."""
    specs = tier_rule_specs(enrolment.tier)
    paid = enrolment_paid_this_year(enrolment)
    caps = []
    for kind, spec in specs.items():
        if spec.max_days_per_year is not None:
            left_days = max(spec.max_days_per_year - paid.hospital_days, 0)
            caps.append({"kind": kind, "label": rules.KIND_LABELS[kind], "unit": "days",
                         "cap": spec.max_days_per_year, "used": paid.hospital_days, "left": left_days})
        if spec.yearly_cap is not None:
            used = paid.by_kind.get(kind, ZERO)
            caps.append({"kind": kind, "label": rules.KIND_LABELS[kind], "unit": "yuan",
                         "cap": spec.yearly_cap, "used": used, "left": max(spec.yearly_cap - used, ZERO)})
    if enrolment.tier.yearly_cap is not None:
        caps.append({"kind": "total", "label": None, "unit": "yuan", "cap": enrolment.tier.yearly_cap,
                     "used": paid.total, "left": max(enrolment.tier.yearly_cap - paid.total, ZERO)})
    return {"enrolment": enrolment, "rules": specs, "caps": caps}


def subsidy_rules_for(plan: Plan) -> list[SubsidyRule]:
    """The plan's subsidy rules, the deepest paying branch first (a district's rule beats the city's)."""
    return sorted(
        SubsidyRule.objects.filter(plan=plan).select_related("paying_branch"),
        key=lambda r: len(r.paying_branch.path),
        reverse=True,
    )


def subsidy_rule_matching(
    subsidy_rules: list[SubsidyRule], *, branch_path: str, employment_type: str, employer_non_public: bool
) -> SubsidyRule | None:
    for rule in subsidy_rules:
        if not branch_path.startswith(rule.paying_branch.path):
            continue
        if rule.non_public_only and not employer_non_public:
            continue
        if rule.employment_types and employment_type not in rule.employment_types:
            continue
        return rule
    return None


def enrolments_in_scope(user, *, roles=None) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(branch__in=staff_branches(user, roles))


def payments_in_scope(user, *, roles=None) -> QuerySet[Payment]:
    return Payment.objects.filter(branch__in=staff_branches(user, roles))


def enrolment_summary(user, *, plan: Plan) -> dict:
    """Enrolees by branch and tier, fees collected, subsidies and unpaid enrolments, in the user's subtree.
    Three queries whatever the number of rows."""
    base = enrolments_in_scope(user).filter(plan=plan)
    grouped = (
        base.values("branch_id", "branch__name", "branch__path", "tier__name", "tier__fee")
        .annotate(
            active=Count("id", filter=Q(status=Enrolment.Status.ACTIVE)),
            pending=Count("id", filter=Q(status=Enrolment.Status.PENDING)),
            collected=Sum("member_part", filter=Q(status=Enrolment.Status.ACTIVE)),
            subsidies=Sum("subsidy_part", filter=Q(status=Enrolment.Status.ACTIVE)),
            unpaid=Sum("member_part", filter=Q(status=Enrolment.Status.PENDING)),
        )
        .order_by("branch__path", "tier__fee")
    )
    rows = []
    totals: dict = defaultdict(lambda: ZERO)
    for row in grouped:
        row = {**row, **{k: row[k] or ZERO for k in ("collected", "subsidies", "unpaid")}}
        rows.append(row)
        for key in ("active", "pending", "collected", "subsidies", "unpaid"):
            totals[key] += row[key]
    subsidies_by_payer = list(
        base.filter(status=Enrolment.Status.ACTIVE, subsidy_rule__isnull=False)
        .values("subsidy_rule__paying_branch__name")
        .annotate(count=Count("id"), amount=Sum("subsidy_part"))
        .order_by("subsidy_rule__paying_branch__name")
    )
    return {"rows": rows, "totals": dict(totals), "subsidies_by_payer": subsidies_by_payer}


def unpaid_enrolments(user, *, plan: Plan) -> QuerySet[Enrolment]:
    return (
        enrolments_in_scope(user)
        .filter(plan=plan, status=Enrolment.Status.PENDING)
        .select_related("member", "tier", "branch")
        .order_by("branch__path", "id")
    )


def renewal_offers(member: Member, *, day=None) -> list[tuple[Enrolment, Plan]]:
    """The member's active enrolments whose next year's plan takes renewals today and that they have not renewed
    yet, each with that plan (two queries)."""
    day = day or timezone.localdate()
    active = list(member_enrolments(member).filter(status=Enrolment.Status.ACTIVE))
    if not active:
        return []
    successors = {
        plan.previous_id: plan
        for plan in Plan.objects.filter(previous_id__in=[e.plan_id for e in active]).order_by("-year")
    }
    renewed = set(
        Enrolment.objects.filter(member=member, plan__in=successors.values()).values_list("plan_id", flat=True)
    )
    return [
        (enrolment, successors[enrolment.plan_id])
        for enrolment in active
        if enrolment.plan_id in successors
        and successors[enrolment.plan_id].is_renewal_window_open(day)
        and successors[enrolment.plan_id].pk not in renewed
    ]

