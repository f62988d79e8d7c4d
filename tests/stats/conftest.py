import datetime
from decimal import Decimal
from itertools import count
from types import SimpleNamespace

import pytest
from django.utils import timezone

_numbers = count(1)


def aware(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def world(db, org_tree, member_factory):
    """Two plan years of the city federation (last year's finished, this year's running), one enrolled member in
    base A1 and one in base B1."""
    from tests.benefits.factories import make_active_enrolment, make_plan

    today = timezone.localdate()
    current = make_plan(federation=org_tree.city, code="plan-now", year=today.year,
                        cover_starts=today.replace(month=1, day=1), cover_ends=today.replace(month=12, day=31))
    last = make_plan(federation=org_tree.city, code="plan-last", year=today.year - 1,
                     name=f"{today.year - 1}年度职工医疗互助保障",
                     cover_starts=datetime.date(today.year - 1, 1, 1), cover_ends=datetime.date(today.year - 1, 12, 31),
                     enrol_opens=datetime.date(today.year - 2, 12, 1),
                     enrol_closes=datetime.date(today.year - 1, 1, 31))
    member_a = member_factory(branch=org_tree.base_a1)
    member_b = member_factory(branch=org_tree.base_b1)
    enrol_a = make_active_enrolment(current, member_a)
    enrol_b = make_active_enrolment(current, member_b)
    return SimpleNamespace(today=today, current=current, last=last, member_a=member_a, member_b=member_b,
                           enrol_a=enrol_a, enrol_b=enrol_b, tree=org_tree)


@pytest.fixture
def claim_factory(db):
    """claim_factory(enrolment, state=..., submitted=date, approved=..., paid=..., kind=...) → a claim as its
    review left it (no review machinery: the rollups read only the stored rows)."""
    from benefits.models import Claim

    def make(enrolment, *, state="approved", submitted=None, approved=None, paid=None, kind="hospital_daily"):
        submitted = submitted or timezone.localdate()
        if state in ("approved", "paid") and approved is None:
            approved = "10.00"
        if state == "paid" and paid is None:
            paid = approved
        return Claim.objects.create(
            number=f"S{next(_numbers):08d}", enrolment=enrolment, member=enrolment.member,
            branch=enrolment.member.branch, kind=kind, state=state, submitted_at=aware(submitted),
            approved_amount=Decimal(approved) if approved is not None else None,
            paid_amount=Decimal(paid) if paid is not None else None,
        )

    return make


@pytest.fixture
def station_factory(db):
    from tests.stations.factories import StationFactory

    return lambda **fields: StationFactory(**fields)
