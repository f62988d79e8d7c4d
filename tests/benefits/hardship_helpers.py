"""Shared pieces of the hardship register's tests (the personas are the `hw` fixture in conftest.py): a family
filed, or brought to a given status, and a notice moved into the past."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from benefits.hardship import services
from benefits.models import HardshipFamily, HardshipStandard
from members.models import StaffRole

S = HardshipFamily.Status


def hardship_world(org_tree, member_factory, staff_of, user_factory) -> SimpleNamespace:
    """Hardship personas: the member (base A1), another member (base A1), a hardship officer of base A1, a
    hardship officer of the sibling base A2, a branch admin of district A, a finance officer of base A1 (no
    hardship role), a staff member of base A1 who is themselves a member there (own family), a signed-in user
    with no member row. District A's standard: 800 yuan a month, 5 days of notice."""
    officer_member = member_factory(branch=org_tree.base_a1)
    officer_member.user.is_staff = True
    officer_member.user.save(update_fields=["is_staff"])
    StaffRole.objects.create(user=officer_member.user, branch=org_tree.base_a1, role="hardship_officer")
    HardshipStandard.objects.create(district=org_tree.district_a, year=timezone.localdate().year,
                                    minimum_living=Decimal("800.00"), notice_days=5)
    return SimpleNamespace(
        tree=org_tree,
        member=member_factory(branch=org_tree.base_a1),
        other=member_factory(branch=org_tree.base_a1),
        officer=staff_of(org_tree.base_a1, role="hardship_officer"),
        sibling=staff_of(org_tree.base_a2, role="hardship_officer"),
        district_admin=staff_of(org_tree.district_a, role="branch_admin"),
        finance=staff_of(org_tree.base_a1, role="finance"),
        officer_member=officer_member,
        nobody=user_factory(),
    )


def file_family(hw, member=None, *, actor=None, income="2400", size=3, cause="illness") -> HardshipFamily:
    member = member or hw.member
    return services.family_file(actor=actor or member.user, member_id=member.pk, cause=cause,
                                monthly_income=income, household_size=size, situation="")


def family_at(hw, status: str, member=None) -> HardshipFamily:
    """A family of `member` (default: hw.member) brought to `status` by the base officer."""
    family = file_family(hw, member)
    today = timezone.localdate()
    if status == S.FILED:
        return family
    services.home_visit_record(actor=hw.officer, family_id=family.pk, visited_on=today, notes="走访核实")
    if status == S.VISITED:
        return HardshipFamily.objects.get(pk=family.pk)
    services.notice_start(actor=hw.officer, family_id=family.pk)
    if status == S.NOTICE:
        return HardshipFamily.objects.get(pk=family.pk)
    notice_over(family)
    services.family_confirm(actor=hw.officer, family_id=family.pk, level="deep")
    return HardshipFamily.objects.get(pk=family.pk)


def notice_over(family) -> None:
    """Moves the notice into the past, as if its days had run."""
    today = timezone.localdate()
    HardshipFamily.objects.filter(pk=family.pk).update(notice_starts_on=today - timedelta(days=6),
                                                       notice_ends_on=today - timedelta(days=1))
