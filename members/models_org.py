"""Joining and transfer records, and the member-number counter (imported by members.models)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.text import validate_visible

# members.models imports this module at its end, after Member is defined.
from .models import Member


class MemberNumberCounter(models.Model):
    """The last member number handed out in a year. A number is taken by locking this row and counting up,
    so a number is never given twice, never reused after a member leaves, and never derived from data."""

    year = models.PositiveSmallIntegerField(_("年份"), primary_key=True)
    last_value = models.PositiveIntegerField(_("已发号"), default=0)

    class Meta:
        verbose_name = _("会员号计数器")
        verbose_name_plural = _("会员号计数器")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_value}"


class MembershipApplication(models.Model):
    """A request to join a branch. While it is pending the person's Member row has status "applied";
    the decision (and its reason) stays here after the Member row moves on."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未通过")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership_applications",
        verbose_name=_("申请人账户"),
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="applications",
        verbose_name=_("会员"),
    )
    branch = models.ForeignKey(
        "members.Branch", on_delete=models.PROTECT, related_name="applications", verbose_name=_("申请加入")
    )
    name = models.CharField(_("姓名"), max_length=100, validators=[validate_visible])
    employer = models.CharField(_("工作单位"), max_length=200, blank=True)
    employment_type = models.CharField(_("就业形态"), max_length=20, choices=Member.EmploymentType.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # The member's status before applying ("" for a first application, "left" for a returning member):
    # a rejection puts it back.
    previous_status = models.CharField(max_length=20, blank=True)
    reason = models.CharField(_("审核意见"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("审核人"),
    )

    class Meta:
        verbose_name = _("入会申请")
        verbose_name_plural = _("入会申请")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["branch", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(status="pending"), name="application_one_pending_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.branch} ({self.get_status_display()})"


class Transfer(models.Model):
    """A member's move from one branch to another. The receiving branch decides; the Member row keeps its
    number and history and only changes branch. Every state change is also in the audit log."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已转入")
        REJECTED = "rejected", _("未通过")
        CANCELLED = "cancelled", _("已撤回")

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="transfers", verbose_name=_("会员")
    )
    from_branch = models.ForeignKey(
        "members.Branch", on_delete=models.PROTECT, related_name="transfers_out", verbose_name=_("转出工会")
    )
    to_branch = models.ForeignKey(
        "members.Branch", on_delete=models.PROTECT, related_name="transfers_in", verbose_name=_("转入工会")
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    note = models.CharField(_("转会说明"), max_length=500, blank=True)
    reason = models.CharField(_("审核意见"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("审核人"),
    )

    class Meta:
        verbose_name = _("会员转会")
        verbose_name_plural = _("会员转会")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["to_branch", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(status="pending"), name="transfer_one_pending_per_member"
            ),
            models.CheckConstraint(condition=~Q(from_branch=models.F("to_branch")), name="transfer_other_branch"),
        ]

    def __str__(self) -> str:
        return f"{self.member.name}: {self.from_branch} → {self.to_branch}"


@receiver([post_save, post_delete], sender="members.StaffRole")
def _forget_cached_roles(sender, instance, **kwargs):
    """`selectors.branches_in_scope` caches a user's roles on the user object for the length of a request;
    a role saved or deleted through a user object in hand makes that object forget them."""
    user = instance._state.fields_cache.get("user")
    if user is not None:
        user.__dict__.pop("_members_role_paths", None)
