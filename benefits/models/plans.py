"""Medical mutual aid (职工医疗互助保障): plans by year, their tiers and benefit rules (as data), subsidy
rules, enrolments and payments.

A plan that has enrolments is never edited in place: staff copy it to a new year (`plan_copy_to_year`).
"""

import uuid
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Branch, Member

from ..rules import RuleSpecError, rule_spec_from_data
from .choices import BenefitKind, DocumentKind

ZERO = Decimal("0.00")
FROZEN_MESSAGE = _("该方案已有会员参保，不能直接修改；请复制为新年度方案后再修改。")


def ensure_plan_not_frozen(plan_id) -> None:
    """A plan with enrolments is never edited in place (nor its tiers and rules)."""
    if plan_id and Enrolment.objects.filter(plan_id=plan_id).exists():
        raise ValidationError(FROZEN_MESSAGE)


class NaturalKeyManager(models.Manager):
    natural_key_fields: tuple[str, ...] = ()

    def get_by_natural_key(self, *values):
        return self.get(**dict(zip(self.natural_key_fields, values, strict=True)))


class DiseaseListManager(NaturalKeyManager):
    natural_key_fields = ("code",)


class DiseaseList(models.Model):
    """A named list of diseases a rule covers (serious, special, newborn), kept by staff in the admin."""

    class Kind(models.TextChoices):
        SERIOUS = "serious", _("重大疾病")
        SPECIAL = "special", _("特种重病")
        NEWBORN = "newborn", _("新生儿特种重病")

    code = models.SlugField(_("代码"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)

    objects = DiseaseListManager()

    class Meta:
        verbose_name = _("病种目录")
        verbose_name_plural = _("病种目录")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self):
        return (self.code,)


class DiseaseManager(NaturalKeyManager):
    def get_by_natural_key(self, list_code, code):
        return self.get(disease_list__code=list_code, code=code)


class Disease(models.Model):
    disease_list = models.ForeignKey(
        DiseaseList, on_delete=models.CASCADE, related_name="diseases", verbose_name=_("病种目录")
    )
    code = models.SlugField(_("代码"), max_length=50)
    name = models.CharField(_("病种名称"), max_length=100)

    objects = DiseaseManager()

    class Meta:
        verbose_name = _("病种")
        verbose_name_plural = _("病种")
        ordering = ["disease_list", "code"]
        constraints = [models.UniqueConstraint(fields=["disease_list", "code"], name="disease_code_unique_in_list")]

    def __str__(self) -> str:
        return self.name

    def natural_key(self):
        return (*self.disease_list.natural_key(), self.code)

    natural_key.dependencies = ["benefits.diseaselist"]


class PlanManager(NaturalKeyManager):
    natural_key_fields = ("code",)


