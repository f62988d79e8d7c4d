"""Places: rest stations for outdoor workers (户外劳动者驿站) and union service stations (职工服务站).

Coordinates are WGS-84. Opening hours are rows per weekday; a row may run past midnight (`closes_next_day`),
and dated exceptions (holidays) replace a whole day's rows. Visits count once per person, station and clock
hour (a unique constraint on the hour bucket); a rating belongs to one visit.
"""

import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Branch
from members.uploads import validate_image_pixels

from .hours import open_at

# (code, label): each amenity is a boolean column `has_<code>`, so filters use plain indexed-free columns
# and the admin shows checkboxes.
AMENITIES = [
    ("water", _("饮用水")),
    ("food_heating", _("热饭")),
    ("rest_seats", _("休息座椅")),
    ("toilet", _("卫生间")),
    ("phone_charging", _("手机充电")),
    ("first_aid", _("急救药箱")),
    ("cooling_heating", _("冷暖空调")),
    ("wifi", _("无线网络")),
    ("books", _("图书")),
    ("nursing_room", _("母婴室")),
]
AMENITY_CODES = [code for code, _label in AMENITIES]
AMENITY_LABELS = dict(AMENITIES)


def amenity_field(code: str) -> str:
    return f"has_{code}"


class Station(models.Model):
    class Kind(models.TextChoices):
        REST = "rest", _("户外劳动者驿站")
        SERVICE = "service", _("职工服务站")

    class PartnerType(models.TextChoices):
        POST_OFFICE = "post_office", _("邮政网点")
        BANK = "bank", _("银行网点")
        SHOP = "shop", _("商店")
        PETROL_STATION = "petrol_station", _("加油站")
        COMMUNITY_CENTRE = "community_centre", _("社区服务中心")
        UNION = "union", _("工会自建")
        OTHER = "other", _("其他")

    code = models.CharField(
        _("站点编号"), max_length=40, unique=True, null=True, blank=True,
        help_text=_("导入和导出时识别站点用，可留空。"),
    )
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices, default=Kind.REST)
    name = models.CharField(_("名称"), max_length=200)
    partner_type = models.CharField(_("合作单位类型"), max_length=20, choices=PartnerType.choices, blank=True)
    partner_name = models.CharField(_("合作单位"), max_length=200, blank=True)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="stations", verbose_name=_("管理工会"))
    district = models.CharField(_("所在区"), max_length=50, db_index=True)
    address = models.CharField(_("地址"), max_length=255)
    lat = models.FloatField(_("纬度（WGS-84）"))
    lng = models.FloatField(_("经度（WGS-84）"))
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    description = models.TextField(_("简介"), blank=True)
    is_active = models.BooleanField(_("开放"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    has_water = models.BooleanField(_("饮用水"), default=False)
    has_food_heating = models.BooleanField(_("热饭"), default=False)
    has_rest_seats = models.BooleanField(_("休息座椅"), default=False)
    has_toilet = models.BooleanField(_("卫生间"), default=False)
    has_phone_charging = models.BooleanField(_("手机充电"), default=False)
    has_first_aid = models.BooleanField(_("急救药箱"), default=False)
    has_cooling_heating = models.BooleanField(_("冷暖空调"), default=False)
    has_wifi = models.BooleanField(_("无线网络"), default=False)
    has_books = models.BooleanField(_("图书"), default=False)
    has_nursing_room = models.BooleanField(_("母婴室"), default=False)

    class Meta:
        verbose_name = _("驿站")
        verbose_name_plural = _("驿站")
        ordering = ["district", "name", "id"]
        indexes = [
            # The nearest search: a range on lat, lng checked in the same index entries, and — being partial
            # on is_active — no table row read for a station that is not in the box.
            models.Index(fields=["lat", "lng"], name="station_active_lat_lng", condition=Q(is_active=True)),
            models.Index(fields=["branch", "is_active"], name="station_branch_active"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(lat__gte=-90) & Q(lat__lte=90), name="station_lat_range"),
            models.CheckConstraint(condition=Q(lng__gte=-180) & Q(lng__lte=180), name="station_lng_range"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def open_now(self) -> bool:
        """Open at this moment in Asia/Shanghai time. Lists set it for a whole page in three queries
        (selectors.stations_decorate); elsewhere it reads this station's rows."""
        if hasattr(self, "open_now_cached"):
            return self.open_now_cached
        now = timezone.now().astimezone(zoneinfo.ZoneInfo("Asia/Shanghai"))
        exceptions = self.exceptions.filter(date__in=[now.date(), now.date() - timedelta(days=1)])
        return open_at(self.hours.all(), exceptions, now)

    @property
    def amenity_codes(self) -> list[str]:
        return [code for code in AMENITY_CODES if getattr(self, amenity_field(code))]

    @property
    def amenity_labels(self) -> list[str]:
        return [str(AMENITY_LABELS[code]) for code in self.amenity_codes]


class StationIndexVersion(models.Model):
    """One row (id 1): a token that database triggers on `stations_station` replace with a never-repeated value
    whenever a station is inserted, deleted or changed in a column the nearest-search index holds (migration
    0003). Each process compares it with its index's token before a search (stations/index.py)."""

    id = models.PositiveSmallIntegerField(primary_key=True)
    token = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.token}"


class StationChange(models.Model):
    """One row per write to a station or to what the search shows of it (its hours, exceptions, ratings),
    appended by database triggers (migration 0004) whoever wrote it. Processes holding the search's cards
    (stations/cards.py) read the rows after their watermark and reload only those stations. station_id 0
    means every station (a TRUNCATE). Pruned daily (stations.tasks.station_changes_prune)."""

    # No foreign key: deleted stations are logged too.
    station_id = models.BigIntegerField()
    # On PostgreSQL the writing transaction's id (pg_current_xact_id): a watermark is a snapshot's xmin, since
    # rows are not committed in the order they are written. Unused on SQLite, whose one writer at a time makes
    # the id itself the watermark.
    txid = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["txid"], name="station_change_txid"),
            models.Index(fields=["created_at"], name="station_change_created"),
        ]

    def __str__(self) -> str:
        return f"{self.station_id}@{self.txid or self.pk}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("周一")
    TUESDAY = 1, _("周二")
    WEDNESDAY = 2, _("周三")
    THURSDAY = 3, _("周四")
    FRIDAY = 4, _("周五")
    SATURDAY = 5, _("周六")
    SUNDAY = 6, _("周日")


class OpeningHours(models.Model):
    """One opening interval on a weekday. `closes_next_day` lets an interval run past midnight (22:00–06:00);
    opens == closes with it set is a whole day. Overlaps are rejected by services.hours_validate."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("星期"), choices=Weekday.choices)
    opens = models.TimeField(_("开门"))
    closes = models.TimeField(_("关门"))
    closes_next_day = models.BooleanField(_("次日关门"), default=False)

    class Meta:
        verbose_name = _("开放时间")
        verbose_name_plural = _("开放时间")
        ordering = ["weekday", "opens"]
        indexes = [models.Index(fields=["station", "weekday"], name="hours_station_weekday")]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__gte=0) & Q(weekday__lte=6), name="hours_weekday_range"),
            # Same day: it must end after it starts. Past midnight: it must end no later than it started.
            models.CheckConstraint(
                condition=(Q(closes_next_day=False) & Q(closes__gt=models.F("opens")))
                | (Q(closes_next_day=True) & Q(closes__lte=models.F("opens"))),
                name="hours_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        suffix = str(_("次日")) if self.closes_next_day else ""
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{suffix}{self.closes:%H:%M}"


class HoursException(models.Model):
    """A dated exception (a holiday): closed all day, or open only in the given interval. It replaces the
    weekday's rows for that date."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField(_("日期"))
    is_closed = models.BooleanField(_("全天闭站"), default=True)
    opens = models.TimeField(_("开门"), null=True, blank=True)
    closes = models.TimeField(_("关门"), null=True, blank=True)
    closes_next_day = models.BooleanField(_("次日关门"), default=False)
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["station", "date"], name="exception_one_per_day"),
            models.CheckConstraint(
                condition=(Q(is_closed=True) & Q(opens__isnull=True) & Q(closes__isnull=True))
                | (
                    Q(is_closed=False) & Q(opens__isnull=False) & Q(closes__isnull=False)
                    & (
                        (Q(closes_next_day=False) & Q(closes__gt=models.F("opens")))
                        | (Q(closes_next_day=True) & Q(closes__lte=models.F("opens")))
                    )
                ),
                name="exception_hours_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.note}"


def station_photo_path(instance, filename: str) -> str:
    return f"stations/{instance.station_id}/{filename}"


class StationPhoto(models.Model):
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("照片"), upload_to=station_photo_path, validators=[validate_image_pixels])
    caption = models.CharField(_("说明"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.caption or f"#{self.pk}"


class JobType(models.TextChoices):
    COURIER = "courier", _("快递员")
    DELIVERY = "delivery", _("外卖骑手")
    SANITATION = "sanitation", _("环卫工人")
    DRIVER = "driver", _("司机")
    OTHER = "other", _("其他")


class Visit(models.Model):
    """A worker's visit, recorded by scanning the station's QR poster. The person is their mobile number
    (a signed-in user's own, or the one typed in); one visit per person, station and clock hour counts."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="visits")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="station_visits"
    )
    mobile = models.CharField(_("手机号码"), max_length=11)
    job_type = models.CharField(_("职业"), max_length=20, choices=JobType.choices)
    visited_at = models.DateTimeField(_("到访时间"), default=timezone.now, db_index=True)
    hour = models.DateTimeField(_("到访小时"), help_text=_("到访时间取整到小时，用于“每人每站每小时计一次”。"))
    # A signed-in user's verified number, not one typed in by whoever scanned: anyone can type any number, so those
    # visits are counted apart in the statistics instead of inflating the people counted.
    mobile_verified = models.BooleanField(_("手机号已验证"), default=False)

    class Meta:
        verbose_name = _("到访记录")
        verbose_name_plural = _("到访记录")
        ordering = ["-visited_at", "-id"]
        indexes = [models.Index(fields=["station", "visited_at"], name="visit_station_time")]
        constraints = [
            models.UniqueConstraint(fields=["station", "mobile", "hour"], name="visit_once_per_person_hour"),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.visited_at:%Y-%m-%d %H:%M}"


class Rating(models.Model):
    """1–5 stars and a comment on one recorded visit; staff may reply."""

    visit = models.OneToOneField(Visit, on_delete=models.CASCADE, related_name="rating")
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="station_ratings")
    score = models.PositiveSmallIntegerField(_("评分"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(_("评价"), blank=True, max_length=1000)
    created_at = models.DateTimeField(_("评价时间"), default=timezone.now)
    reply = models.TextField(_("回复"), blank=True, max_length=1000)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=5), name="rating_score_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} ★{self.score}"


class ServiceCategory(models.TextChoices):
    HARDSHIP = "hardship", _("困难帮扶")
    RIGHTS = "rights", _("维权服务")
    LEGAL = "legal", _("法律咨询")
    JOBS = "jobs", _("就业服务")
    CULTURE_SPORT = "culture_sport", _("文体活动")
    OTHER = "other", _("其他")


class StationService(models.Model):
    """The published list of services a service station offers."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="services")
    category = models.CharField(_("类别"), max_length=20, choices=ServiceCategory.choices)
    title = models.CharField(_("服务名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    schedule = models.CharField(_("服务时间"), max_length=100, blank=True)
    is_active = models.BooleanField(_("发布"), default=True)

    class Meta:
        verbose_name = _("服务清单")
        verbose_name_plural = _("服务清单")
        ordering = ["category", "title"]

    def __str__(self) -> str:
        return self.title


class StationResource(models.Model):
    """The published list of a service station's resources (nursing room, library, fitness check…)."""

    class Kind(models.TextChoices):
        NURSING_ROOM = "nursing_room", _("母婴室")
        LIBRARY = "library", _("职工书屋")
        FITNESS_CHECK = "fitness_check", _("健康检测")
        MEETING_ROOM = "meeting_room", _("活动室")
        OTHER = "other", _("其他")

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="resources")
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    is_active = models.BooleanField(_("发布"), default=True)

    class Meta:
        verbose_name = _("资源清单")
        verbose_name_plural = _("资源清单")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Need(models.Model):
    """A member's need posted at a service station; staff answer and close it. Shown publicly without names."""

    class Status(models.TextChoices):
        OPEN = "open", _("待回复")
        CLOSED = "closed", _("已办结")

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="needs")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="station_needs")
    category = models.CharField(_("类别"), max_length=20, choices=ServiceCategory.choices)
    text = models.TextField(_("需求内容"), max_length=2000)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    answer = models.TextField(_("答复"), blank=True, max_length=2000)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("职工需求")
        verbose_name_plural = _("职工需求")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["station", "status"], name="need_station_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | (~Q(answer="") & Q(answered_at__isnull=False)),
                name="need_closed_has_answer",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:30]
