"""Plans, tiers and enrolments for the benefits tests; dates relative to today so the window is open."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from benefits.models import BenefitRule, Plan, SubsidyRule, Tier


def make_plan(*, federation=None, code="plan-test", **fields) -> Plan:
    today = timezone.localdate()
    values = {
        "year": today.year, "name": f"{today.year}年度职工医疗互助保障",
        "enrol_opens": today - timedelta(days=10), "enrol_closes": today + timedelta(days=10),
        "cover_start_rule": Plan.CoverStart.DAY_AFTER_PAYMENT,
        "cover_starts": today - timedelta(days=10), "cover_ends": today + timedelta(days=300),
        "waiting_days": 90, "renewal_grace_days": 60, "claim_deadline_days": 180,
    }
    values.update(fields)
    plan = Plan.objects.create(code=code, federation=federation, **values)
    basic = Tier.objects.create(plan=plan, code="basic", name="基础档", fee=Decimal("36.00"),
                                yearly_cap=Decimal("150000.00"))
    enhanced = Tier.objects.create(plan=plan, code="enhanced", name="提高档", fee=Decimal("60.00"))
    for tier, amount in ((basic, "10000.00"), (enhanced, "20000.00")):
        BenefitRule.objects.create(tier=tier, kind="hospital_daily",
                                   params={"daily_amount": "50.00", "max_days_per_year": 30})
        BenefitRule.objects.create(tier=tier, kind="inpatient_self_pay",
                                   params={"rate": "0.20", "yearly_cap": "200000.00"})
        BenefitRule.objects.create(tier=tier, kind="accidental_injury", params={"amount": amount})
    return plan


def make_subsidy(plan, branch, *, share=None, fixed_amount=None, non_public_only=True, employment_types=None):
    return SubsidyRule.objects.create(
        plan=plan, paying_branch=branch, share=share, fixed_amount=fixed_amount,
        non_public_only=non_public_only, employment_types=employment_types or [],
    )


def make_active_enrolment(plan, member, *, tier_code="basic", cover_start=None, waiting_until=None):
    """An enrolment whose cover started `cover_start` (default 60 days ago), with no waiting period left."""
    from benefits.models import Enrolment

    today = timezone.localdate()
    tier = plan.tiers.get(code=tier_code)
    cover_start = cover_start or today - timedelta(days=60)
    return Enrolment.objects.create(
        plan=plan, tier=tier, member=member, branch=member.branch, status=Enrolment.Status.ACTIVE, fee=tier.fee,
        member_part=tier.fee, cover_start=cover_start, cover_end=plan.cover_ends, waiting_until=waiting_until,
        activated_at=timezone.now(),
    )


def require_documents(plan, kind, documents):
    BenefitRule.objects.filter(tier__plan=plan, kind=kind).update(required_documents=list(documents))
