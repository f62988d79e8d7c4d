"""Limits that hold whatever the order: any sequence of filing, assessing, passing, adjusting, approving,
rejecting, returning and withdrawing over several claims of one member never grants beyond a limit of the plan
year — the days per year, the money per kind and in all, a once-only benefit per disease. Personas: the claimant
(files and withdraws), the base union's reviewer, two federation reviewers (one adjusts, the other approves)."""

import contextlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from benefits.claims import services as claims
from benefits.models import BenefitRule, Claim, Disease, DiseaseList
from tests.benefits.factories import make_active_enrolment

S = Claim.State
DAILY, MAX_DAYS = Decimal("50.00"), 30
SELF_PAY_CAP, TIER_CAP, SERIOUS = Decimal("1000.00"), Decimal("2500.00"), Decimal("1000.00")
# Decided or under review: what these take together never exceeds a limit (the assessment, every adjustment and
# every approval count them all).
LIVE = [S.BASE_REVIEW, S.FEDERATION_REVIEW, S.APPROVED, S.PAID]


@pytest.fixture
def limited_plan(claim_world):
    """The claim world's plan with limits small enough for a few claims to reach them all."""
    tier = claim_world.enrolment.tier
    tier.yearly_cap = TIER_CAP
    tier.save(update_fields=["yearly_cap"])
    BenefitRule.objects.filter(tier=tier, kind="inpatient_self_pay").update(
        params={"rate": "0.20", "yearly_cap": str(SELF_PAY_CAP)})
    BenefitRule.objects.filter(tier=tier, kind="hospital_daily").update(
        params={"daily_amount": str(DAILY), "max_days_per_year": MAX_DAYS})
    diseases = DiseaseList.objects.create(code="serious-limits", name="重大疾病", kind="serious")
    Disease.objects.bulk_create([Disease(disease_list=diseases, code=c, name=c) for c in ("c01", "c02")])
    BenefitRule.objects.create(tier=tier, kind="serious_disease", params={"amount": str(SERIOUS)},
                               disease_list=diseases)
    BenefitRule.objects.filter(tier=tier).update(required_documents=[])
    return claim_world


def _facts(kind: str, n: int, days: int, self_paid: int, disease: str) -> dict:
    today = timezone.localdate()
    stay = {"admission_date": (today - timedelta(days=days + n % 5 + 1)).isoformat(),
            "discharge_date": (today - timedelta(days=n % 5 + 1)).isoformat()}
    bank = {"bank_name": "工商银行", "bank_account": "6222020200112233445", "account_holder": "张三"}
    if kind == "hospital_daily":
        return {"diagnosis": "肺炎", "hospital": f"第{n}医院", **stay, **bank}
    if kind == "inpatient_self_pay":
        return {"diagnosis": "骨折", "hospital": f"第{n}医院", **stay, "total_cost": str(self_paid * 2),
                "self_paid": str(self_paid), "bed_fee": "0", "invoice_numbers": f"FPH{n:06d}", **bank}
    return {"diagnosis": "恶性肿瘤", "hospital": "肿瘤医院", "disease_code": disease, "first_diagnosis": True,
            "event_date": (today - timedelta(days=2)).isoformat(), **bank}


