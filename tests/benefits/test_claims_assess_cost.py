"""The assessment task's reads and writes stay few and give the same results as the general selectors."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from benefits import selectors
from benefits.claims import selectors as claims_selectors
from benefits.claims import services as claims
from benefits.models import BenefitRule, Claim, Disease, DiseaseList
from core.models import OutboxMessage
from members.models import Notification, NotificationDelivery

from .claims_helpers import draft_stay, stay_facts, submitted_stay


def _submitted(world, number_suffix: str, **overrides):
    overrides.setdefault("invoice_numbers", f"FP{number_suffix}01, FP{number_suffix}02")
    claim = draft_stay(world, **overrides)
    Claim.objects.filter(pk=claim.pk).update(state=Claim.State.SUBMITTED, version=F("version") + 1)
    return claim


def test_one_assessment_runs_a_fixed_small_number_of_statements(
    claim_world, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    first, second = _submitted(claim_world, "A"), _submitted(claim_world, "B")
    claims.claim_assess(claim_id=first.pk)
    # lock, rules, paid this year, duplicates, UPDATE, event, audit, reviewers, notifications, deliveries, the
    # outbox rows of their delivery tasks, and the transaction's savepoint pair (inside the test's transaction)
    with django_assert_max_num_queries(13):
        claim = claims.claim_assess(claim_id=second.pk)
    assert claim.state == Claim.State.BASE_REVIEW


def test_the_assessment_notifies_like_notification_send(claim_world, django_capture_on_commit_callbacks):
    reviewer = claim_world.reviewer_base
    reviewer.email, reviewer.notify_by_email = "reviewer@example.org", True
    reviewer.notify_by_sms, reviewer.mobile_verified = True, False  # unverified number: no SMS
    reviewer.save()
    claim = _submitted(claim_world, "C")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        claims.claim_assess(claim_id=claim.pk)
    notice = Notification.objects.get(user=reviewer, kind="benefits.claim.review")
    assert notice.url == f"/admin/benefits/claim/{claim.pk}/change/" and claim.number in notice.title
    assert list(notice.deliveries.values_list("channel", "address")) == [("email", "reviewer@example.org")]
    member_notice = Notification.objects.get(user=claim_world.claimant.user, kind="benefits.claim.base_review")
    member_channels = set(member_notice.deliveries.values_list("channel", flat=True))
    user = claim_world.claimant.user
    expected = set()
    if user.notify_by_email and user.email:
        expected.add("email")
    if user.notify_by_sms and user.mobile and user.mobile_verified:
        expected.add("sms")
    assert member_channels == expected
    with_deliveries = NotificationDelivery.objects.values("notification").distinct().count()
    # one delivery task per notification that has a channel, stored in the outbox with the assessment
    assert OutboxMessage.objects.filter(task="members.tasks.deliver_notification").count() == with_deliveries
    assert callbacks  # published after commit
    assert not Notification.objects.filter(user=claim_world.reviewer_sibling).exists()


def test_rule_specs_match_the_general_selector_and_follow_edits(claim_world):
    tier = claim_world.enrolment.tier
    diseases = DiseaseList.objects.create(code="serious-test", name="重大疾病", kind="serious")
    Disease.objects.bulk_create([Disease(disease_list=diseases, code=c, name=c) for c in ("c02", "c01")])
    BenefitRule.objects.create(tier=tier, kind="serious_disease", params={"amount": "10000.00"},
                               disease_list=diseases)
    assert claims_selectors.assessment_rule_specs(tier.pk) == selectors.tier_rule_specs(tier)
    rule = BenefitRule.objects.get(tier=tier, kind="inpatient_self_pay")
    rule.params = {**rule.params, "rate": "0.35"}
    rule.save()
    Disease.objects.create(disease_list=diseases, code="c03", name="c03")
    specs = claims_selectors.assessment_rule_specs(tier.pk)
    assert specs["inpatient_self_pay"].rate == Decimal("0.35")
    assert specs["serious_disease"].diseases == frozenset({"c01", "c02", "c03"})
    assert specs == selectors.tier_rule_specs(tier)


def test_the_years_usage_matches_the_general_selector(claim_world):
    """Decided claims count as granted, claims under review as taken (named in_flight), others not at all."""
    enrolment = claim_world.enrolment
    current = draft_stay(claim_world, invoice_numbers="FPSELF")
    usage = claims_selectors.assessment_usage(enrolment.pk, claim_id=current.pk)
    assert usage == selectors.enrolment_usage(enrolment, exclude_claim_id=current.pk)
    rows = [
        ("inpatient_self_pay", "", Decimal("900.10"), None, 0, Claim.State.APPROVED),
        ("inpatient_self_pay", "", Decimal("100.25"), None, 0, Claim.State.PAID),
        ("hospital_daily", "", Decimal("250.00"), None, 5, Claim.State.PAID),
        ("serious_disease", "c01", Decimal("10000.00"), None, 0, Claim.State.APPROVED),
        ("serious_disease", "c09", Decimal("10000.00"), None, 0, Claim.State.REJECTED),  # takes nothing
        ("hospital_daily", "", None, Decimal("400.00"), 8, Claim.State.BASE_REVIEW),  # in review: proposed
        ("serious_disease", "c02", Decimal("8000.00"), Decimal("10000.00"), 0, Claim.State.FEDERATION_REVIEW),
        ("inpatient_self_pay", "", None, Decimal("700.00"), 0, Claim.State.RETURNED),  # gave its share back
    ]
    for n, (kind, code, approved, proposed, days, state) in enumerate(rows):
        claim = draft_stay(claim_world, invoice_numbers=f"FPPAID{n}")
        Claim.objects.filter(pk=claim.pk).update(kind=kind, disease_code=code, approved_amount=approved,
                                                 proposed_amount=proposed, hospital_days_paid=days, state=state)
    paid, in_flight = claims_selectors.assessment_usage(enrolment.pk, claim_id=current.pk)
    assert (paid, in_flight) == selectors.enrolment_usage(enrolment, exclude_claim_id=current.pk)
    assert paid == selectors.enrolment_paid_this_year(enrolment)
    assert paid.by_kind["inpatient_self_pay"] == Decimal("1000.35") and paid.hospital_days == 5
    assert paid.diseases_paid == frozenset({("serious_disease", "c01")})
    assert in_flight.count == 2 and in_flight.hospital_days == 8 and in_flight.hospital_count == 1
    assert in_flight.by_kind == {"hospital_daily": Decimal("400.00"), "serious_disease": Decimal("8000.00")}
    assert in_flight.diseases == frozenset({("serious_disease", "c02")})


def test_duplicate_searches_find_invoices_and_overlapping_stays(claim_world, django_capture_on_commit_callbacks):
    first = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    second = _submitted(claim_world, "D", invoice_numbers=stay_facts()["invoice_numbers"])
    invoices, stays = claims_selectors.assessment_duplicates(Claim.objects.get(pk=second.pk))
    assert invoices == [("FP20260001", first.number), ("FP20260002", first.number)]
    assert stays == [first.number]
    today = timezone.localdate()
    other_stay = _submitted(claim_world, "E", admission_date=(today - timedelta(days=3)).isoformat(),
                            discharge_date=(today - timedelta(days=1)).isoformat())
    assert claims_selectors.assessment_duplicates(Claim.objects.get(pk=other_stay.pk)) == ([], [])


def test_reviewers_are_the_nearest_active_ones_like_branch_admins_for(claim_world, staff_of):
    from members.models import Branch, StaffRole
    from members.selectors import branch_admins_for

    tree = claim_world.tree
    tree = type(tree)(**{name: Branch.objects.get(pk=b.pk) for name, b in vars(tree).items()})  # fresh paths
    second_base_reviewer = staff_of(tree.base_a1, role="claims_reviewer")
    gone = staff_of(tree.base_a1, role="claims_reviewer")
    gone.is_active = False
    gone.save()
    for branch in (tree.base_a1, tree.base_a2, tree.base_b1, tree.district_a, tree.city):
        expected = branch_admins_for(branch, role=StaffRole.Role.CLAIMS_REVIEWER)
        found = claims_selectors.assessment_reviewers(branch)
        assert [u.pk for u in found] == [u.pk for u in expected]
        assert [(u.email, u.mobile, u.mobile_verified, u.notify_by_email, u.notify_by_sms) for u in found] == [
            (u.email, u.mobile, u.mobile_verified, u.notify_by_email, u.notify_by_sms) for u in expected]
    assert {u.pk for u in claims_selectors.assessment_reviewers(tree.base_a1)} == {
        claim_world.reviewer_base.pk, second_base_reviewer.pk}
    assert [u.pk for u in claims_selectors.assessment_reviewers(tree.base_b1)] == [claim_world.reviewer_b.pk]


def _loaded(obj, names):
    return {name: getattr(obj, name) for name in names}


def test_the_locked_claim_carries_what_the_orm_would_load(claim_world):
    from django.db import transaction

    from members.models import Member

    claim = _submitted(claim_world, "F", self_paid="1234.56")
    Claim.objects.filter(pk=claim.pk).update(flags=[{"code": "x", "message": "住院"}], assessment={"lines": []})
    expected = Claim.objects.select_related("enrolment__plan", "enrolment__tier", "member__user", "branch").get(
        pk=claim.pk)
    with transaction.atomic():
        locked = claims_selectors.claim_for_update(claim.pk)
    own = [f.attname for f in Claim._meta.concrete_fields]
    assert _loaded(locked, own) == _loaded(expected, own)  # decimals, dates, JSON, datetimes all converted
    assert locked.self_paid == Decimal("1234.56") and locked.flags == [{"code": "x", "message": "住院"}]
    enrolment_fields = ["pk", "tier_id", "plan_id", "cover_start", "cover_end", "waiting_until", "status"]
    assert _loaded(locked.enrolment, enrolment_fields) == _loaded(expected.enrolment, enrolment_fields)
    assert locked.enrolment.plan.claim_deadline_days == expected.enrolment.plan.claim_deadline_days
    assert locked.enrolment.tier.yearly_cap == expected.enrolment.tier.yearly_cap
    user_fields = ["pk", "email", "mobile", "mobile_verified", "notify_by_email", "notify_by_sms"]
    assert _loaded(locked.member.user, user_fields) == _loaded(expected.member.user, user_fields)
    assert (locked.member.name, locked.branch.path) == (expected.member.name, expected.branch.path)
    # A field not read is deferred, never a made-up default: reading it asks the database.
    assert locked.enrolment.fee == expected.enrolment.fee
    # A member without an account: no user, and no error.
    Member.objects.filter(pk=claim_world.claimant.pk).update(user=None)
    with transaction.atomic():
        accountless = claims_selectors.claim_for_update(claim.pk)
    assert accountless.member.user_id is None
    with transaction.atomic():
        assert claims_selectors.claim_for_update(10**9) is None


def test_assessing_a_claim_without_an_account_tells_only_the_reviewers(claim_world):
    from members.models import Member

    claim = _submitted(claim_world, "G")
    Member.objects.filter(pk=claim_world.claimant.pk).update(user=None)
    assessed = claims.claim_assess(claim_id=claim.pk)
    assert assessed.state == Claim.State.BASE_REVIEW
    assert not Notification.objects.filter(kind="benefits.claim.base_review").exists()
    assert Notification.objects.filter(user=claim_world.reviewer_base, kind="benefits.claim.review").exists()


def test_a_conditional_update_changes_only_matching_rows_and_counts_them(claim_world):
    from core.sql import rows_update

    claim = draft_stay(claim_world)
    before = Claim.objects.get(pk=claim.pk)
    reviewer = claim_world.reviewer_base
    when = timezone.now()
    changed = rows_update(Claim, where={"id": claim.pk, "version": before.version, "state": before.state},
                          values={"proposed_amount": Decimal("321.05"), "flags": [{"code": "甲"}],
                                  "base_decided_by": reviewer, "assessed_at": when}, increment="version")
    assert changed == 1
    after = Claim.objects.get(pk=claim.pk)
    assert after.version == before.version + 1
    assert (after.proposed_amount, after.flags, after.base_decided_by_id, after.assessed_at) == (
        Decimal("321.05"), [{"code": "甲"}], reviewer.pk, when)
    # The version this actor saw is gone: nothing matches, nothing changes.
    stale = rows_update(Claim, where={"id": claim.pk, "version": before.version, "state": before.state},
                        values={"proposed_amount": Decimal("1.00")}, increment="version")
    assert stale == 0
    assert Claim.objects.get(pk=claim.pk).proposed_amount == Decimal("321.05")


def test_a_member_locks_only_their_own_claim(claim_world):
    from django.db import transaction

    claim = _submitted(claim_world, "H")
    owner, other = claim_world.claimant.user, claim_world.other.user
    with transaction.atomic():
        assert claims_selectors.claim_for_update(claim.pk, member_user_id=owner.pk, of_member=True).pk == claim.pk
        assert claims_selectors.claim_for_update(claim.pk, member_user_id=other.pk, of_member=True) is None
        assert claims_selectors.claim_for_update(claim.pk, member_user_id=None, of_member=True) is None
