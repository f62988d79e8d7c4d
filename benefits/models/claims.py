"""Claims of the mutual-aid plan (补助申请): the claim and its facts, its documents, its history, payouts.

Claims, their documents and their events are never deleted: a claim is withdrawn, a draft's document is
marked removed. Every change of state or amount is a `ClaimEvent` row (who, when, from, to, why). State
changes go through `benefits.claims.services` (a transition table and a version column checked in a conditional
UPDATE), never through a bare save.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Branch, Member

from .choices import BenefitKind, DocumentKind, RejectReason
from .review import MONEY, PrivateDocument, ReviewedApplication, ReviewEvent


def document_upload_to(instance, filename) -> str:
    # A random name with no trace of the member's file name: paths cannot be guessed or read for meaning.
    return f"claims/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class ClaimStay(models.Model):
    """One hospital stay entered once (住院申请): the portal files a claim line for every benefit kind of the
    member's tier that the stay's facts qualify for (the daily allowance, the self-pay subsidy). Each line is a
    `Claim` with its own assessment, review decision and payout; the stay ties them together for the member:
    one form, one set of documents (each line holds its own row of the same stored file), one submit."""

    number = models.CharField(_("住院申请编号"), max_length=32, unique=True)
    enrolment = models.ForeignKey("benefits.Enrolment", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("参保记录"))
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="claim_stays", verbose_name=_("会员"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("住院申请")
        verbose_name_plural = _("住院申请")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class ClaimSource(models.TextChoices):
    MEMBER = "member", _("本人申请")
    SETTLEMENT = "settlement", _("医保结算记录")


class Claim(ReviewedApplication):
    Source = ClaimSource
    # No single-column index on these three: each leads one of the composite indexes in Meta, which serve the
    # same lookups, and every claim row written (submit, assess, each decision) would update three more indexes.
    enrolment = models.ForeignKey(
        "benefits.Enrolment", on_delete=models.PROTECT, related_name="claims", verbose_name=_("参保记录"),
        db_index=False,
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="claims", verbose_name=_("会员"),
                               db_index=False)
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("基层工会"),
        help_text=_("参保时所在的工会；审核员按它划分范围。"), db_index=False,
    )
    kind = models.CharField(_("补助项目"), max_length=30, choices=BenefitKind.choices)
    # The hospital stay this claim is a line of, when the member entered the stay once for several kinds.
    stay = models.ForeignKey(ClaimStay, on_delete=models.PROTECT, null=True, blank=True, related_name="lines",
                             verbose_name=_("住院申请"))
    # Filed by the member, or by the portal from a hospital settlement record (免申即享).
    source = models.CharField(_("来源"), max_length=12, choices=ClaimSource.choices, default=ClaimSource.MEMBER)

    # The facts (only those the kind needs are asked).
    diagnosis = models.CharField(_("诊断或伤情"), max_length=200, blank=True)
    disease_code = models.CharField(_("目录病种"), max_length=50, blank=True)
    first_diagnosis = models.BooleanField(_("首次确诊"), default=True)
    event_date = models.DateField(_("确诊或事发日期"), null=True, blank=True)
    hospital = models.CharField(_("医院"), max_length=200, blank=True)
    admission_date = models.DateField(_("入院日期"), null=True, blank=True)
    discharge_date = models.DateField(_("出院日期"), null=True, blank=True)
    total_cost = models.DecimalField(_("医疗费用总额（元）"), null=True, blank=True, **MONEY)
    self_paid = models.DecimalField(_("个人自付（元）"), null=True, blank=True, **MONEY)
    bed_fee = models.DecimalField(_("床位费（元）"), null=True, blank=True, **MONEY)
    grade = models.CharField(_("伤残等级"), max_length=30, blank=True)
    invoice_numbers = models.JSONField(_("发票号码"), default=list, blank=True)

    # The assessment (by the task) and the decision (by reviewers).
    proposed_amount = models.DecimalField(_("系统核算金额（元）"), null=True, blank=True, **MONEY)
    assessment = models.JSONField(_("核算明细"), default=dict, blank=True)
    flags = models.JSONField(_("提示"), default=list, blank=True)
    hospital_days_paid = models.PositiveSmallIntegerField(_("计补住院天数"), default=0)
    reject_reason = models.CharField(_("不予补助原因"), max_length=30, choices=RejectReason.choices, blank=True)
    assessed_at = models.DateTimeField(_("核算时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("补助申请")
        verbose_name_plural = _("补助申请")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The review queues: one state, oldest first, within a branch subtree.
            models.Index(fields=["state", "state_changed_at"], name="claim_queue_idx"),
            models.Index(fields=["branch", "state", "state_changed_at"], name="claim_branch_queue_idx"),
            models.Index(fields=["enrolment", "state"], name="claim_enrolment_state_idx"),
            models.Index(fields=["member", "admission_date"], name="claim_member_stay_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_cost__isnull=True) | Q(total_cost__gte=0), name="claim_total_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(self_paid__isnull=True) | Q(self_paid__gte=0), name="claim_self_paid_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(bed_fee__isnull=True) | Q(bed_fee__gte=0), name="claim_bed_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(total_cost__isnull=True) | Q(self_paid__isnull=True)
                | Q(self_paid__lte=models.F("total_cost")),
                name="claim_self_paid_within_total",
            ),
            models.CheckConstraint(
                condition=Q(admission_date__isnull=True) | Q(discharge_date__isnull=True)
                | Q(discharge_date__gte=models.F("admission_date")),
                name="claim_stay_ordered",
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__gte=0),
                name="claim_approved_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["approved", "paid"]) | Q(approved_amount__isnull=False),
                name="claim_approved_has_amount",
            ),
            # A stay has one live line per kind: no race or double tap files its daily allowance twice. (A line
            # withdrawn because the facts stopped qualifying leaves room for a new one if they qualify again.)
            models.UniqueConstraint(fields=["stay", "kind"], condition=Q(stay__isnull=False) & ~Q(state="withdrawn"),
                                    name="claim_stay_one_line_per_kind"),
        ]



class ClaimDocument(PrivateDocument):
    """A claim's uploaded document (a stay's lines each hold a row of the same stored file)."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="documents", verbose_name=_("申请"))
    kind = models.CharField(_("材料种类"), max_length=30, choices=DocumentKind.choices)
    file = models.FileField(_("文件"), upload_to=document_upload_to)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["uploaded_at", "id"]