def run_machine(world, staff_of, member_factory, capture):
    federation_a = world.reviewer_fed
    federation_b = staff_of(world.tree.city, role="claims_reviewer")

    class ClaimsOfOneMember(RuleBasedStateMachine):
        filed = Bundle("claims")

        @initialize()
        def a_new_member(self):
            # Each run its own member and plan year: runs never see each other's claims.
            self.member = member_factory(branch=world.tree.base_a1)
            self.enrolment = make_active_enrolment(world.plan, self.member)
            self.n = 0

        def _act(self, action, claim_id, **kwargs):
            claim = Claim.objects.get(pk=claim_id)
            try:
                with capture(execute=True):
                    action(claim_id=claim_id, version=claim.version, **kwargs)
            except claims.ClaimError:
                pass  # refused (wrong state, over a limit, four eyes): nothing changes, which is what we check

        @precondition(lambda self: self.n < 5)
        @rule(target=filed, kind=st.sampled_from(["hospital_daily", "hospital_daily", "inpatient_self_pay",
                                                  "serious_disease"]),
              days=st.integers(8, 25), self_paid=st.integers(500, 6000), disease=st.sampled_from(["c01", "c02"]),
              assessed_at_once=st.booleans())
        def file_and_submit(self, kind, days, self_paid, disease, assessed_at_once):
            self.n += 1
            claim = claims.claim_create(actor=self.member.user, enrolment_id=self.enrolment.pk, kind=kind,
                                        facts=_facts(kind, self.n, days, self_paid, disease))
            # Submitted and assessed at once (the worker is quick), or left submitted for a later step.
            with capture(execute=assessed_at_once):
                claims.claim_submit(actor=self.member.user, claim_id=claim.pk)
            return claim.pk

        @rule(claim_id=filed)
        def assess(self, claim_id):
            with capture(execute=True):
                claims.claim_assess(claim_id=claim_id)

        @rule(claim_id=filed)
        def decide(self, claim_id):
            """The reviewers' usual path from the assessment on: passed at base level, approved at federation level."""
            for _step in range(2):
                state = Claim.objects.values_list("state", flat=True).get(pk=claim_id)
                if state == S.BASE_REVIEW:
                    self._act(claims.claim_pass, claim_id, actor=world.reviewer_base)
                elif state == S.FEDERATION_REVIEW:
                    self._act(claims.claim_approve, claim_id, actor=federation_b)

        @rule(claim_id=filed, action=st.sampled_from(["adjust", "reject", "return", "resubmit", "withdraw"]),
              amount=st.integers(1, 3000))
        def disturb(self, claim_id, action, amount):
            """What else happens to a claim: an amount adjusted (by the other federation reviewer), a rejection,
            a return and a resubmission, a withdrawal."""
            if action == "adjust":
                self._act(claims.claim_adjust, claim_id, actor=federation_a, amount=str(amount), reason="核减")
            elif action == "reject":
                state = Claim.objects.values_list("state", flat=True).get(pk=claim_id)
                actor = world.reviewer_base if state == S.BASE_REVIEW else federation_b
                self._act(claims.claim_reject, claim_id, actor=actor, reason="other", message="不符合")
            elif action == "return":
                state = Claim.objects.values_list("state", flat=True).get(pk=claim_id)
                actor = world.reviewer_base if state == S.BASE_REVIEW else federation_b
                self._act(claims.claim_return, claim_id, actor=actor, message="补材料", items=["document:invoice"])
            elif action == "resubmit":
                with contextlib.suppress(claims.ClaimError), capture(execute=False):
                    claims.claim_submit(actor=self.member.user, claim_id=claim_id)
            else:
                with contextlib.suppress(claims.ClaimError):
                    claims.claim_withdraw(actor=self.member.user, claim_id=claim_id)

        @invariant()
        def nothing_granted_or_proposed_beyond_a_limit(self):
            if not hasattr(self, "enrolment"):
                return
            granted = Claim.objects.filter(enrolment=self.enrolment, state__in=LIVE).annotate(
                due=Coalesce("approved_amount", "proposed_amount"))
            total = granted.aggregate(s=Sum("due"))["s"] or Decimal("0")
            assert total <= TIER_CAP
            self_pay = granted.filter(kind="inpatient_self_pay").aggregate(s=Sum("due"))["s"] or 0
            assert self_pay <= SELF_PAY_CAP
            days = granted.filter(kind="hospital_daily").aggregate(d=Sum("hospital_days_paid"))["d"] or 0
            assert days <= MAX_DAYS
            daily_money = granted.filter(kind="hospital_daily").aggregate(s=Sum("due"))["s"] or 0
            assert daily_money <= DAILY * MAX_DAYS
            serious = list(granted.filter(kind="serious_disease", due__gt=0).values_list("disease_code", flat=True))
            assert len(serious) == len(set(serious)), serious

    run_state_machine_as_test(ClaimsOfOneMember, settings=settings(
        max_examples=40, stateful_step_count=16, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))


def test_no_sequence_of_actions_grants_beyond_a_limit(limited_plan, staff_of, member_factory,
                                                      django_capture_on_commit_callbacks):
    run_machine(limited_plan, staff_of, member_factory, django_capture_on_commit_callbacks)


