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


@pytest.fixture
def claim_world(org_tree, member_factory, staff_of, user_factory):
    """Claims personas: the claimant (base A1, enrolled), another member (base A1, enrolled), the base
    union's reviewer (base A1), the federation's reviewer (city), a sibling branch's reviewer (base A2),
    finance of district A, a reviewer of district B, and a signed-in user with no member row."""
    from tests.benefits.factories import make_active_enrolment, make_plan, require_documents

    plan = make_plan(federation=org_tree.city)
    require_documents(plan, "inpatient_self_pay", ["invoice", "discharge_summary"])
    claimant = member_factory(branch=org_tree.base_a1)
    other = member_factory(branch=org_tree.base_a1)
    return SimpleNamespace(
        plan=plan, tree=org_tree,
        claimant=claimant, other=other,
        enrolment=make_active_enrolment(plan, claimant),
        other_enrolment=make_active_enrolment(plan, other),
        reviewer_base=staff_of(org_tree.base_a1, role="claims_reviewer"),
        reviewer_fed=staff_of(org_tree.city, role="claims_reviewer"),
        reviewer_sibling=staff_of(org_tree.base_a2, role="claims_reviewer"),
        reviewer_b=staff_of(org_tree.district_b, role="claims_reviewer"),
        finance=staff_of(org_tree.district_a, role="finance"),
        nobody=user_factory(),
    )


@pytest.fixture
def aid_world(org_tree, member_factory, staff_of, user_factory):
    """Education-aid personas: the member (base A1) and their spouse (also a member of base A1), the base union's
    reviewer (base A1), the federation's reviewer (city), a sibling branch's reviewer (base A2), finance of
    district A, a signed-in user with no member row; a campaign of the city federation open today."""
    from tests.benefits.aid_helpers import open_campaign

    return SimpleNamespace(
        tree=org_tree, campaign=open_campaign(org_tree.city),
        member=member_factory(branch=org_tree.base_a1), spouse=member_factory(branch=org_tree.base_a1),
        reviewer_base=staff_of(org_tree.base_a1, role="claims_reviewer"),
        reviewer_fed=staff_of(org_tree.city, role="claims_reviewer"),
        reviewer_sibling=staff_of(org_tree.base_a2, role="claims_reviewer"),
        finance=staff_of(org_tree.district_a, role="finance"),
        nobody=user_factory(),
    )


@pytest.fixture
def hw(org_tree, member_factory, staff_of, user_factory):
    """The hardship register's personas (tests/benefits/hardship_helpers.py says who they are)."""
    from tests.benefits.hardship_helpers import hardship_world

    return hardship_world(org_tree, member_factory, staff_of, user_factory)

