"""Reads of branches, members, applications and transfers that only the organisation's doors use. The scope helpers
every part uses (`branches_in_scope` and its kin) are `members.selectors`."""

from django.db.models import Q, QuerySet

from ..models import Branch, Member, MembershipApplication, Transfer
from ..selectors import branches_in_scope, user_has_branch_scope


def branch_search(*, search: str = "", kind: str = "", federated_type: str = "", region: str = "") -> QuerySet[Branch]:
    """Active branches a person can look for, by name, area (region or address) and kind; in tree order."""
    branches = Branch.objects.filter(is_active=True)
    if search:
        branches = branches.filter(
            Q(name__icontains=search) | Q(region__icontains=search) | Q(address__icontains=search)
        )
    if kind:
        branches = branches.filter(kind=kind)
    if federated_type:
        branches = branches.filter(federated_type=federated_type)
    if region:
        branches = branches.filter(region__icontains=region)
    return branches.order_by("path")


def joinable_branch_kinds() -> list[str]:
    """A person joins a base union (their workplace's) or a federated union (workers without an own union)."""
    return [Branch.Kind.BASE, Branch.Kind.FEDERATED]


def members_in_scope(user, *, roles: list[str] | None = None) -> QuerySet:
    """Members of the branches in the user's scope (one query with a subquery on the tree)."""

    return Member.objects.filter(branch__in=branches_in_scope(user, roles=roles))


def applications_in_scope(user, *, roles: list[str] | None = None) -> QuerySet:

    return MembershipApplication.objects.filter(branch__in=branches_in_scope(user, roles=roles))


def transfers_in_scope(user, *, roles: list[str] | None = None) -> QuerySet:
    """Transfers into or out of the user's branches: both sides may see them; only the receiving side decides."""

    scope = branches_in_scope(user, roles=roles)
    return Transfer.objects.filter(Q(to_branch__in=scope) | Q(from_branch__in=scope))


def member_id_number_visible_to(user, member) -> bool:
    """The full ID number is for the member and for staff with a role over the member's branch."""
    if not getattr(user, "is_authenticated", False):
        return False
    if member.user_id is not None and member.user_id == user.pk:
        return True
    return user_has_branch_scope(user, member.branch)


def membership_history(member) -> dict:
    """A member's applications and transfers, newest first (two queries)."""
    return {
        "applications": list(member.applications.select_related("branch").order_by("-created_at", "-id")),
        "transfers": list(member.transfers.select_related("from_branch", "to_branch").order_by("-created_at", "-id")),
    }
