"""Reads of the members app. `branches_in_scope` is the one permission helper for branch-scoped staff data."""

from django.db.models import Q, QuerySet

from .models import Branch, StaffRole


def branch_subtree(branch: Branch) -> QuerySet[Branch]:
    """The branch and everything under it, in one query on the materialised path."""
    return Branch.objects.filter(path__startswith=branch.path)


def branches_in_scope(user, *, roles: list[str] | None = None) -> QuerySet[Branch]:
    """Branches a user may see and act on: the subtrees of the branches where they hold a role (any of
    `roles`, when given). Superusers see everything; everyone else without a role sees nothing.
    Admin, API, pages and exports all filter through this one function."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Branch.objects.none()
    if user.is_superuser:
        return Branch.objects.all()
    role_rows = StaffRole.objects.filter(user=user)
    if roles:
        role_rows = role_rows.filter(role__in=roles)
    paths = list(role_rows.values_list("branch__path", flat=True))
    if not paths:
        return Branch.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return Branch.objects.filter(condition)


def unread_notification_count(user) -> int:
    return user.notifications.filter(read_at__isnull=True).count()


def users_in_scope(staff_user):
    """Accounts a staff user may see in the admin: those whose member record is in a branch the staff user
    administers (branch admins of the subtree). Superusers see every account; anyone else none."""
    from .models import User

    if not getattr(staff_user, "is_authenticated", False) or not staff_user.is_active:
        return User.objects.none()
    if staff_user.is_superuser:
        return User.objects.all()
    scope = branches_in_scope(staff_user, roles=[StaffRole.Role.BRANCH_ADMIN])
    return User.objects.filter(member__branch__in=scope)
