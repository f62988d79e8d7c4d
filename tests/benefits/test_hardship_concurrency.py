"""Races on the hardship register, in real concurrent connections (PostgreSQL only: SQLite serialises every
writer). Personas from `hw`: the member filing twice at once (a double tap, two devices), two officers of the
branch confirming and taking the same family off the register at once."""

import pytest
from django.utils import timezone

from benefits.hardship import services
from benefits.models import HardshipEvent, HardshipFamily
from tests.benefits.hardship_helpers import S, family_at, notice_over
from tests.concurrency import postgres_only, run_at_once

pytestmark = postgres_only


def _outcomes(results) -> list[str]:
    outcomes = []
    for result in results:
        if isinstance(result, Exception) and not isinstance(result, services.HardshipError):
            raise result
        outcomes.append(result.code if isinstance(result, services.HardshipError) else "done")
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
def test_two_filings_at_once_leave_one_family_and_a_message(hw):
    def file():
        return services.family_file(actor=hw.member.user, member_id=hw.member.pk, cause="illness",
                                    monthly_income="1000", household_size=2)

    assert _outcomes(run_at_once([file, file])) == ["conflict", "done"]
    assert HardshipFamily.objects.filter(member=hw.member).count() == 1
    assert HardshipEvent.objects.filter(action="filed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_confirmation_and_a_leave_at_once_end_in_one_consistent_state(hw, staff_of):
    family = family_at(hw, S.NOTICE)
    notice_over(family)
    colleague = staff_of(hw.tree.base_a1, role="hardship_officer")
    results = run_at_once([
        lambda: services.family_confirm(actor=hw.officer, family_id=family.pk, level="deep"),
        lambda: services.family_leave(actor=colleague, family_id=family.pk, reason="已不符合条件"),
    ])
    family.refresh_from_db()
    actions = list(family.events.order_by("at", "id").values_list("action", flat=True))
    # Whichever took the row lock first, the other saw its result: confirmed then left (both done), or left and
    # the confirmation refused.
    if family.status == S.LEFT and "confirmed" in actions:
        assert _outcomes(results) == ["done", "done"] and actions[-2:] == ["confirmed", "left"]
    else:
        assert family.status == S.LEFT and _outcomes(results) == ["conflict", "done"]
    assert family.left_at is not None and family.left_at <= timezone.now()
