"""The union tree and who is in it: branches, staff roles, members, joining and transfer records, and the
member-number counter."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from core.text import validate_visible

from .accounts import mobile_validator


class Branch(MP_Node):
    """A union organisation. The materialised path makes subtree and ancestor queries one SQL query each."""

    class Kind(models.TextChoices):
        CITY = "city", _("市总工会")
        DISTRICT = "district", _("区总工会")
        STREET = "street", _("街道（乡镇）工会")
        FEDERATED = "federated", _("联合工会")
        BASE = "base", _("基层工会")

    class FederatedType(models.TextChoices):
        PARK = "park", _("园区")
        INDUSTRY = "industry", _("行业")
        BUILDING = "building", _("楼宇")
        BUSINESS_DISTRICT = "business_district", _("商圈")
        COMMUNITY = "community", _("社区")
        VILLAGE = "village", _("村")

    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    federated_type = models.CharField(
        _("联合工会类型"), max_length=20, choices=FederatedType.choices, blank=True
    )
    region = models.CharField(_("所在区域"), max_length=100, blank=True)
    address = models.CharField(_("地址"), max_length=255, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=100, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    worker_count = models.PositiveIntegerField(
        _("职工人数"), default=0, help_text=_("本组织自身覆盖的职工数（不含下级），用于计算入会率。")
    )
    is_active = models.BooleanField(_("有效"), default=True)

    node_order_by = ["name"]

    class Meta:
        verbose_name = _("工会组织")
        verbose_name_plural = _("工会组织")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="federated") | Q(federated_type=""),
                name="branch_federated_type_only_for_federated",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StaffRole(models.Model):
    """A staff member's role on a branch; it reaches the branch's whole subtree and nothing else."""

    class Role(models.TextChoices):
        BRANCH_ADMIN = "branch_admin", _("组织管理员")
        CLAIMS_REVIEWER = "claims_reviewer", _("互助审核员")
        FINANCE = "finance", _("财务")
        EVENTS_MANAGER = "events_manager", _("活动管理员")
        STATION_MANAGER = "station_manager", _("驿站管理员")
        HARDSHIP_OFFICER = "hardship_officer", _("帮扶干部")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles")
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("工作人员角色")
        verbose_name_plural = _("工作人员角色")
        constraints = [models.UniqueConstraint(fields=["user", "branch", "role"], name="staffrole_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.branch}"


class Member(models.Model):
    """A union member (or applicant). One row per person, keyed by the ID number: a person belongs to at
    most one branch at a time, and a transfer moves the row, keeping the member number and history."""

    class EmploymentType(models.TextChoices):
        STANDARD = "standard", _("标准劳动关系")
        FLEXIBLE = "flexible", _("灵活就业")
        PLATFORM = "platform", _("新就业形态（平台）")

    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class Status(models.TextChoices):
        APPLIED = "applied", _("申请中")
        ACTIVE = "active", _("正常")
        SUSPENDED = "suspended", _("暂停")
        TRANSFERRED_OUT = "transferred_out", _("已转出")
        LEFT = "left", _("已退会")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="member"
    )
    name = models.CharField(_("姓名"), max_length=100, validators=[validate_visible])
    id_number = models.CharField(_("身份证号"), max_length=18, unique=True)
    birth_date = models.DateField(_("出生日期"))
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    mobile = models.CharField(_("手机号码"), max_length=11, validators=[mobile_validator], db_index=True)
    employer = models.CharField(_("工作单位"), max_length=200, blank=True)
    employment_type = models.CharField(
        _("就业形态"), max_length=20, choices=EmploymentType.choices, default=EmploymentType.STANDARD
    )
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="members", verbose_name=_("所属工会"))
    member_number = models.CharField(_("会员号"), max_length=20, unique=True, null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.APPLIED)
    applied_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    joined_at = models.DateTimeField(_("入会时间"), null=True, blank=True)
    left_at = models.DateTimeField(_("离会时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("会员")
        verbose_name_plural = _("会员")
        indexes = [models.Index(fields=["branch", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="active") | Q(member_number__isnull=False),
                name="member_active_has_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.member_number or self.get_status_display()})"

    @property
    def masked_id_number(self) -> str:
        return f"{self.id_number[:3]}***********{self.id_number[-4:]}"

    @property
    def masked_name(self) -> str:
        return self.name[0] + "*" * (len(self.name) - 1) if self.name else ""


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
