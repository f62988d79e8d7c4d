"""Reads of the members app. `branches_in_scope` is the one permission helper for branch-scoped staff data."""

from django.db.models import Q, QuerySet

from .models import Branch, StaffRole, User


def branch_subtree(branch: Branch) -> QuerySet[Branch]:
    """The branch and everything under it, in one query on the materialised path."""
    return Branch.objects.filter(path__startswith=branch.path)


def _role_paths(user) -> list[tuple[str, str]]:
    """(role, branch path) of every role the user holds, read once per user object (a request's user):
    the admin asks about permissions many times while drawing one page."""
    cached = getattr(user, "_members_role_paths", None)
    if cached is None:
        cached = list(StaffRole.objects.filter(user=user).values_list("role", "branch__path"))
        user._members_role_paths = cached
    return cached


def user_holds_role_at_root(user, *, role: str) -> bool:
    """True when the user holds `role` on a root of the tree (the city federation), from the cached roles."""
    return any(held == role and len(path) == Branch.steplen for held, path in _role_paths(user))


def forget_roles(user) -> None:
    """Drops the cached roles of a user object after its roles change."""
    user.__dict__.pop("_members_role_paths", None)


def branches_in_scope(user, *, roles: list[str] | None = None) -> QuerySet[Branch]:
    """Branches a user may see and act on: the subtrees of the branches where they hold a role (any of
    `roles`, when given). Superusers see everything; everyone else without a role sees nothing.
    Admin, API, pages and exports all filter through this one function."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Branch.objects.none()
    if user.is_superuser:
        return Branch.objects.all()
    paths = [path for role, path in _role_paths(user) if not roles or role in roles]
    if not paths:
        return Branch.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return Branch.objects.filter(condition)


def users_in_scope(staff_user):
    """Accounts a staff user may see in the admin: those whose member record is in a branch the staff user
    administers (branch admins of the subtree). Superusers see every account; anyone else none."""

    if not getattr(staff_user, "is_authenticated", False) or not staff_user.is_active:
        return User.objects.none()
    if staff_user.is_superuser:
        return User.objects.all()
    scope = branches_in_scope(staff_user, roles=[StaffRole.Role.BRANCH_ADMIN])
    return User.objects.filter(member__branch__in=scope)
# --- Branch tree, members, joining and transfers ----------------------------------------------------------


def branch_ancestors(branch: Branch) -> QuerySet[Branch]:
    """The branch's ancestors from the root down, in one query (the path's prefixes are the ancestors)."""
    steplen = Branch.steplen
    paths = [branch.path[:end] for end in range(steplen, len(branch.path), steplen)]
    return Branch.objects.filter(path__in=paths).order_by("depth")


def user_has_branch_scope(user, branch: Branch, *, roles: list[str] | None = None) -> bool:
    """True when `branch` lies in the user's scope (one query)."""
    return branches_in_scope(user, roles=roles).filter(pk=branch.pk).exists()


def user_is_staff_of_any_branch(user, *, roles: list[str] | None = None) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(not roles or role in roles for role, _path in _role_paths(user))


def branch_admins_for(branch: Branch, *, role: str = StaffRole.Role.BRANCH_ADMIN) -> list:
    """The users holding `role` on the nearest of the branch and its ancestors where anyone holds it: the
    people who should hear about an application or a transfer, without telling every level above."""
    paths = [branch.path[:end] for end in range(Branch.steplen, len(branch.path) + 1, Branch.steplen)]
    rows = list(
        StaffRole.objects.filter(role=role, branch__path__in=paths, user__is_active=True)
        .select_related("user", "branch")
        .order_by("-branch__depth", "user_id")
    )
    if not rows:
        return []
    nearest = rows[0].branch.depth
    return [row.user for row in rows if row.branch.depth == nearest]