class ClaimInvoice(models.Model):
    """One invoice number of a submitted claim, to find the same invoice claimed twice (across all claims)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="invoices")
    number = models.CharField(max_length=50, db_index=True)

    class Meta:
        verbose_name = _("发票号码")
        verbose_name_plural = _("发票号码")
        constraints = [models.UniqueConstraint(fields=["claim", "number"], name="claim_invoice_once_per_claim")]

    def __str__(self) -> str:
        return self.number


class ClaimEvent(ReviewEvent):
    """One step in a claim's life, kept forever: who did what, when, from which state to which, and why."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="events", verbose_name=_("申请"))

    class Meta:
        verbose_name = _("申请记录")
        verbose_name_plural = _("申请记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.action}"


class ClaimReminder(models.Model):
    """That the member was reminded of something about a claim once (a draft left, a return unanswered, a deadline
    near): the beat task may run as often as it likes. `key` names the occasion, e.g. the return it is about."""

    class Kind(models.TextChoices):
        DRAFT_IDLE = "draft_idle", _("草稿未提交")
        RETURN_UNANSWERED = "return_unanswered", _("退回后未补充")
        DEADLINE_NEAR = "deadline_near", _("申请时限将到")

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="+", verbose_name=_("申请"))
    kind = models.CharField(_("提醒"), max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=40, blank=True)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("申请提醒记录")
        verbose_name_plural = _("申请提醒记录")
        constraints = [models.UniqueConstraint(fields=["claim", "kind", "key"], name="claim_reminder_once")]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.kind}"


class PayoutBatch(models.Model):
    """Approved claims sent to the bank together; finance marks the batch paid or single transfers failed."""

    class Status(models.TextChoices):
        OPEN = "open", _("待发放")
        PAID = "paid", _("已发放")

    number = models.CharField(_("批次号"), max_length=32, unique=True)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("发放工会"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("制表人")
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    paid_at = models.DateTimeField(_("发放时间"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("确认人"),
    )

    class Meta:
        verbose_name = _("补助发放批次")
        verbose_name_plural = _("补助发放批次")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class PayoutItem(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待发放")
        PAID = "paid", _("已发放")
        FAILED = "failed", _("发放失败")

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="items", verbose_name=_("批次"))
    # What the item pays: a claim or an education-aid application, exactly one (each kind of reviewed application
    # paid in batches has its foreign key here, named as its ReviewKind's `payout_fk`).
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="payout_items", verbose_name=_("申请"),
                              null=True, blank=True)
    aid_application = models.ForeignKey("benefits.EducationAidApplication", on_delete=models.PROTECT,
                                        related_name="payout_items", verbose_name=_("助学申请"), null=True,
                                        blank=True)
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("发放明细")
        verbose_name_plural = _("发放明细")
        ordering = ["batch", "id"]
        constraints = [
            # A claim waits in at most one unpaid batch: it can never be sent to the bank twice.
            models.UniqueConstraint(fields=["claim"], condition=Q(status="pending"), name="payout_claim_once_pending"),
            models.UniqueConstraint(fields=["aid_application"], condition=Q(status="pending"),
                                    name="payout_aid_once_pending"),
            models.CheckConstraint(
                condition=Q(claim__isnull=False, aid_application__isnull=True)
                | Q(claim__isnull=True, aid_application__isnull=False),
                name="payout_pays_one_application",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.claim_id or self.aid_application_id}"
