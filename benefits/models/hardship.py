"""The hardship register (困难职工档案): families, their household, documents, home visits, the public notice and
its objections, the status history, care visits, and the plan data they are measured against (the local minimum
living standard per district and year).

A family is filed by the member or by branch staff for them; it is confirmed only after a home visit and a public
notice whose days have passed with every objection answered; it is re-checked every year and leaves the register
with a reason. Staff scope follows the member's branch (`benefits.hardship.selectors`).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Branch, Member

from .review import MONEY, PrivateDocument

HOUSEHOLD_MAX = 20


def hardship_upload_to(instance, filename) -> str:
    # A random name with no trace of the member's file name, as for claim documents.
    return f"hardship/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class HardshipStandard(models.Model):
    """Plan data of one district and year: the monthly minimum living standard (低保标准) per person that a family's
    per-capita income is measured against, and how many days the public notice of a new family runs."""

    district = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("区总工会"))
    year = models.PositiveSmallIntegerField(_("年度"))
    minimum_living = models.DecimalField(_("最低生活保障标准（元/人/月）"), **MONEY)
    notice_days = models.PositiveSmallIntegerField(_("公示天数"), default=5)

    class Meta:
        verbose_name = _("困难认定标准")
        verbose_name_plural = _("困难认定标准")
        ordering = ["-year", "district__path"]
        constraints = [
            models.UniqueConstraint(fields=["district", "year"], name="hardship_standard_once_per_district_year"),
            models.CheckConstraint(condition=Q(minimum_living__gte=0), name="hardship_standard_amount_not_negative"),
            models.CheckConstraint(condition=Q(notice_days__gte=1, notice_days__lte=30),
                                   name="hardship_standard_notice_days_1_30"),
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.year}"


class HardshipCause(models.TextChoices):
    ILLNESS = "illness", _("因病")
    DISASTER = "disaster", _("因灾")
    DISABILITY = "disability", _("因残")
    LOW_INCOME = "low_income", _("收入低")
    OTHER = "other", _("其他")


class HardshipLevel(models.TextChoices):
    DEEP = "deep", _("深度困难")
    RELATIVE = "relative", _("相对困难")
    ACCIDENT = "accident", _("意外致困")


class HardshipFamily(models.Model):
    """One member's family on the register. At most one that has not left per member (a constraint)."""

    class Status(models.TextChoices):
        FILED = "filed", _("待走访")
        VISITED = "visited", _("已走访")
        NOTICE = "notice", _("公示中")
        CONFIRMED = "confirmed", _("已建档")
        LEFT = "left", _("已退出")

    number = models.CharField(_("档案编号"), max_length=32, unique=True)
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="hardship_families",
                               verbose_name=_("会员"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.FILED)
    cause = models.CharField(_("致困原因"), max_length=20, choices=HardshipCause.choices)
    level = models.CharField(_("困难类别"), max_length=20, choices=HardshipLevel.choices, blank=True)
    situation = models.TextField(_("家庭情况说明"), blank=True, max_length=2000)
    monthly_income = models.DecimalField(_("家庭月收入（元）"), **MONEY)
    household_size = models.PositiveSmallIntegerField(_("家庭人口"))
    # Computed by the service from the two above (income / size, two places), never typed.
    per_capita_income = models.DecimalField(_("人均月收入（元）"), **MONEY)
    # The district's standard when the income was last entered (filing, re-check); empty when none was set.
    minimum_living = models.DecimalField(_("当地最低生活保障标准（元/人/月）"), null=True, blank=True, **MONEY)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+",
                                 verbose_name=_("登记人"))
    filed_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    notice_starts_on = models.DateField(_("公示开始"), null=True, blank=True)
    notice_ends_on = models.DateField(_("公示结束"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("建档时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("建档人"))
    recheck_due = models.DateField(_("下次复核"), null=True, blank=True)
    # The due date last reminded about: the beat task reminds once per due date however often it runs.
    recheck_reminded_for = models.DateField(null=True, blank=True, editable=False)
    left_at = models.DateTimeField(_("退出时间"), null=True, blank=True)
    left_reason = models.TextField(_("退出原因"), blank=True)
    status_changed_at = models.DateTimeField(_("状态变更时间"), default=timezone.now)

    class Meta:
        verbose_name = _("困难职工档案")
        verbose_name_plural = _("困难职工档案")
        ordering = ["-filed_at", "-id"]
        indexes = [models.Index(fields=["status", "recheck_due"])]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=~Q(status="left"),
                                    name="hardship_one_active_family_per_member"),
            models.CheckConstraint(condition=Q(monthly_income__gte=0), name="hardship_income_not_negative"),
            models.CheckConstraint(condition=Q(per_capita_income__gte=0), name="hardship_per_capita_not_negative"),
            models.CheckConstraint(condition=Q(household_size__gte=1, household_size__lte=HOUSEHOLD_MAX),
                                   name="hardship_household_size_1_20"),
            models.CheckConstraint(condition=~Q(status="confirmed") | ~Q(level=""),
                                   name="hardship_confirmed_has_level"),
            models.CheckConstraint(condition=~Q(status="left") | Q(left_at__isnull=False),
                                   name="hardship_left_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.member.name}"

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.LEFT

    @property
    def below_standard(self) -> bool | None:
        if self.minimum_living is None:
            return None
        return self.per_capita_income < self.minimum_living


class HouseholdMember(models.Model):
    """A person living in the family's household besides the member."""

    class Schooling(models.TextChoices):
        NONE = "none", _("未上学")
        PRESCHOOL = "preschool", _("学前")
        PRIMARY = "primary", _("小学")
        JUNIOR = "junior", _("初中")
        HIGH = "high", _("高中")
        VOCATIONAL = "vocational", _("中职/高职")
        UNDERGRADUATE = "undergraduate", _("本专科")
        GRADUATE = "graduate", _("研究生")
        FINISHED = "finished", _("已离校")

    family = models.ForeignKey(HardshipFamily, on_delete=models.CASCADE, related_name="household",
                               verbose_name=_("困难职工档案"))
    name = models.CharField(_("姓名"), max_length=100)
    relation = models.CharField(_("与本人关系"), max_length=30)
    age = models.PositiveSmallIntegerField(_("年龄"))
    health = models.CharField(_("健康状况"), max_length=100, blank=True)
    schooling = models.CharField(_("就学情况"), max_length=20, choices=Schooling.choices, default=Schooling.NONE)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(age__lte=130), name="hardship_household_age_range")]

    def __str__(self) -> str:
        return f"{self.name} ({self.relation})"


class HomeVisit(models.Model):
    """A home visit by branch staff (入户核查): who, when, what they found; photos are documents of the family
    that point at the visit."""

    family = models.ForeignKey(HardshipFamily, on_delete=models.PROTECT, related_name="home_visits",
                               verbose_name=_("困难职工档案"))
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("走访人"))
    visited_on = models.DateField(_("走访日期"))
    notes = models.TextField(_("走访情况"), max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("入户走访")
        verbose_name_plural = _("入户走访")
        ordering = ["visited_on", "id"]

    def __str__(self) -> str:
        return f"{self.family.number} {self.visited_on}"


class HardshipDocument(PrivateDocument):
    """An uploaded file of a family (or a photo of one of its home visits), stored privately under a random name,
    served only through the checking view to the member and staff in scope."""

    class Kind(models.TextChoices):
        ID_CARD = "id_card", _("身份证明")
        INCOME = "income", _("收入证明")
        MEDICAL = "medical", _("病历或诊断证明")
        DISABILITY = "disability", _("残疾证")
        DISASTER = "disaster", _("受灾证明")
        VISIT_PHOTO = "visit_photo", _("走访照片")
        OTHER = "other", _("其他材料")

    family = models.ForeignKey(HardshipFamily, on_delete=models.PROTECT, related_name="documents",
                               verbose_name=_("困难职工档案"))
    visit = models.ForeignKey(HomeVisit, on_delete=models.PROTECT, null=True, blank=True, related_name="photos",
                              verbose_name=_("入户走访"))
    kind = models.CharField(_("材料种类"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to=hardship_upload_to)

    class Meta:
        verbose_name = _("困难档案材料")
        verbose_name_plural = _("困难档案材料")
        ordering = ["uploaded_at", "id"]


class HardshipObjection(models.Model):
    """An objection raised while the family's notice ran (公示异议), and how the branch answered it. A family with
    an objection not answered is not confirmed."""

    family = models.ForeignKey(HardshipFamily, on_delete=models.PROTECT, related_name="objections",
                               verbose_name=_("困难职工档案"))
    received_on = models.DateField(_("收到日期"))
    content = models.TextField(_("异议内容"), max_length=4000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("记录人"))
    resolution = models.TextField(_("核实处理情况"), blank=True, max_length=4000)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("处理人"))
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return f"{self.family.number} {self.received_on}"


class HardshipEvent(models.Model):
    """One step in a family's record, kept forever: who did what, when, from which status to which, and why."""

    family = models.ForeignKey(HardshipFamily, on_delete=models.PROTECT, related_name="events",
                               verbose_name=_("困难职工档案"))
    action = models.CharField(_("操作"), max_length=30)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("操作人"))
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, blank=True)
    message = models.TextField(_("说明"), blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("档案记录")
        verbose_name_plural = _("档案记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.family_id} {self.action}"


class CareVisit(models.Model):
    """A care visit planned for a family on the register (节日慰问, 心理疏导, 回访), due on a day; the branch staff
    are reminded of the ones due and record them as done."""

    class Kind(models.TextChoices):
        FESTIVAL = "festival", _("节日慰问")
        PSYCHOLOGICAL = "psychological", _("心理疏导")
        FOLLOW_UP = "follow_up", _("跟踪回访")
        OTHER = "other", _("其他走访")

    family = models.ForeignKey(HardshipFamily, on_delete=models.PROTECT, related_name="care_visits",
                               verbose_name=_("困难职工档案"))
    kind = models.CharField(_("走访类型"), max_length=20, choices=Kind.choices)
    due_on = models.DateField(_("计划日期"))
    purpose = models.CharField(_("内容"), max_length=200, blank=True)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("走访人"))
    notes = models.TextField(_("走访情况"), blank=True, max_length=4000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+",
                                   verbose_name=_("安排人"))
    created_at = models.DateTimeField(default=timezone.now)
    # The day the branch staff were last told this visit is due: once per visit, however often beat runs.
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("帮扶走访")
        verbose_name_plural = _("帮扶走访")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["done_on", "due_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(done_on__isnull=True) | Q(visitor__isnull=False),
                                   name="care_visit_done_has_visitor"),
        ]

    def __str__(self) -> str:
        return f"{self.family.number} {self.get_kind_display()} {self.due_on}"
