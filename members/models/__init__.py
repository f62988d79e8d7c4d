"""The members app's models, by concern: accounts (users, notifications, SMS), organisation (branches, staff
roles, members, joining and transfers) and data work (imports, awards). Django finds models here."""

from .accounts import (
    MOBILE_PATTERN,
    Notification,
    NotificationDelivery,
    OutboundSms,
    SmsMessage,
    User,
    UserManager,
    mobile_validator,
    normalize_mobile,
)
from .data import Award, ImportJob, ImportRowError, ImportStagedRow
from .organisation import Branch, Member, MemberNumberCounter, MembershipApplication, StaffRole, Transfer

__all__ = [
    "MOBILE_PATTERN", "Award", "Branch", "ImportJob", "ImportRowError", "ImportStagedRow", "Member",
    "MemberNumberCounter", "MembershipApplication", "Notification", "NotificationDelivery", "OutboundSms",
    "SmsMessage", "StaffRole", "Transfer", "User", "UserManager", "mobile_validator", "normalize_mobile",
]
