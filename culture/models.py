"""The workers' cultural palace: venues, the service menu, sessions with capacity, bookings (tickets),
waiting lists, check-in, contest entries, group orders from branches and ratings.

Invariants live in the database: a session is never overbooked (CheckConstraint seats_taken <= capacity),
one live booking per person and session, one rating per booking, one ticket code per booking.
"""

import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.text import validate_visible
from members.models import Branch, Member, mobile_validator
from members.uploads import validate_image_pixels


class Venue(models.Model):
    class Kind(models.TextChoices):
        HALL = "hall", _("剧场/礼堂")
        CINEMA = "cinema", _("影厅")
        GALLERY = "gallery", _("展厅")
        COURT = "court", _("运动场地")
        CLASSROOM = "classroom", _("教室")
        OTHER = "other", _("其他")

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="culture_venues",
                               verbose_name=_("所属工会"))
    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    capacity = models.PositiveIntegerField(_("容量"))
    address = models.CharField(_("地址"), max_length=255)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("场馆")
        verbose_name_plural = _("场馆")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Category(models.TextChoices):
    EXHIBITION = "exhibition", _("展览")
    PERFORMANCE = "performance", _("演出")
    FILM = "film", _("电影")
    CONTEST = "contest", _("赛事活动")
    SPORTS = "sports", _("体育场地")
    COURSE = "course", _("培训课程")
    SERVICE = "service", _("工会服务")


