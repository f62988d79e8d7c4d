"""Hospital settlement records from social security (医保住院结算, 免申即享): the integrations allowed to post them,
each import (a job with progress and a row-by-row report), and each record imported, once ever.

A record of an enrolled member becomes a hospital stay (`ClaimStay`) whose lines are ordinary claims marked as
coming from the record (`Claim.source`): assessed, reviewed and paid as any other, once the member confirms.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Branch, Member

from .claims import ClaimStay
from .review import MONEY


def settlement_upload_to(instance, filename) -> str:
    return f"settlement/{timezone.now():%Y/%m}/{instance.pk or 'new'}-{filename}"


def token_digest(token: str) -> str:
    """Only the digest of an integration's token is kept: a copy of the database lets no one post records."""
    return hashlib.sha256(token.encode()).hexdigest()


class SettlementIntegration(models.Model):
    """A system (a social-security bureau, a hospital) that posts settlement records to the API with its own
    token, for one branch's subtree only."""

    name = models.CharField(_("对接系统"), max_length=100)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("适用工会范围"))
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField(_("令牌尾号"), max_length=8, blank=True, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("医保结算对接系统")
        verbose_name_plural = _("医保结算对接系统")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class SettlementImport(models.Model):
    """One file uploaded by staff, or one batch posted by an integration, processed by a Celery task."""

    class Source(models.TextChoices):
        UPLOAD = "upload", _("工作人员上传")
        API = "api", _("系统对接")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        READING = "reading", _("正在读取和匹配")
        FILING = "filing", _("正在生成申请")
        DONE = "done", _("已完成")
        FAILED = "failed", _("未导入")

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("工会范围"))
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.UPLOAD)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("上传人"))
    integration = models.ForeignKey(SettlementIntegration, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="imports", verbose_name=_("对接系统"))
    file = models.FileField(_("文件"), upload_to=settlement_upload_to, blank=True)
    file_format = models.CharField(_("文件格式"), max_length=4)
    encoding = models.CharField(_("文字编码"), max_length=20, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    total_rows = models.PositiveIntegerField(_("记录数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已读取"), default=0)
    matched_count = models.PositiveIntegerField(_("已匹配"), default=0)
    not_enrolled_count = models.PositiveIntegerField(_("未参保"), default=0)
    duplicate_count = models.PositiveIntegerField(_("重复"), default=0)
    refused_count = models.PositiveIntegerField(_("有误"), default=0)
    filed_count = models.PositiveIntegerField(_("已生成申请"), default=0)
    created_at = models.DateTimeField(_("导入时间"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    # Each batch read and each chunk filed moves it: an import whose progress stopped is picked up by the sweep
    # (benefits/sweeps.py), its reading resumed or its remaining chunks queued again.
    progressed_at = models.DateTimeField(_("最近进展时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("医保结算记录导入")
        verbose_name_plural = _("医保结算记录导入")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.pk} {self.original_name or self.get_source_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        """Reading counts for the first half of the bar, filing claims for the second."""
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        read = min(self.processed_rows / self.total_rows, 1)
        filed = min(self.filed_count / self.matched_count, 1) if self.matched_count else 0
        return int(50 * read + 50 * filed)


class SettlementRowError(models.Model):
    """One row not turned into a claim, and why: the downloadable report of an import."""

    class Outcome(models.TextChoices):
        REFUSED = "refused", _("有误")
        NOT_ENROLLED = "not_enrolled", _("未参保")
        DUPLICATE = "duplicate", _("重复")

    job = models.ForeignKey(SettlementImport, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField(_("行号"))
    outcome = models.CharField(_("结果"), max_length=15, choices=Outcome.choices)
    column = models.CharField(_("列"), max_length=50, blank=True)
    value = models.CharField(_("内容"), max_length=100, blank=True)
    message = models.CharField(_("说明"), max_length=300)

    class Meta:
        verbose_name = _("导入问题")
        verbose_name_plural = _("导入问题")
        ordering = ["job", "row_number", "id"]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row_number} {self.outcome}"


class SettlementRecord(models.Model):
    """A settlement record matched to an enrolled member: imported once ever (its number is unique), whichever
    file or call brings it again."""

    class Answer(models.TextChoices):
        WAITING = "waiting", _("待本人确认")
        CONFIRMED = "confirmed", _("本人已确认")
        DECLINED = "declined", _("本人已放弃")

    settlement_number = models.CharField(_("结算单号"), max_length=50, unique=True)
    job = models.ForeignKey(SettlementImport, on_delete=models.PROTECT, related_name="records",
                            verbose_name=_("导入"))
    row_number = models.PositiveIntegerField(_("行号"), default=0)
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+", verbose_name=_("会员"))
    enrolment = models.ForeignKey("benefits.Enrolment", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("参保记录"))
    hospital = models.CharField(_("医院"), max_length=200)
    admission_date = models.DateField(_("入院日期"))
    discharge_date = models.DateField(_("出院日期"))
    total_cost = models.DecimalField(_("医疗费用总额（元）"), **MONEY)
    self_paid = models.DecimalField(_("个人自付（元）"), **MONEY)
    bed_fee = models.DecimalField(_("床位费（元）"), **MONEY)
    diagnosis_code = models.CharField(_("诊断编码"), max_length=50, blank=True)
    # The stay its claims are lines of; empty until filed (or for good when the member had claimed it already).
    stay = models.OneToOneField(ClaimStay, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="settlement_record", verbose_name=_("住院申请"))
    already_claimed = models.CharField(_("已由本人申请"), max_length=32, blank=True,
                                       help_text=_("本人已为这次住院提交的申请编号：不再生成申请。"))
    # Why no claim was filed from a matched record (the member's tier has no stay benefit, its facts fail the
    # claims' checks): staff see it, and the filing does not try the record again.
    not_filed = models.CharField(_("未生成申请的原因"), max_length=300, blank=True)
    answer = models.CharField(_("本人确认"), max_length=10, choices=Answer.choices, default=Answer.WAITING)
    answered_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("导入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("医保结算记录")
        verbose_name_plural = _("医保结算记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["job", "id"], name="settlement_job_idx"),
                   models.Index(fields=["member", "admission_date"], name="settlement_member_stay_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(discharge_date__gte=models.F("admission_date")),
                                   name="settlement_stay_ordered"),
            models.CheckConstraint(condition=Q(self_paid__lte=models.F("total_cost")) & Q(bed_fee__gte=0),
                                   name="settlement_amounts_ordered"),
        ]

    def __str__(self) -> str:
        return self.settlement_number
