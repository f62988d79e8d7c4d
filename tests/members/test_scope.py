from members.selectors import branches_in_scope


def test_staff_of_a_district_sees_its_subtree_only(org_tree, staff_of):
    staff_a = staff_of(org_tree.district_a)
    assert set(branches_in_scope(staff_a)) == {org_tree.district_a, org_tree.base_a1, org_tree.base_a2}


def test_staff_of_the_parent_sees_every_child(org_tree, staff_of):
    assert branches_in_scope(staff_of(org_tree.city)).count() == 6


def test_role_filter_and_personas_without_roles(org_tree, staff_of, user_factory):
    reviewer = staff_of(org_tree.base_a1, role="claims_reviewer")
    assert set(branches_in_scope(reviewer, roles=["claims_reviewer"])) == {org_tree.base_a1}
    assert not branches_in_scope(reviewer, roles=["finance"]).exists()
    assert not branches_in_scope(user_factory()).exists()


def test_member_factory_makes_an_active_member(org_tree, member_factory):
    member = member_factory(branch=org_tree.base_a1)
    assert member.status == "active" and member.user.member == member


def test_a_role_added_later_is_seen_by_the_same_user_object(org_tree, staff_of):
    """The roles are cached on the user object per request; saving a role through it clears that cache."""
    from members.models import StaffRole

    staff = staff_of(org_tree.base_a1)
    assert set(branches_in_scope(staff)) == {org_tree.base_a1}
    StaffRole.objects.create(user=staff, branch=org_tree.base_b1, role="finance")
    assert set(branches_in_scope(staff)) == {org_tree.base_a1, org_tree.base_b1}
