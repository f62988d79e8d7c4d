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
    plan = Plan.objects.get()
    assert plan.federation.name == "示范市总工会"
    assert SubsidyRule.objects.count() == 1
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
    reference, current = Plan.objects.order_by("year")
    assert (reference.year, current.year, current.previous) == (2026, 2027, reference)
    assert current.federation.name == "示范市总工会" and current.subsidy_rules.count() == 1
    assert not reference.enrolments.exists()
    assert current.enrolments.count() == Member.objects.filter(status="active").count() > 0
    assert current.tiers.get(code="basic").rules.get(kind="hospital_daily").required_documents
