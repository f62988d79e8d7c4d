"""The branch tree: kind order on create and move, moves carrying the subtree, single-query reads."""

import pytest

from core.models import AuditLogEntry
from members import selectors
from members.models import Branch
from members.organisation import services
from tests.factories import make_branch


def test_subtree_and_ancestors_are_one_query_each(org_tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert set(selectors.branch_subtree(org_tree.district_a)) == {
            org_tree.district_a, org_tree.base_a1, org_tree.base_a2,
        }
    with django_assert_num_queries(1):
        assert list(selectors.branch_ancestors(org_tree.base_a1)) == [org_tree.city, org_tree.district_a]


def test_scope_of_several_roles_costs_the_same_two_queries(org_tree, staff_of, django_assert_num_queries):
    """One query reads the role paths, one reads the branches (prefix matches on the indexed path)."""
    from members.models import StaffRole

    staff = staff_of(org_tree.base_a1)
    StaffRole.objects.create(user=staff, branch=org_tree.base_b1, role="finance")
    StaffRole.objects.create(user=staff, branch=org_tree.base_a2, role="finance")
    with django_assert_num_queries(2):
        assert set(selectors.branches_in_scope(staff)) == {org_tree.base_a1, org_tree.base_a2, org_tree.base_b1}


def test_branch_create_under_the_right_kind(org_tree, staff_of):
    admin_a = staff_of(org_tree.district_a)
    street = services.branch_create(actor=admin_a, parent=org_tree.district_a, name="鹭江街道总工会", kind="street")
    park = services.branch_create(
        actor=admin_a, parent=street, name="软件园联合工会", kind="federated", federated_type="park"
    )
    base = services.branch_create(actor=admin_a, parent=park, name="某科技公司工会", kind="base")
    assert list(selectors.branch_ancestors(base)) == [org_tree.city, org_tree.district_a, street, park]
    assert AuditLogEntry.objects.filter(action="branch.created").count() == 3


@pytest.mark.parametrize(
    ("parent_name", "kind", "federated_type", "message"),
    [
        ("base_a1", "base", "", "基层工会之下不能再设下级组织"),
        ("city", "street", "", "街道（乡镇）工会只能设在区总工会之下"),
        ("base_a1", "street", "", "基层工会之下不能再设下级组织"),
        ("district_a", "district", "", "区总工会只能设在市总工会之下"),
        ("district_a", "federated", "", "联合工会须选择类型"),
        ("district_a", "base", "park", "只有联合工会才有联合工会类型"),
        ("district_a", "city", "", "市总工会是最上级组织"),
    ],
)
def test_branch_create_refuses_a_wrong_kind_order(org_tree, parent_name, kind, federated_type, message):
    before = Branch.objects.count()
    with pytest.raises(services.MembershipError) as error:
        services.branch_create(
            actor=None, parent=getattr(org_tree, parent_name), name="新组织", kind=kind, federated_type=federated_type
        )
    assert message in error.value.message
    assert Branch.objects.count() == before


def test_only_a_superuser_adds_a_root_and_only_a_city(org_tree, staff_of, user_factory):
    with pytest.raises(services.MembershipError, match="只有系统管理员"):
        services.branch_create(actor=staff_of(org_tree.city), parent=None, name="另一个市", kind="city")
    with pytest.raises(services.MembershipError, match="只有市总工会可以作为最上级组织"):
        services.branch_create(actor=user_factory(is_superuser=True), parent=None, name="某区", kind="district")


def test_branch_admin_cannot_create_outside_their_subtree(org_tree, staff_of):
    with pytest.raises(services.MembershipError, match="没有管理该组织的权限"):
        services.branch_create(actor=staff_of(org_tree.district_a), parent=org_tree.district_b, name="x", kind="base")


def test_move_carries_the_whole_subtree_and_keeps_the_tree_consistent(org_tree, staff_of, member_factory):
    admin = staff_of(org_tree.city)
    street = services.branch_create(actor=admin, parent=org_tree.district_a, name="某街道总工会", kind="street")
    base = services.branch_create(actor=admin, parent=street, name="街道下的企业工会", kind="base")
    member = member_factory(branch=base)

    services.branch_move(actor=admin, branch=street, new_parent=org_tree.district_b)

    street.refresh_from_db()
    base.refresh_from_db()
    org_tree.district_b.refresh_from_db()
    assert Branch.objects.get_parent(street) == org_tree.district_b
    assert Branch.objects.get_parent(base) == street and base.path.startswith(street.path)
    assert set(selectors.branch_subtree(org_tree.district_b)) >= {street, base, org_tree.base_b1}
    assert base not in set(selectors.branch_subtree(org_tree.district_a))
    member.refresh_from_db()
    assert member.branch == base
    assert Branch.objects.find_problems() == ([], [], [], [], [])
    assert AuditLogEntry.objects.filter(action="branch.moved", target_id=str(street.pk)).exists()


def test_move_into_own_subtree_or_under_a_base_union_is_refused(org_tree):
    with pytest.raises(services.MembershipError, match="自己或它的下级"):
        services.branch_move(actor=None, branch=org_tree.district_a, new_parent=org_tree.base_a1)
    street = make_branch("某街道", parent=org_tree.district_a, kind="street")
    with pytest.raises(services.MembershipError, match="基层工会之下不能再设下级组织"):
        services.branch_move(actor=None, branch=street, new_parent=org_tree.base_b1)
    street.refresh_from_db()
    assert Branch.objects.get_parent(street) == org_tree.district_a


def test_move_needs_admin_scope_on_both_ends(org_tree, staff_of):
    with pytest.raises(services.MembershipError, match="没有管理该组织的权限"):
        services.branch_move(
            actor=staff_of(org_tree.district_a), branch=org_tree.base_a1, new_parent=org_tree.district_b
        )
    org_tree.base_a1.refresh_from_db()
    assert Branch.objects.get_parent(org_tree.base_a1) == org_tree.district_a


def test_changing_the_kind_is_checked_against_parent_and_children(org_tree):
    park = make_branch("园区联合工会", parent=org_tree.district_a, kind="federated", federated_type="park")
    make_branch("园区企业工会", parent=park, kind="base")
    with pytest.raises(services.MembershipError, match="已有基层工会，不能改为基层工会"):
        services.branch_update(actor=None, branch=park, kind="base", federated_type="")
    with pytest.raises(services.MembershipError, match="区总工会只能设在市总工会之下"):
        services.branch_update(actor=None, branch=org_tree.base_a1, kind="district")
    park.refresh_from_db()
    assert park.kind == "federated"
    services.branch_update(actor=None, branch=org_tree.base_a1, name="鹭江机械集团工会")
    org_tree.base_a1.refresh_from_db()
    assert org_tree.base_a1.name == "鹭江机械集团工会"
