"""Writes of the signed-in account: its own profile (name, notification channels, language)."""

from django.db import transaction
from django.utils.translation import gettext

from core.errors import ApplicationError
from core.services import audit_log

from ..models import User


class ProfileError(ApplicationError):
    """A profile change that cannot be made; `message` is shown to the person, `field` names the field at fault."""


PROFILE_FIELDS = ("name", "notify_by_email", "notify_by_sms", "language")


def user_profile_update(*, user, **changes):
    """Changes the user's own name, notification channels and language (the settings page and PATCH /api/v1/me/).
    Only PROFILE_FIELDS may change; the mobile number and email change through their verified flows."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"user_profile_update cannot change {sorted(unknown)}")
    if "name" in changes:
        changes["name"] = " ".join(str(changes["name"]).split())
        if not changes["name"]:
            raise ProfileError(gettext("请填写姓名。"), field="name")
    with transaction.atomic():
        # Lock the row: two devices saving at once must not interleave into a mix of both.
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = {field: getattr(locked, field) for field in changes}
        changed = {field: value for field, value in changes.items() if before[field] != value}
        if changed:
            for field, value in changed.items():
                setattr(locked, field, value)
            locked.save(update_fields=list(changed))
            audit_log(
                actor=user,
                action="user.profile_updated",
                target=locked,
                data={field: {"from": before[field], "to": value} for field, value in changed.items()},
            )
        for field, value in changed.items():
            setattr(user, field, value)
    return user
