from datetime import date

import pytest

from benefits import demo as benefits_demo
from benefits.models import Enrolment, Plan, SubsidyRule
from members import demo as members_demo
from members.models import Member, User
from tests.factories import id_number_for


@pytest.fixture
def in_window(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: date(2026, 6, 1))


@pytest.mark.django_db
def test_seed_is_idempotent_without_members(in_window):
    members_demo.seed()
    benefits_demo.seed()
    benefits_demo.seed()
    plan = Plan.objects.get()
    assert plan.federation.name == "示范市总工会"
    assert SubsidyRule.objects.count() == 1 and not Enrolment.objects.exists()


@pytest.mark.django_db
def test_seed_enrols_existing_members(in_window):
    members_demo.seed()
    user = User.objects.get(mobile="13900000002")
    from members.models import Branch

    base = Branch.objects.get(name="鹭江机械有限公司工会")
    Member.objects.create(user=user, name=user.name, id_number=id_number_for(7), birth_date=date(1985, 3, 15),
                          gender="M", mobile=user.mobile, branch=base, status="active", member_number="D000000001")
    benefits_demo.seed()
    benefits_demo.seed()
    enrolment = Enrolment.objects.get()
    assert enrolment.status == "active" and enrolment.subsidy_part == enrolment.fee / 2


@pytest.mark.django_db
def test_seed_without_the_members_tree():
    assert benefits_demo.seed() == []
