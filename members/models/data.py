"""Data work on members: bulk imports (jobs, staged rows, row errors), member-number counters, awards (以奖代补).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _import_upload_to(instance, filename: str) -> str:
    # Private storage (MEDIA_ROOT has no URL route); the stored name never carries the uploader's file name.
    return f"imports/{timezone.now():%Y/%m}/{timezone.now():%d%H%M%S%f}.{filename.rsplit('.', 1)[-1].lower()[:5]}"


class ImportJob(models.Model):
    """One upload of a worker list into one branch, processed by a Celery task with visible progress."""

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("全部成功才导入（有任何错误行则不保存）")
        VALID_ONLY = "valid_only", _("只导入正确的行")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        VALIDATING = "validating", _("正在检查")
        SAVING = "saving", _("正在保存")
        DONE = "done", _("已完成")
        FAILED = "failed", _("未导入")

    class FileFormat(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    file = models.FileField(
        _("文件"), upload_to=_import_upload_to, blank=True, help_text=_("处理完成后即删除，只保留导入结果和错误报告。")
    )
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)
    file_format = models.CharField(_("文件格式"), max_length=4, choices=FileFormat.choices)
    encoding = models.CharField(_("文字编码"), max_length=20, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs", verbose_name=_("上传人")
    )
    branch = models.ForeignKey(
        "members.Branch", on_delete=models.PROTECT, related_name="import_jobs", verbose_name=_("导入到")
    )
    mode = models.CharField(_("导入方式"), max_length=20, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已检查行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增会员"), default=0)
    updated_count = models.PositiveIntegerField(_("更新会员"), default=0)
    error_count = models.PositiveIntegerField(_("错误行数"), default=0)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("会员导入任务")
        verbose_name_plural = _("会员导入任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name or self.pk} → {self.branch_id} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def saved_count(self) -> int:
        return self.created_count + self.updated_count

    @property
    def rows_to_save(self) -> int:
        return max(self.total_rows - self.error_count, 0)


class ImportStagedRow(models.Model):
    """A row of an import file that passed the per-row checks, kept in the database (not in memory) so
    duplicates and conflicts are found with SQL whatever the file's size. Deleted when the job ends."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="staged_rows")
    row_number = models.PositiveIntegerField()
    name = models.CharField(max_length=100)
    id_number = models.CharField(max_length=18)
    birth_date = models.DateField()
    gender = models.CharField(max_length=1)
    mobile = models.CharField(max_length=11)
    employer = models.CharField(max_length=200, blank=True)
    employment_type = models.CharField(max_length=20)
    is_valid = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("待导入行")
        verbose_name_plural = _("待导入行")
        constraints = [models.UniqueConstraint(fields=["job", "row_number"], name="importstagedrow_unique_row")]
        indexes = [models.Index(fields=["job", "id_number"])]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row_number}"


class ImportRowError(models.Model):
    """One problem with one cell (or row) of an import file, for the downloadable error report."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField(_("行号"))
    column = models.CharField(_("列"), max_length=50, blank=True)
    value = models.CharField(_("内容"), max_length=100, blank=True)
    message = models.CharField(_("问题"), max_length=300)

    class Meta:
        verbose_name = _("导入错误")
        verbose_name_plural = _("导入错误")
        ordering = ["job", "row_number", "id"]
        indexes = [models.Index(fields=["job", "row_number"])]

    def __str__(self) -> str:
        return f"{self.row_number} {self.column}: {self.message}"


class Award(models.Model):
    """A yearly evaluation of a base union (以奖代补): a benchmark (标杆) or single-item (单项) award, with a
    score and the subsidy paid in its place."""

    class Category(models.TextChoices):
        BENCHMARK = "benchmark", _("标杆工会")
        SINGLE_ITEM = "single_item", _("单项工作")

    class Status(models.TextChoices):
        NOMINATED = "nominated", _("已推荐")
        EVALUATED = "evaluated", _("已评分")
        AWARDED = "awarded", _("已授予")
        REJECTED = "rejected", _("未通过")

    branch = models.ForeignKey(
        "members.Branch", on_delete=models.PROTECT, related_name="awards", verbose_name=_("基层工会")
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    item = models.CharField(
        _("单项名称"), max_length=100, blank=True, help_text=_("单项工作奖的项目，例如“职工之家”。")
    )
    score = models.DecimalField(
        _("评分"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    subsidy = models.DecimalField(
        _("奖补金额（元）"), max_digits=12, decimal_places=2, default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.NOMINATED)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("评定人"),
    )
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("以奖代补评定")
        verbose_name_plural = _("以奖代补评定")
        ordering = ["-year", "branch__name"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "year", "category"], name="award_one_per_branch_year_category"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)), name="award_score_0_100"
            ),
            models.CheckConstraint(condition=Q(subsidy__gte=0), name="award_subsidy_not_negative"),
            models.CheckConstraint(
                condition=Q(status__in=["nominated", "rejected"]) | Q(score__isnull=False),
                name="award_evaluated_has_score",
            ),
        ]
        indexes = [models.Index(fields=["year", "status"])]

    def __str__(self) -> str:
        return f"{self.year} {self.get_category_display()} · {self.branch}"
