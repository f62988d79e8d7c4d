"""What every application that unions review and pay has in common (补助申请, 助学申请, ...): the states, the
version checked by every transition, the two levels' decisions, the amount, the payee and the dates.

`ReviewedApplication` and `ReviewEvent` are abstract: each kind of application is its own table, with the
facts that kind asks for, and its own history table. The machinery that moves them (`benefits.review`) reads
and writes only the fields declared here, so a new kind inherits them rather than copying them.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 12, "decimal_places": 2}


class ReviewState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交，待初审")
    BASE_REVIEW = "base_review", _("基层工会审核中")
    FEDERATION_REVIEW = "federation_review", _("上级工会复核中")
    RETURNED = "returned", _("退回补充材料")
    APPROVED = "approved", _("已核准，待发放")
    REJECTED = "rejected", _("未予补助")
    WITHDRAWN = "withdrawn", _("已撤回")
    PAID = "paid", _("已发放")


class ReviewedApplication(models.Model):
    """An application reviewed at the member's base union, then at the federation, and paid in a batch.

    A concrete kind adds its member, branch (the base union whose reviewers see it) and facts; its state changes
    only through `benefits.review.transitions.transition`."""

    State = ReviewState

    number = models.CharField(_("申请编号"), max_length=32, unique=True)
    state = models.CharField(_("状态"), max_length=20, choices=ReviewState.choices, default=ReviewState.DRAFT)
    version = models.PositiveIntegerField(_("版本"), default=1)

    bank_name = models.CharField(_("开户银行"), max_length=100, blank=True)
    bank_account = models.CharField(_("银行账号"), max_length=40, blank=True)
    account_holder = models.CharField(_("户名"), max_length=100, blank=True)

    # What the reviewer who returned the application ticked as missing ("document:invoice", "fact:hospital");
    # cleared on resubmission. The member sees the list at the top of the application.
    return_items = models.JSONField(_("退回时需补充的项目"), default=list, blank=True)
    approved_amount = models.DecimalField(_("核定金额（元）"), null=True, blank=True, **MONEY)
    base_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("基层审核人"),
    )
    federation_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("上级复核人"),
    )
    decision_message = models.TextField(_("审核意见"), blank=True)
    paid_amount = models.DecimalField(_("实发金额（元）"), null=True, blank=True, **MONEY)

    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    state_changed_at = models.DateTimeField(_("进入当前状态时间"), default=timezone.now)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    paid_at = models.DateTimeField(_("发放时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("最近催办时间"), null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.number

    @property
    def amount_due(self):
        """What will be (or was) paid: the reviewers' amount, else the proposal (a kind without one: None)."""
        if self.approved_amount is not None:
            return self.approved_amount
        return getattr(self, "proposed_amount", None)


class ReviewEvent(models.Model):
    """One step in an application's life, kept forever: who did what, when, from which state to which, and why.
    A concrete kind adds the foreign key to its application (named as the kind's `event_fk`)."""

    action = models.CharField(_("操作"), max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("操作人"),
    )
    from_state = models.CharField(_("原状态"), max_length=20, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20, blank=True)
    amount_from = models.DecimalField(_("原金额"), null=True, blank=True, **MONEY)
    amount_to = models.DecimalField(_("新金额"), null=True, blank=True, **MONEY)
    message = models.TextField(_("说明"), blank=True)
    # What an edit changed: {field: [before, after]}, bank account numbers reduced to their last four digits.
    changes = models.JSONField(_("修改内容"), default=dict, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        abstract = True


class PrivateDocument(models.Model):
    """An uploaded document of an application, stored privately under a random name and served only through a
    view that checks who asks. A concrete kind adds the foreign key to its application, its `kind` choices and
    its `file` field (with the folder it is stored under)."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    content_type = models.CharField(_("文件类型"), max_length=50)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    removed_at = models.DateTimeField(_("移除时间"), null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.original_name}"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
