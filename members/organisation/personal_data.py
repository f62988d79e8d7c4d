"""Who sees a member's full ID number and mobile: the roles that need them, and no one else.

- Branch admins, for the members of their subtree: membership work (applications, transfers, imports, exports)
  needs the whole number. Superusers too.
- Claims reviewers see the claimant of a claim they review and finance the bank details of claims in their
  batches, on those claims' own pages (benefits); here, in the member lists, they are like any other role.
- Every other staff role (station managers, events managers, reviewers and finance in the member lists and API)
  sees the ID number as 110***********002X and the mobile as 138****5678.

Each time a full ID number is shown on one member's page (admin, API detail) an audit entry says who saw whose,
and where. Lists never show full ID numbers to anyone.
"""

from core.services import audit_log

from ..id_numbers import mask_id_number
from ..models import StaffRole
from ..selectors import branches_in_scope

__all__ = ["full_data_branch_ids", "mask_id_number", "mask_mobile", "personal_data_reveal", "sees_personal_data"]


def mask_mobile(mobile: str) -> str:
    return f"{mobile[:3]}****{mobile[-4:]}" if mobile and len(mobile) >= 8 else "*" * len(mobile or "")


def full_data_branch_ids(user) -> set[int]:
    """The branches whose members' full data `user` may see (one query; for lists)."""
    return set(branches_in_scope(user, roles=[StaffRole.Role.BRANCH_ADMIN]).values_list("pk", flat=True))


def sees_personal_data(user, member) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return branches_in_scope(user, roles=[StaffRole.Role.BRANCH_ADMIN]).filter(pk=member.branch_id).exists()


def personal_data_reveal(*, actor, member, where: str) -> None:
    """Records that `actor` was shown `member`'s full ID number (who, whose, where)."""
    audit_log(actor=actor, action="members.id_number.revealed", target=member, data={"where": where})