class MenuItem(models.Model):
    """One entry of the public service menu."""

    class Audience(models.TextChoices):
        EVERYONE = "everyone", _("面向公众")
        MEMBERS = "members", _("仅限会员")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        ARCHIVED = "archived", _("已下架")

    class EntryMode(models.TextChoices):
        INDIVIDUAL = "individual", _("个人报名")
        TEAM = "team", _("团体报名")

    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("介绍"), blank=True)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="culture_items",
                               verbose_name=_("主办工会"))
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices, db_index=True)
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="items", verbose_name=_("场馆"))
    tags = models.CharField(_("标签"), max_length=200, blank=True, help_text=_("用空格或逗号分隔，如：亲子 周末 免费"))
    audience = models.CharField(_("面向对象"), max_length=20, choices=Audience.choices, default=Audience.EVERYONE)
    booking_required = models.BooleanField(_("需要预约"), default=True, help_text=_("不勾选表示无需预约、现场入场。"))
    max_seats_per_booking = models.PositiveSmallIntegerField(
        _("每次最多预约人数"), default=2, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    cancel_hours_before = models.PositiveSmallIntegerField(
        _("最晚提前取消（小时）"), default=2, help_text=_("开场前多少小时之后不可再取消。")
    )
    entry_mode = models.CharField(_("报名方式"), max_length=20, choices=EntryMode.choices, blank=True,
                                  help_text=_("仅赛事活动使用。"))
    entry_fields = models.JSONField(
        _("报名表附加字段"), default=list, blank=True,
        help_text=_('仅赛事活动使用。例如：[{"name": "song", "label": "参赛曲目", "type": "text", "required": true}]'),
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")
        ordering = ["-created_at", "-id"]
        # The public menu lists newest first: this index walks the first page without sorting every item.
        indexes = [models.Index(fields=["-created_at", "-id"], name="culture_item_newest_first",
                                condition=Q(status="published"))]
        constraints = [
            models.CheckConstraint(
                condition=~Q(category="contest") | ~Q(entry_mode=""), name="culture_contest_has_entry_mode"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_course(self) -> bool:
        return self.category == Category.COURSE

    # What a branch can order for its workers (GroupOrder): something the palace brings to the branch's site — a
    # show, a film, an exhibition, a course, a union service. A sports court is a place at the palace and a contest
    # is entered, not delivered: neither can be ordered for a site.
    ORDERABLE_CATEGORIES = (Category.PERFORMANCE, Category.FILM, Category.EXHIBITION, Category.COURSE,
                            Category.SERVICE)

    @property
    def is_orderable(self) -> bool:
        return self.is_published and self.category in self.ORDERABLE_CATEGORIES

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.replace("，", " ").replace(",", " ").split() if t]


def item_image_path(instance, filename: str) -> str:
    return f"culture/items/{instance.item_id}/{filename}"


class ItemImage(models.Model):
    """A photo of a menu item. Files are private (no MEDIA_URL): `culture:image` serves published ones."""

    item = models.ForeignKey(MenuItem, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(_("图片"), upload_to=item_image_path, validators=[validate_image_pixels])
    alt = models.CharField(_("图片说明"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("项目图片")
        verbose_name_plural = _("项目图片")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.alt or f"#{self.pk}"


class Session(models.Model):
    """One date of a menu item (a performance, a screening, a court time slot, a lesson of a course).

    `seats_taken` counts confirmed seats plus seats held for a waiting-list offer; it only moves through
    conditional UPDATEs in services.py, and the database refuses any value above capacity.
    """

    item = models.ForeignKey(MenuItem, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("项目"))
    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, related_name="sessions", null=True, blank=True, verbose_name=_("场地"),
        help_text=_("留空则使用项目的场馆；体育场地可按场地（球场）分别设置时段。"),
    )
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("名额"))
    seats_taken = models.PositiveIntegerField(_("已占名额"), default=0)
    price = models.DecimalField(_("票价"), max_digits=8, decimal_places=2, default=Decimal("0.00"))
    member_price = models.DecimalField(_("会员价"), max_digits=8, decimal_places=2, default=Decimal("0.00"))
    booking_opens_at = models.DateTimeField(_("开放预约时间"), null=True, blank=True)
    booking_closes_at = models.DateTimeField(_("截止预约时间"), null=True, blank=True)
    is_cancelled = models.BooleanField(_("已取消"), default=False)

    class Meta:
        verbose_name = _("场次")
        verbose_name_plural = _("场次")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["item", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(seats_taken__lte=F("capacity")), name="culture_session_not_overbooked"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="culture_session_ends_after_start"),
            models.CheckConstraint(condition=Q(member_price__lte=F("price")), name="culture_member_price_not_above"),
            models.CheckConstraint(condition=Q(price__gte=0) & Q(member_price__gte=0), name="culture_price_positive"),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.item.title} · {local:%Y-%m-%d %H:%M}"

    def clean(self):
        errors = {}
        if self.capacity is not None and self.seats_taken and self.capacity < self.seats_taken:
            errors["capacity"] = _("名额不能少于已占名额（%(n)s）。") % {"n": self.seats_taken}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("结束时间须晚于开始时间。")
        if self.price is not None and self.member_price is not None and self.member_price > self.price:
            errors["member_price"] = _("会员价不能高于票价。")
        if errors:
            raise ValidationError(errors)

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    @property
    def is_free(self) -> bool:
        return self.price == 0

    def cancel_deadline(self, hours: int):
        return self.starts_at - timedelta(hours=hours)


# No look-alikes: no 0/O, 1/I/L. 31 characters, 8 of them: about 8.5 × 10^11 codes.
SHORT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SHORT_CODE_LENGTH = 8


def new_short_code() -> str:
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for __ in range(SHORT_CODE_LENGTH))


class Booking(models.Model):
    """A ticket: seats on a session (for a training course, the enrolment in all its lessons). The QR code
    carries `code`, a random secret with a unique index; whoever holds it holds the ticket."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("已确认")
        CANCELLED = "cancelled", _("已取消")

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("场次"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="culture_bookings",
                             null=True, blank=True, verbose_name=_("用户"))
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="culture_bookings",
                               null=True, blank=True, verbose_name=_("会员"))
    mobile = models.CharField(_("手机号码"), max_length=11, validators=[mobile_validator])
    name = models.CharField(_("姓名"), max_length=100, blank=True, validators=[validate_visible])
    seats = models.PositiveSmallIntegerField(_("人数"))
    unit_price = models.DecimalField(_("单价"), max_digits=8, decimal_places=2)
    total_price = models.DecimalField(_("金额"), max_digits=10, decimal_places=2)
    is_member_price = models.BooleanField(_("会员价"), default=False)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.CONFIRMED)
    code = models.CharField(_("票码"), max_length=64, unique=True)
    # A short code people can read out and type at the gate: 8 characters of SHORT_CODE_ALPHABET.
    # The default covers bookings made outside services.py (the admin, tests); services draw one not yet used.
    short_code = models.CharField(_("短票码"), max_length=8, unique=True, default=new_short_code)
    created_at = models.DateTimeField(_("预约时间"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("入场时间"), null=True, blank=True)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+", verbose_name=_("验票人"))
    checked_in_place = models.CharField(_("验票地点"), max_length=200, blank=True)
    reminder_sent_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("预约（票）")
        verbose_name_plural = _("预约（票）")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One live booking per person and session, whichever door it came through.
            models.UniqueConstraint(fields=["session", "mobile"], condition=Q(status="confirmed"),
                                    name="culture_one_live_booking_per_mobile"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="culture_booking_seats_positive"),
        ]
        indexes = [models.Index(fields=["session", "status"])]

    def __str__(self) -> str:
        return f"{self.session} · {self.name or self.mobile} × {self.seats}"

    @property
    def short_code_display(self) -> str:
        """"K7QX3M9P" shown as "K7QX 3M9P": two groups of four are easier to read out and type."""
        return f"{self.short_code[:4]} {self.short_code[4:]}"


class Attendance(models.Model):
    """Check-in to one lesson of a training course by a course enrolment (one row per lesson, at most)."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="attendances")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    checked_in_at = models.DateTimeField(_("入场时间"), default=timezone.now)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                      related_name="+")
    checked_in_place = models.CharField(_("验票地点"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("课程签到")
        verbose_name_plural = _("课程签到")
        constraints = [models.UniqueConstraint(fields=["booking", "session"], name="culture_attend_lesson_once")]

    def __str__(self) -> str:
        return f"{self.booking_id} @ {self.session_id}"


class WaitlistEntry(models.Model):
    """A place in a full session's queue. When seats come free they are held for the first entry
    (status offered) until `offer_expires_at`; accepting turns the held seats into a booking."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("候补中")
        OFFERED = "offered", _("待确认")
        ACCEPTED = "accepted", _("已转为预约")
        EXPIRED = "expired", _("已过期")
        CANCELLED = "cancelled", _("已取消")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="waitlist", verbose_name=_("场次"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="culture_waitlist",
                             null=True, blank=True)
    member = models.ForeignKey(Member, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    mobile = models.CharField(_("手机号码"), max_length=11, validators=[mobile_validator])
    name = models.CharField(_("姓名"), max_length=100, blank=True, validators=[validate_visible])
    seats = models.PositiveSmallIntegerField(_("人数"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(_("加入时间"), default=timezone.now)
    offered_at = models.DateTimeField(_("通知时间"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("确认截止"), null=True, blank=True)
    booking = models.OneToOneField(Booking, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("候补")
        verbose_name_plural = _("候补")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "mobile"], condition=Q(status__in=["waiting", "offered"]),
                                    name="culture_one_live_waitlist_per_mobile"),
        ]
        indexes = [models.Index(fields=["session", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.session} · {self.name or self.mobile} ({self.get_status_display()})"


class VisitorCode(models.Model):
    """An SMS code proving a visitor holds a mobile number. Only a hash of the code is kept."""

    mobile = models.CharField(max_length=11, validators=[mobile_validator], db_index=True)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("访客验证码")
        verbose_name_plural = _("访客验证码")

    def __str__(self) -> str:
        return f"{self.mobile[:3]}****{self.mobile[-4:]}"


class ContestEntry(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        ACCEPTED = "accepted", _("已通过")
        REJECTED = "rejected", _("未通过")
        WITHDRAWN = "withdrawn", _("已撤回")

    item = models.ForeignKey(MenuItem, on_delete=models.CASCADE, related_name="entries", verbose_name=_("赛事"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="culture_entries")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    team_name = models.CharField(_("队伍名称"), max_length=120, blank=True)
    team_members = models.JSONField(_("队员"), default=list, blank=True)
    answers = models.JSONField(_("报名信息"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    review_note = models.CharField(_("审核意见"), max_length=500, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("报名时间"), default=timezone.now)

    class Meta:
        verbose_name = _("赛事报名")
        verbose_name_plural = _("赛事报名")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["item", "user"], condition=~Q(status="withdrawn"),
                                    name="culture_one_entry_per_contest"),
        ]

    def __str__(self) -> str:
        return f"{self.item} · {self.team_name or self.user}"


# How far ahead a group order's wished dates may lie: the palace plans its touring season a year at most ahead.
ORDER_DAYS_AHEAD = 366


class GroupOrder(models.Model):
    """A branch orders a menu item for its workers (一站式点单): a touring show or a course at their site."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待受理")
        ACCEPTED = "accepted", _("已受理并排期")
        DECLINED = "declined", _("已婉拒")
        CANCELLED = "cancelled", _("已撤销")

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="culture_orders",
                               verbose_name=_("点单工会"))
    item = models.ForeignKey(MenuItem, on_delete=models.PROTECT, related_name="orders", verbose_name=_("服务项目"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("提交人"))
    wished_from = models.DateField(_("期望最早日期"), null=True)
    wished_to = models.DateField(_("期望最晚日期"), null=True)
    headcount = models.PositiveIntegerField(_("参加人数"), validators=[MinValueValidator(1)])
    site_address = models.CharField(_("活动地点"), max_length=255)
    note = models.TextField(_("备注"), blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    scheduled_starts_at = models.DateTimeField(_("排期开始"), null=True, blank=True)
    scheduled_ends_at = models.DateTimeField(_("排期结束"), null=True, blank=True)
    decline_reason = models.CharField(_("婉拒原因"), max_length=500, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    class Meta:
        verbose_name = _("团体点单")
        verbose_name_plural = _("团体点单")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(scheduled_starts_at__isnull=False),
                name="culture_accepted_order_is_scheduled",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""), name="culture_declined_order_has_reason"
            ),
            # Orders placed before the dates were picked (free text then, kept in the note) have none.
            models.CheckConstraint(condition=Q(wished_to__gte=F("wished_from")),
                                   name="culture_order_wished_dates_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.branch} · {self.item}"


class Rating(models.Model):
    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="rating")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="ratings")
    item = models.ForeignKey(MenuItem, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="culture_ratings")
    score = models.PositiveSmallIntegerField(_("评分"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.CharField(_("评价"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("评价时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=5), name="culture_rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.item} · {self.score}"
