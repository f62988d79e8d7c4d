"""What every app writes: the transactional outbox (work a state change needs done after it commits, stored with
the change) and the audit log."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """One task to queue: written in the same transaction as the change that needs it, published to the broker
    after commit, published again by the sweep while the broker was away. Tasks are idempotent, so a message
    published twice (a publish whose answer was lost) does its work once."""

    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")

    task = models.CharField(_("任务"), max_length=200)
    args = models.JSONField(_("参数"), default=list, blank=True)
    kwargs = models.JSONField(_("命名参数"), default=dict, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("发送次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    last_error = models.CharField(_("最近的错误"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("待办任务")
        verbose_name_plural = _("待办任务")
        ordering = ["created_at", "id"]
        indexes = [
            # The sweep and /healthz read the pending ones, oldest first; sent rows pile up until pruned.
            models.Index(fields=["created_at"], condition=Q(state="pending"), name="core_outbox_pending_idx"),
            models.Index(fields=["sent_at"], condition=Q(state="sent"), name="core_outbox_sent_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="pending", sent_at__isnull=True) | Q(state="sent", sent_at__isnull=False),
                name="core_outbox_sent_at_iff_sent",
            ),
        ]
        permissions = [("rerun_outboxmessage", _("可以立即重新发送待办任务"))]

    def __str__(self) -> str:
        return f"{self.task} {self.args or ''} ({self.get_state_display()})"


class AuditLogEntry(models.Model):
    """Who did what to which object, kept forever: every service that changes state writes one."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("操作"), max_length=80, db_index=True)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("操作日志")
        verbose_name_plural = _("操作日志")
        ordering = ["-created_at", "-id"]
        # The table and its index keep the names they had in the members app, where the log began (migrations
        # members 0010 and core 0002 moved the model without touching the table).
        db_table = "members_auditlogentry"
        indexes = [models.Index(fields=["target_type", "target_id"], name="members_aud_target__ab5434_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"
