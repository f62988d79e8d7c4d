from types import SimpleNamespace

import pytest

from tests.benefits.factories import make_plan


@pytest.fixture
def plan(org_tree):
    return make_plan(federation=org_tree.city)


@pytest.fixture
def people(org_tree, member_factory, staff_of, user_factory):
    """The personas: the enrolled member (base A1), another member (base A1), staff of base A1, staff of the
    sibling base A2, staff of the parent district A, staff of district B, a user with no member row."""
    return SimpleNamespace(
        owner=member_factory(branch=org_tree.base_a1),
        other=member_factory(branch=org_tree.base_a1),
        staff_a1=staff_of(org_tree.base_a1, role="finance"),
        staff_a2=staff_of(org_tree.base_a2, role="finance"),
        staff_parent=staff_of(org_tree.district_a, role="branch_admin"),
        staff_b=staff_of(org_tree.district_b, role="finance"),
        events_manager_a1=staff_of(org_tree.base_a1, role="events_manager"),
        nobody=user_factory(),
    )
