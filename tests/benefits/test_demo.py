from datetime import date

import pytest

from benefits import demo as benefits_demo
from benefits.models import Enrolment, Plan, SubsidyRule
from members import demo as members_demo
from members.models import Member


@pytest.fixture
def in_window(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: date(2026, 6, 1))


@pytest.mark.django_db
def test_seed_is_idempotent(in_window):
    members_demo.seed()
    benefits_demo.seed()
    enrolments = Enrolment.objects.count()
    benefits_demo.seed()
    plan = Plan.objects.get(year=2026)
    assert Plan.objects.get(previous=plan).year == 2027  # next year's plan, copied for the renewals
    assert plan.federation.name == "示范市总工会"
    assert SubsidyRule.objects.filter(plan=plan).count() == 1
    assert Enrolment.objects.count() == enrolments == Member.objects.filter(status="active").count()


@pytest.mark.django_db
def test_seed_enrols_the_demo_member_with_the_district_subsidy(in_window):
    members_demo.seed()
    benefits_demo.seed()
    benefits_demo.seed()
    enrolment = Enrolment.objects.get(member__user__mobile="13900000002")
    assert enrolment.status == "active" and enrolment.subsidy_part == enrolment.fee / 2


@pytest.mark.django_db
def test_seed_without_the_members_tree():
    assert benefits_demo.seed() == []


@pytest.mark.django_db
def test_in_a_later_year_the_demo_runs_the_plan_copied_to_that_year(monkeypatch):
    """After the seed's year the reference plan's window has closed: the demo copies the plan to the current
    year (once) and enrols the demo members there, so `make run` keeps showing enrolments and claims."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: date(2027, 3, 1))
    members_demo.seed()
    benefits_demo.seed()
    benefits_demo.seed()
    reference, current, following = Plan.objects.order_by("year")
    assert (reference.year, current.year, current.previous) == (2026, 2027, reference)
    assert (following.year, following.previous) == (2028, current)
    assert current.federation.name == "示范市总工会" and current.subsidy_rules.count() == 1
    assert not reference.enrolments.exists()
    assert current.enrolments.count() == Member.objects.filter(status="active").count() > 0
    assert current.tiers.get(code="basic").rules.get(kind="hospital_daily").required_documents


@pytest.mark.django_db
@pytest.mark.parametrize("today", [date(2026, 1, 2), date(2026, 6, 1), date(2026, 12, 4), date(2026, 12, 28),
                                   date(2027, 2, 10)])
def test_on_any_day_the_demo_member_can_file_a_claim_today(monkeypatch, today):
    """`make run` late in the year (after the window closed) or early in the next: the demo member's cover began
    in the past, so an accident of today can be claimed and submitted at once."""
    from benefits.claims import services as claims

    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: today)
    members_demo.seed()
    benefits_demo.seed()
    enrolment = Enrolment.objects.get(member__user__mobile="13900000002", plan__year=today.year)
    assert enrolment.status == "active" and enrolment.cover_start <= today <= enrolment.cover_end
    claim = claims.claim_create(actor=enrolment.member.user, enrolment_id=enrolment.pk, kind="accidental_injury",
                                facts={"diagnosis": "扭伤", "event_date": today.isoformat(), "hospital": "市第一医院"})
    assert claim.event_date == today
    if today.month >= 6:  # past the first months the waiting period is over too: illness can be claimed
        assert enrolment.waiting_until is None or enrolment.waiting_until < today


@pytest.mark.django_db
def test_seed_puts_hardship_families_in_several_states_once(in_window):
    from benefits.models import CareVisit, HardshipFamily

    members_demo.seed()
    benefits_demo.seed()
    benefits_demo.seed()
    statuses = sorted(HardshipFamily.objects.values_list("status", flat=True))
    assert statuses == ["confirmed", "filed", "left", "notice"]
    mine = HardshipFamily.objects.get(member__user__mobile="13900000002")
    assert mine.status == "confirmed" and mine.household.count() == 3
    assert CareVisit.objects.filter(family=mine, done_on__isnull=True).count() == 2


@pytest.mark.django_db
def test_seed_imports_settlement_records_whose_claims_came_by_themselves_once(in_window,
                                                                             django_capture_on_commit_callbacks):
    """The demo shows 免申即享: the company union's reviewer uploaded a file; the demo member's stay became claims
    from the record, assessed and waiting for review; a row with a bad ID number is in the report."""
    from benefits.models import Claim, SettlementImport

    members_demo.seed()
    with django_capture_on_commit_callbacks(execute=True):  # the import's tasks, queued after commit
        benefits_demo.seed()
    with django_capture_on_commit_callbacks(execute=True):
        benefits_demo.seed()
    job = SettlementImport.objects.get()
    assert (job.status, job.matched_count, job.refused_count) == ("done", 2, 1)
    mine = Claim.objects.filter(member__user__mobile="13900000002", source="settlement")
    assert mine.count() == 2 and all(c.state == "base_review" and c.proposed_amount > 0 for c in mine)
