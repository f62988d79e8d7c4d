"""Audit of account events that allauth carries out itself (password reset and change, two-factor on/off)."""

from allauth.account import signals as account_signals
from allauth.account.adapter import get_adapter
from allauth.mfa import signals as mfa_signals
from django.dispatch import receiver

from core.services import audit_log


@receiver(account_signals.password_reset, dispatch_uid="members.audit.password_reset")
def audit_password_reset(sender, request, user, **kwargs):
    audit_log(actor=user, action="account.password_reset", target=user)
    # allauth lifts the failed-login limit of the account's email addresses after a reset; lift the
    # mobile number's too, or a member who reset by SMS would still be locked out for a while.
    if request is not None and user.mobile:
        get_adapter(request)._delete_login_attempts_cached_email(request, phone=user.mobile)


@receiver(account_signals.password_changed, dispatch_uid="members.audit.password_changed")
def audit_password_changed(sender, request, user, **kwargs):
    audit_log(actor=user, action="account.password_changed", target=user)


@receiver(account_signals.password_set, dispatch_uid="members.audit.password_set")
def audit_password_set(sender, request, user, **kwargs):
    audit_log(actor=user, action="account.password_set", target=user)


@receiver(mfa_signals.authenticator_added, dispatch_uid="members.audit.mfa_added")
def audit_authenticator_added(sender, request, user, authenticator, **kwargs):
    audit_log(actor=user, action="account.mfa_added", target=user, data={"type": authenticator.type})


@receiver(mfa_signals.authenticator_removed, dispatch_uid="members.audit.mfa_removed")
def audit_authenticator_removed(sender, request, user, authenticator, **kwargs):
    audit_log(actor=user, action="account.mfa_removed", target=user, data={"type": authenticator.type})
