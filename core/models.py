"""The transactional outbox: work a state change needs done after it commits, stored with the change."""

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
