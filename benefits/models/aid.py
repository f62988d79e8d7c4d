"""Education aid (金秋助学): yearly campaigns run by a federation, and the applications members file for their
children, reviewed and paid with the claims' machinery (`benefits.review`).

An application is a `ReviewedApplication` of its own table: its child, school stage, the ground it is filed on (a
confirmed hardship family, or an illness or disaster this year) and any aid from elsewhere declared. One child is
granted at most once a year from this portal: a partial unique constraint on (year, child's ID number) over the
applications still alive.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Branch, Member

from .review import MONEY, PrivateDocument, ReviewedApplication, ReviewEvent


class SchoolStage(models.TextChoices):
    HIGH_SCHOOL = "high_school", _("普通高中")
    VOCATIONAL = "vocational", _("中职或高职")
    UNDERGRADUATE = "undergraduate", _("本科")
    GRADUATE = "graduate", _("研究生")


class AidBasis(models.TextChoices):
    HARDSHIP = "hardship", _("已建档困难职工家庭")
    ILLNESS = "illness", _("本年度因病致困")
    DISASTER = "disaster", _("本年度因灾致困")


class AidDocumentKind(models.TextChoices):
    ADMISSION = "admission", _("录取通知书或学生证")
    ID_CARD = "id_card", _("身份证或户口簿")
    HARDSHIP_PROOF = "hardship_proof", _("困难情况证明")
    OTHER = "other", _("其他材料")


class AidRejectReason(models.TextChoices):
    NOT_ELIGIBLE = "not_eligible", _("不符合申请条件")
    SCHOOL = "school", _("学籍或录取情况不实")
    AIDED_ELSEWHERE = "aided_elsewhere", _("本年度已获其他助学资助")
    DOCUMENTS = "documents", _("材料不真实或不完整")
    OTHER = "other", _("其他原因")


class AidCampaign(models.Model):
    """One year's education-aid campaign of a federation: when members may apply, and how much each school stage
    is granted. Staff edit it in the admin; a campaign with applications keeps its year and federation."""

    federation = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("主办工会"))
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("名称"), max_length=100)
    opens_on = models.DateField(_("开始申请日期"))
    closes_on = models.DateField(_("截止申请日期"))
    amount_high_school = models.DecimalField(_("普通高中资助金额（元）"), **MONEY)
    amount_vocational = models.DecimalField(_("中职或高职资助金额（元）"), **MONEY)
    amount_undergraduate = models.DecimalField(_("本科资助金额（元）"), **MONEY)
    amount_graduate = models.DecimalField(_("研究生资助金额（元）"), **MONEY)
    review_service_days = models.PositiveSmallIntegerField(
        _("每级审核时限（天）"), default=10, help_text=_("申请在一级审核等待超过该天数时提醒审核员。"))
    notes = models.TextField(_("申请须知"), blank=True)

    class Meta:
        verbose_name = _("助学活动")
        verbose_name_plural = _("助学活动")
        ordering = ["-year", "id"]
        constraints = [
            models.UniqueConstraint(fields=["federation", "year"], name="aid_campaign_one_per_year"),
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")),
                                   name="aid_campaign_window_ordered"),
            models.CheckConstraint(
                condition=Q(amount_high_school__gte=0, amount_vocational__gte=0, amount_undergraduate__gte=0,
                            amount_graduate__gte=0),
                name="aid_campaign_amounts_not_negative",
            ),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="aid_campaign_year_range"),
        ]

    def __str__(self) -> str:
        return self.name

    def amount_for(self, stage: str):
        return getattr(self, f"amount_{stage}", None)

    def is_open(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.opens_on <= today <= self.closes_on


class EducationAidApplication(ReviewedApplication):
    campaign = models.ForeignKey(AidCampaign, on_delete=models.PROTECT, related_name="applications",
                                 verbose_name=_("助学活动"))
    year = models.PositiveSmallIntegerField(_("年度"))  # the campaign's, kept here for the one-grant constraint
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="aid_applications",
                               verbose_name=_("会员"))
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("基层工会"),
        help_text=_("申请时会员所在的工会；审核员按它划分范围。"),
    )
    basis = models.CharField(_("申请依据"), max_length=20, choices=AidBasis.choices)
    basis_note = models.TextField(_("困难情况说明"), blank=True)
    # On the hardship ground: the family's confirmed record the application stands on (shown to reviewers).
    hardship_family = models.ForeignKey("benefits.HardshipFamily", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="aid_applications", verbose_name=_("困难职工档案"))
    child_name = models.CharField(_("子女姓名"), max_length=50)
    child_id_number = models.CharField(_("子女身份证号"), max_length=18)
    school = models.CharField(_("学校"), max_length=100)
    stage = models.CharField(_("就读阶段"), max_length=20, choices=SchoolStage.choices)
    entry_year = models.PositiveSmallIntegerField(_("入学年份"))
    other_aid_declared = models.BooleanField(_("本年度已获其他助学资助"), default=False)
    other_aid_source = models.CharField(_("其他资助来源"), max_length=100, blank=True)
    other_aid_amount = models.DecimalField(_("其他资助金额（元）"), null=True, blank=True, **MONEY)
    # A reviewer who checked the aid declared from elsewhere and grants this one anyway says why (four eyes: the
    # one who overrides does not approve).
    other_aid_override_reason = models.TextField(_("准予再资助的理由"), blank=True)
    other_aid_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("准予再资助的审核员"),
    )
    proposed_amount = models.DecimalField(_("按标准应资助金额（元）"), null=True, blank=True, **MONEY)
    reject_reason = models.CharField(_("不予资助原因"), max_length=30, choices=AidRejectReason.choices, blank=True)

    class Meta:
        verbose_name = _("助学申请")
        verbose_name_plural = _("助学申请")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["branch", "state", "state_changed_at"], name="aid_branch_queue_idx"),
            models.Index(fields=["campaign", "state"], name="aid_campaign_state_idx"),
        ]
        constraints = [
            # One child, one grant a year from this portal: two parents who are both members, a double tap or
            # two tabs cannot file a second live application for the same child (withdrawn and rejected ones
            # leave room for a new one).
            models.UniqueConstraint(fields=["year", "child_id_number"],
                                    condition=~Q(state__in=["withdrawn", "rejected"]),
                                    name="aid_one_per_child_year"),
            models.CheckConstraint(condition=Q(entry_year__gte=1990, entry_year__lte=2100),
                                   name="aid_entry_year_range"),
            models.CheckConstraint(condition=Q(other_aid_amount__isnull=True) | Q(other_aid_amount__gte=0),
                                   name="aid_other_amount_not_negative"),
            models.CheckConstraint(condition=Q(approved_amount__isnull=True) | Q(approved_amount__gte=0),
                                   name="aid_approved_not_negative"),
            models.CheckConstraint(condition=~Q(state__in=["approved", "paid"]) | Q(approved_amount__isnull=False),
                                   name="aid_approved_has_amount"),
        ]


class AidEvent(ReviewEvent):
    """One step in an education-aid application's life (see `ReviewEvent`)."""

    application = models.ForeignKey(EducationAidApplication, on_delete=models.PROTECT, related_name="events",
                                    verbose_name=_("申请"))

    class Meta:
        verbose_name = _("助学申请记录")
        verbose_name_plural = _("助学申请记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.action}"


def aid_document_upload_to(instance, filename) -> str:
    # A random name with no trace of the member's file name: paths cannot be guessed or read for meaning.
    return f"aid/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class AidDocument(PrivateDocument):
    application = models.ForeignKey(EducationAidApplication, on_delete=models.PROTECT, related_name="documents",
                                    verbose_name=_("申请"))
    kind = models.CharField(_("材料种类"), max_length=30, choices=AidDocumentKind.choices)
    file = models.FileField(_("文件"), upload_to=aid_document_upload_to)

    class Meta:
        verbose_name = _("助学申请材料")
        verbose_name_plural = _("助学申请材料")
        ordering = ["uploaded_at", "id"]