class Plan(models.Model):
    """One year's mutual-aid plan of a federation. Its figures are data, read by the rules engine."""

    class CoverStart(models.TextChoices):
        DAY_AFTER_PAYMENT = "day_after_payment", _("缴费次日起")
        FIRST_OF_NEXT_MONTH = "first_of_next_month", _("缴费次月1日起")
        PLAN_START = "plan_start", _("统一自保障期开始日起")

    code = models.SlugField(_("代码"), max_length=50, unique=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("名称"), max_length=200)
    federation = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="benefit_plans",
        verbose_name=_("主办工会"),
        help_text=_("该工会及其下级工会的会员可以参加；留空表示全部会员均可参加。"),
    )
    enrol_opens = models.DateField(_("参保开始日期"))
    enrol_closes = models.DateField(_("参保截止日期"))
    renewal_opens = models.DateField(
        _("续保开始日期"), null=True, blank=True,
        help_text=_("上一年度方案的参保会员自此日起即可续保本方案（早于参保开始日期，通常在上一年年底前）。"),
    )
    cover_start_rule = models.CharField(
        _("保障起始规则"), max_length=30, choices=CoverStart.choices, default=CoverStart.DAY_AFTER_PAYMENT
    )
    cover_starts = models.DateField(_("保障期最早开始日"))
    cover_ends = models.DateField(_("保障期结束日"))
    min_age = models.PositiveSmallIntegerField(_("最低年龄"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("最高年龄"), null=True, blank=True)
    waiting_days = models.PositiveSmallIntegerField(
        _("等待期（天）"), default=0, help_text=_("新参保会员自保障开始起这些天内发生的疾病不予补助。")
    )
    renewal_grace_days = models.PositiveSmallIntegerField(
        _("续保宽限期（天）"), default=0, help_text=_("上一年度保障结束后这些天内续保的，免等待期。")
    )
    claim_deadline_days = models.PositiveSmallIntegerField(
        _("申请时限（天）"), default=180, help_text=_("出院或确诊之日起这些天内须提出申请。")
    )
    previous = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("上一年度方案")
    )
    review_service_days = models.PositiveSmallIntegerField(
        _("审核时限（天）"), default=10,
        help_text=_("补助申请在一个审核环节等待超过这些天，后台标出并提醒审核员。"),
    )
    fund_warning_balance = models.DecimalField(
        _("基金预警余额（元）"), max_digits=14, decimal_places=2, null=True, blank=True,
        help_text=_("预计年末基金余额低于此数时，统计页显示预警并通知财务人员；留空则不预警。"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = PlanManager()

    class Meta:
        verbose_name = _("互助保障方案")
        verbose_name_plural = _("互助保障方案")
        ordering = ["-year", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(enrol_opens__lte=F("enrol_closes")), name="plan_window_ordered"),
            models.CheckConstraint(condition=Q(cover_starts__lte=F("cover_ends")), name="plan_cover_ordered"),
            models.CheckConstraint(
                condition=Q(renewal_opens__isnull=True) | Q(renewal_opens__lte=F("enrol_opens")),
                name="plan_renewal_before_window",
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(min_age__lte=F("max_age")),
                name="plan_ages_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self):
        return (self.code,)

    def clean(self):
        if self.pk and self.has_enrolments():
            raise ValidationError(FROZEN_MESSAGE)

    def is_window_open(self, day=None) -> bool:
        day = day or timezone.localdate()
        return self.enrol_opens <= day <= self.enrol_closes

    def is_renewal_window_open(self, day=None) -> bool:
        """Members of the previous year's plan may renew: from `renewal_opens` (or the window) to its close."""
        day = day or timezone.localdate()
        return self.previous_id is not None and (self.renewal_opens or self.enrol_opens) <= day <= self.enrol_closes

    def has_enrolments(self) -> bool:
        return self.enrolments.exists()


class TierManager(NaturalKeyManager):
    def get_by_natural_key(self, plan_code, code):
        return self.get(plan__code=plan_code, code=code)


class Tier(models.Model):
    """A fee level of a plan (the seed's 36 and 60 yuan a year), with its own benefit rules."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tiers", verbose_name=_("方案"))
    code = models.SlugField(_("代码"), max_length=30)
    name = models.CharField(_("名称"), max_length=100)
    fee = models.DecimalField(_("年缴费（元）"), max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)])
    yearly_cap = models.DecimalField(
        _("年度补助总额上限（元）"), max_digits=12, decimal_places=2, null=True, blank=True,
        help_text=_("本档次一个保障年度内各项补助合计的最高金额；留空表示不设总上限。"),
    )

    objects = TierManager()

    class Meta:
        verbose_name = _("缴费档次")
        verbose_name_plural = _("缴费档次")
        ordering = ["plan", "fee"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="tier_code_unique_in_plan"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="tier_fee_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.fee} 元/年）"

    def natural_key(self):
        return (*self.plan.natural_key(), self.code)

    natural_key.dependencies = ["benefits.plan"]

    def clean(self):
        ensure_plan_not_frozen(self.plan_id)


class BenefitRuleManager(NaturalKeyManager):
    def get_by_natural_key(self, plan_code, tier_code, kind):
        return self.get(tier__plan__code=plan_code, tier__code=tier_code, kind=kind)


class BenefitRule(models.Model):
    """One benefit of a tier, as data: its kind and parameters (see `benefits.rules.PARAMETERS`)."""

    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="rules", verbose_name=_("档次"))
    kind = models.CharField(_("补助项目"), max_length=30, choices=BenefitKind.choices)
    params = models.JSONField(_("参数"), default=dict, help_text=_("金额写成字符串，例如 \"20000.00\"。"))
    disease_list = models.ForeignKey(
        DiseaseList, on_delete=models.PROTECT, null=True, blank=True, related_name="rules", verbose_name=_("病种目录")
    )
    required_documents = models.JSONField(
        _("申请所需材料"), default=list, blank=True,
        help_text=_("申请本项补助须上传的材料种类，例如 [\"invoice\", \"discharge_summary\"]。"),
    )
    settlement_auto_approve_up_to = models.DecimalField(
        _("医保结算记录免审核上限（元）"), max_digits=12, decimal_places=2, null=True, blank=True,
        help_text=_("根据医保结算记录生成的本项申请，核算金额不超过此数且没有任何提示时按规则直接核准，不经人工审核；"
                    "留空则一律人工审核。"),
    )

    objects = BenefitRuleManager()

    class Meta:
        verbose_name = _("补助规则")
        verbose_name_plural = _("补助规则")
        ordering = ["tier", "kind"]
        constraints = [models.UniqueConstraint(fields=["tier", "kind"], name="rule_one_per_kind_in_tier")]

    def __str__(self) -> str:
        return f"{self.tier} · {self.get_kind_display()}"

    def natural_key(self):
        return (*self.tier.natural_key(), self.kind)

    natural_key.dependencies = ["benefits.tier", "benefits.diseaselist"]

    def clean(self):
        if self.tier_id:
            ensure_plan_not_frozen(Tier.objects.filter(pk=self.tier_id).values_list("plan_id", flat=True).first())
        try:
            rule_spec_from_data(kind=self.kind, params=self.params, diseases=frozenset())
        except RuleSpecError as exc:
            raise ValidationError({"params": exc.message}) from exc
        needs_list = self.kind in (
            BenefitKind.SERIOUS_DISEASE, BenefitKind.LARGE_SINGLE_DISEASE, BenefitKind.NEWBORN_DISEASE
        )
        if needs_list and self.disease_list_id is None:
            raise ValidationError({"disease_list": _("该补助项目需要指定病种目录。")})
        documents = self.required_documents
        if not isinstance(documents, list) or any(d not in DocumentKind.values for d in documents):
            raise ValidationError({"required_documents": _("所需材料应为材料种类代码的列表：%(codes)s。")
                                   % {"codes": ", ".join(DocumentKind.values)}})


class SubsidyRule(models.Model):
    """A district (or any branch) paying all or part of the fee for workers in its subtree.

    The seed: district governments subsidise workers of non-public enterprises. Whether an employer is
    non-public is recorded on each enrolment (`Enrolment.employer_non_public`, declared by the member or the
    company-union staff), because the member record holds the employer only as free text.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="subsidy_rules", verbose_name=_("方案"))
    paying_branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("补贴单位"),
        help_text=_("通常为区总工会；其下级工会的会员可以享受。"),
    )
    share = models.DecimalField(
        _("补贴比例"), max_digits=5, decimal_places=4, null=True, blank=True,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("1"))],
        help_text=_("0 到 1 之间，例如 0.5 表示补贴一半，1 表示全额。"),
    )
    fixed_amount = models.DecimalField(_("定额补贴（元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    non_public_only = models.BooleanField(_("仅限非公企业职工"), default=True)
    employment_types = models.JSONField(
        _("适用就业形态"), default=list, blank=True, help_text=_("留空表示所有就业形态。")
    )

    class Meta:
        verbose_name = _("缴费补贴规则")
        verbose_name_plural = _("缴费补贴规则")
        constraints = [
            models.CheckConstraint(
                condition=(Q(share__isnull=False) & Q(fixed_amount__isnull=True))
                | (Q(share__isnull=True) & Q(fixed_amount__isnull=False)),
                name="subsidy_share_xor_fixed",
            ),
            models.UniqueConstraint(fields=["plan", "paying_branch"], name="subsidy_one_per_branch_in_plan"),
        ]

    def __str__(self) -> str:
        return f"{self.paying_branch} · {self.plan}"

    def amount_for(self, fee: Decimal) -> Decimal:
        if self.share is not None:
            return min(fee, (fee * self.share).quantize(Decimal("0.01"), ROUND_HALF_UP))
        return min(fee, self.fixed_amount)


class Payment(models.Model):
    """Money received for one or more enrolments: a member's own payment or a company union's group payment."""

    class Provider(models.TextChoices):
        OFFLINE = "offline", _("线下（现金/转账）")
        SANDBOX = "sandbox", _("在线支付（测试网关）")
        WECHATPAY = "wechatpay", _("微信支付")

    class Method(models.TextChoices):
        CASH = "cash", _("现金")
        TRANSFER = "transfer", _("银行转账")
        ONLINE = "online", _("在线支付")

    class Status(models.TextChoices):
        PENDING = "pending", _("待支付")
        PAID = "paid", _("已支付")
        CANCELLED = "cancelled", _("已取消")

    number = models.CharField(_("缴费单号"), max_length=32, unique=True)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.CharField(_("支付渠道"), max_length=20, choices=Provider.choices)
    method = models.CharField(_("支付方式"), max_length=20, choices=Method.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING)
    is_group = models.BooleanField(_("集体缴费"), default=False)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属工会"))
    payer_name = models.CharField(_("缴费人"), max_length=200)
    provider_reference = models.CharField(_("渠道流水号"), max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("经办人"),
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    paid_at = models.DateTimeField(_("支付时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("缴费记录")
        verbose_name_plural = _("缴费记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_not_negative"),
            # A replayed gateway callback must not record a second payment for one gateway transaction.
            models.UniqueConstraint(
                fields=["provider", "provider_reference"],
                condition=~Q(provider_reference=""),
                name="payment_provider_reference_unique",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_at__isnull=False), name="payment_paid_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.amount} 元"


class Enrolment(models.Model):
    """A member in one plan's tier for the year: who pays what, and when the cover runs."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待缴费")
        ACTIVE = "active", _("已生效")
        CANCELLED = "cancelled", _("已取消")

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("方案"))
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("档次"))
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("会员"))
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("参保时所属工会"),
        help_text=_("参保时会员所在的工会，工作人员按它划分可见范围。"),
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING)
    fee = models.DecimalField(_("应缴费用（元）"), max_digits=10, decimal_places=2)
    member_part = models.DecimalField(_("个人（或单位）缴纳（元）"), max_digits=10, decimal_places=2)
    subsidy_part = models.DecimalField(_("补贴金额（元）"), max_digits=10, decimal_places=2, default=ZERO)
    subsidy_rule = models.ForeignKey(
        SubsidyRule, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("补贴规则")
    )
    employer_non_public = models.BooleanField(_("非公企业职工"), default=False)
    is_renewal = models.BooleanField(_("续保"), default=False)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="enrolments", verbose_name=_("缴费记录")
    )
    cover_start = models.DateField(_("保障开始"), null=True, blank=True)
    cover_end = models.DateField(_("保障结束"), null=True, blank=True)
    waiting_until = models.DateField(
        _("等待期至"), null=True, blank=True, help_text=_("这一天及以前发生的疾病不予补助；续保免等待期时为空。")
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("办理人"),
    )
    created_at = models.DateTimeField(_("参保时间"), default=timezone.now)
    activated_at = models.DateTimeField(_("生效时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("参保记录")
        verbose_name_plural = _("参保记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["plan", "branch", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["plan", "member"], name="enrolment_one_per_member_per_plan"),
            models.CheckConstraint(
                condition=Q(fee=F("member_part") + F("subsidy_part")), name="enrolment_parts_sum_to_fee"
            ),
            models.CheckConstraint(
                condition=Q(member_part__gte=0) & Q(subsidy_part__gte=0), name="enrolment_parts_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(cover_start__isnull=False, cover_end__isnull=False),
                name="enrolment_active_has_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.plan}"


class PlanNotice(models.Model):
    """That a member was told something about a plan once (window open, cover ending): keeps beat tasks
    idempotent, whichever worker runs them and however often."""

    class Kind(models.TextChoices):
        WINDOW_OPEN = "window_open", _("参保开始")
        COVER_ENDING = "cover_ending", _("保障即将到期")
        RENEWAL_OPEN = "renewal_open", _("可以续保")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("方案通知记录")
        verbose_name_plural = _("方案通知记录")
        constraints = [models.UniqueConstraint(fields=["plan", "member", "kind"], name="plan_notice_once")]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.member_id}/{self.kind}"