def _daily_claim(world, member, enrolment, n, days, capture):
    claim = claims.claim_create(actor=member.user, enrolment_id=enrolment.pk, kind="hospital_daily",
                                facts=_facts("hospital_daily", n, days, 0, ""))
    with capture(execute=False):
        claims.claim_submit(actor=member.user, claim_id=claim.pk)
    return claim


def test_two_hospital_stays_filed_before_either_is_decided_share_the_yearly_days(
    limited_plan, staff_of, django_capture_on_commit_callbacks
):
    """The claimant files two 20-day stays; both are assessed before either is decided. The second gets the 10 days
    left and its breakdown names the first; both approved, 30 days are paid, not 40."""
    world, capture = limited_plan, django_capture_on_commit_callbacks
    colleague = staff_of(world.tree.city, role="claims_reviewer")
    first = _daily_claim(world, world.claimant, world.enrolment, 1, 20, capture)
    second = _daily_claim(world, world.claimant, world.enrolment, 2, 20, capture)
    with capture(execute=True):
        first = claims.claim_assess(claim_id=first.pk)
        second = claims.claim_assess(claim_id=second.pk)
    assert first.hospital_days_paid == 20 and second.hospital_days_paid == 10
    assert second.proposed_amount == DAILY * 10
    assert "另有 1 件申请在审核中，已占用 20 天" in second.assessment["lines"][0]["text"]
    for claim in (first, second):
        claim = claims.claim_pass(actor=world.reviewer_base, claim_id=claim.pk, version=claim.version)
        claims.claim_approve(actor=colleague, claim_id=claim.pk, version=claim.version)
    granted = Claim.objects.filter(enrolment=world.enrolment, state=S.APPROVED)
    assert granted.aggregate(d=Sum("hospital_days_paid"))["d"] == MAX_DAYS


def test_a_once_only_sum_claimed_twice_while_the_first_is_pending_is_not_proposed_twice(
    limited_plan, django_capture_on_commit_callbacks
):
    world, capture = limited_plan, django_capture_on_commit_callbacks
    made = []
    for n in range(2):
        claim = claims.claim_create(actor=world.claimant.user, enrolment_id=world.enrolment.pk,
                                    kind="serious_disease", facts=_facts("serious_disease", n, 0, 0, "c01"))
        with capture(execute=False):
            claims.claim_submit(actor=world.claimant.user, claim_id=claim.pk)
        with capture(execute=True):
            made.append(claims.claim_assess(claim_id=claim.pk))
    assert made[0].proposed_amount == SERIOUS
    assert made[1].proposed_amount == 0
    assert any("在审核中" in flag["message"] for flag in made[1].flags)


def test_reviewers_see_the_members_other_claims_of_the_year_and_what_each_takes(
    client, api_client, limited_plan, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    """The base union's reviewer opens the second stay: the first, under review with its 20 days, is listed in the
    admin and in the review API, without a query per claim."""
    world, capture = limited_plan, django_capture_on_commit_callbacks
    first = _daily_claim(world, world.claimant, world.enrolment, 1, 20, capture)
    for n in range(2, 5):
        _daily_claim(world, world.claimant, world.enrolment, n, 1, capture)
    with capture(execute=True):
        claims.claim_assess(claim_id=first.pk)
    second = Claim.objects.filter(state=S.SUBMITTED).first()
    with capture(execute=True):
        claims.claim_assess(claim_id=second.pk)
    client.force_login(world.reviewer_base)
    page = client.get(f"/admin/benefits/claim/{second.pk}/change/").content.decode()
    assert first.number in page and "本保障年度的其他申请" in page
    api_client.force_authenticate(world.reviewer_base)
    listed = {c["number"]: c for c in api_client.get(f"/api/v1/claims/review/{second.pk}/").json()["year_claims"]}
    assert listed[first.number]["hospital_days_paid"] == 20 and listed[first.number]["state"] == S.BASE_REVIEW
    from benefits.claims import selectors as claims_selectors

    with django_assert_max_num_queries(1):
        assert len(claims_selectors.year_claims(second)) == 3
