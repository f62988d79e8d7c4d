"""Writes of the members app: one function per action, keyword-only, one transaction each."""

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils.translation import gettext

from .models import AuditLogEntry, User


def audit_log(*, actor, action: str, target: models.Model | None = None, data: dict | None = None) -> AuditLogEntry:
    """Keeps who did what to which object. Callers run inside their own transaction, so the entry is saved
    or rolled back with the change it describes."""
    return AuditLogEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        data=data or {},
    )


class ProfileError(Exception):
    """A profile change that cannot be made; `message` is shown to the person."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


PROFILE_FIELDS = ("name", "notify_by_email", "notify_by_sms")


def user_profile_update(*, user, **changes):
    """Changes the user's own name and notification channels (the settings page and PATCH /api/v1/me/).
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
