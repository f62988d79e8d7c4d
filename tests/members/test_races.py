"""Races closed by row locks, run with real concurrent transactions (PostgreSQL only: SQLite serialises
every writer anyway, and its in-memory test database is not shared between threads)."""

import pytest
from django.db import connection

from members.models import Member, MemberNumberCounter
from members.organisation import services
from tests.concurrency import run_at_once
from tests.factories import ApplicantFactory, apply_form_data, make_branch

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


def _run_at_once(functions):
    """The exceptions raised by `functions` run at once (tests.concurrency)."""
    return [result for result in run_at_once(functions) if isinstance(result, Exception)]


def test_concurrent_approvals_take_distinct_member_numbers(postgres_only, staff_of):
    city = make_branch("示范市总工会", kind="city")
    district = make_branch("思明区总工会", parent=city, kind="district")
    base = make_branch("企业工会", parent=district, kind="base")
    admin = staff_of(district)
    applications = [
        services.membership_apply(user=ApplicantFactory(), branch_id=base.pk, **apply_form_data(n)) for n in range(6)
    ]
    errors = _run_at_once(
        [lambda pk=a.pk: services.application_approve(actor=admin, application_id=pk) for a in applications]
    )
    assert errors == []
    numbers = list(Member.objects.values_list("member_number", flat=True))
    assert len(numbers) == 6 and len(set(numbers)) == 6
    assert MemberNumberCounter.objects.get().last_value == 6


def test_concurrent_double_submit_makes_one_application(postgres_only):
    city = make_branch("示范市总工会", kind="city")
    district = make_branch("思明区总工会", parent=city, kind="district")
    base = make_branch("企业工会", parent=district, kind="base")
    user = ApplicantFactory()
    errors = _run_at_once(
        [lambda: services.membership_apply(user=user, branch_id=base.pk, **apply_form_data(1)) for _ in range(3)]
    )
    assert len(errors) == 2 and all(isinstance(e, services.MembershipError) for e in errors)
    assert Member.objects.filter(user=user).count() == 1
