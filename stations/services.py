"""Writes of the stations app: one function per action, keyword-only, one transaction each."""

from datetime import datetime, timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError
from core.services import audit_log
from members.models import normalize_mobile
from members.notifications.services import notification_send, recipient_text

from . import geo
from .hours import HoursError, Interval, hours_validate
from .models import JobType, Need, OpeningHours, Rating, ServiceCategory, Station, StationChange, Visit
from .selectors import stations_managed_by

VISIT_TOKEN_SALT = "stations.visit-poster"  # noqa: S105 — a signing namespace, not a secret


class StationError(ApplicationError):
    """A rule of the stations said no, with a message for people (and the field at fault, when there is one)."""


# --- Coordinates and hours ------------------------------------------------------------------------------


def coordinates_check(lat: float, lng: float) -> None:
    """Stations are in China: out-of-range or foreign coordinates are refused with a readable message."""
    if lat is None or lng is None:
        raise StationError(_("请填写经纬度。"), field="lat")
    if not geo.coordinates_in_range(lat, lng):
        raise StationError(_("经纬度超出范围：纬度应在 -90 到 90 之间，经度应在 -180 到 180 之间。"), field="lat")
    if geo.out_of_china(lat, lng):
        raise StationError(
            _("坐标 (%(lat).5f, %(lng).5f) 不在中国境内，请检查是否把经度和纬度填反了。") % {"lat": lat, "lng": lng},
            field="lat",
        )


def coordinates_to_wgs84(lat: float, lng: float, *, system: str) -> tuple[float, float]:
    """Coordinates as given (WGS-84 or GCJ-02, e.g. picked on Amap) → WGS-84 as stored."""
    coordinates_check(lat, lng)
    if system == "gcj02":
        return geo.gcj02_to_wgs84(lat, lng)
    if system != "wgs84":
        raise StationError(_("坐标系只能是 wgs84 或 gcj02。"), field="coord_system")
    return lat, lng


def station_hours_replace(*, actor, station: Station, intervals: list[Interval]) -> None:
    """Replaces a station's weekly hours with checked intervals (no overlaps, none ending before it starts)."""
    try:
        hours_validate(intervals)
    except HoursError as e:
        raise StationError(e.message, field="hours") from e
    with transaction.atomic():
        station.hours.all().delete()
        OpeningHours.objects.bulk_create(
            OpeningHours(station=station, weekday=i.weekday, opens=i.opens, closes=i.closes,
                         closes_next_day=i.closes_next_day)
            for i in intervals
        )
        audit_log(actor=actor, action="station.hours_replaced", target=station, data={"intervals": len(intervals)})


# --- The QR poster and visits ---------------------------------------------------------------------------


def station_visit_token(station: Station) -> str:
    """The token printed in a station's poster URL: the station id signed with the site's secret, so a
    token can neither be forged nor moved to another station."""
    return signing.Signer(salt=VISIT_TOKEN_SALT).sign(str(station.pk)).split(":", 1)[1]


def station_from_visit_token(*, station_id: int, token: str) -> Station:
    """The active station a poster token belongs to; anything else (forged, another station's, an inactive
    station's) raises StationError."""
    try:
        signed_id = signing.Signer(salt=VISIT_TOKEN_SALT).unsign(f"{station_id}:{token}")
    except signing.BadSignature as e:
        raise StationError(_("二维码无效：它不属于这个驿站，请扫描驿站现场张贴的二维码。"), field="token") from e
    station = Station.objects.filter(pk=int(signed_id)).first()
    if station is None or not station.is_active:
        raise StationError(_("这个驿站已停止服务，无法登记到访。"), field="token")
    return station


def visit_record(
    *, station_id: int, token: str, job_type: str, user=None, mobile: str = "", now: datetime | None = None
) -> Visit:
    """Records a worker's visit from the poster's QR code. One visit per person (mobile number), station and
    clock hour counts: a second scan within the hour is refused and nothing is saved."""
    station = station_from_visit_token(station_id=station_id, token=token)
    if job_type not in JobType.values:
        raise StationError(_("请选择职业。"), field="job_type")
    verified = False
    if user is not None and user.is_authenticated:
        mobile, verified = user.mobile, bool(user.mobile_verified)
    else:
        user = None
        try:
            mobile = normalize_mobile(mobile)
        except ValidationError as e:
            raise StationError(_("请输入 11 位中国大陆手机号码，例如 13800138000。"), field="mobile") from e
    visited_at = now or timezone.now()
    hour = visited_at.replace(minute=0, second=0, microsecond=0)
    try:
        # The race of two scans in the same hour (a double tap, two phones) is closed by the unique
        # constraint on (station, mobile, hour): the second insert fails and is reported, not counted.
        with transaction.atomic():
            visit = Visit.objects.create(
                station=station, user=user, mobile=mobile, job_type=job_type, visited_at=visited_at, hour=hour,
                mobile_verified=verified,
            )
            audit_log(actor=user, action="station.visit_recorded", target=visit, data={"station": station.pk})
    except IntegrityError as e:
        raise StationError(
            _("本小时内您已在这个驿站登记过到访，无需重复扫码。"), field="mobile"
        ) from e
    return visit


# --- Ratings --------------------------------------------------------------------------------------------


def rating_create(*, user, station_id: int, score: int, comment: str = "") -> Rating:
    """A signed-in user rates a station after a recorded visit (their latest visit not yet rated)."""
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise StationError(_("评分须为 1 到 5 分。"), field="score")
    station = get_object_or_404(Station, pk=station_id, is_active=True)
    # The user's own visits: those recorded signed in, and those made with their number once it is verified (a
    # number typed in by someone else is not theirs until they prove it).
    own = Q(user=user) | (Q(mobile=user.mobile) if user.mobile_verified else Q(pk__in=[]))
    with transaction.atomic():
        visit = (
            Visit.objects.select_for_update(of=("self",))
            .filter(own, station=station, rating__isnull=True)
            .order_by("-visited_at")
            .first()
        )
        if visit is None:
            if Visit.objects.filter(own, station=station).exists():
                # Visited and rated already: the refusal says so, not "scan first" (they did).
                raise StationError(_("您已评价过在这个驿站的到访；下次到访登记后可以再评价。"), field="score")
            raise StationError(_("请先扫描驿站二维码登记到访，再进行评价。"), field="score")
        try:
            # One rating per visit (the one-to-one column is unique): two submits race to the same visit.
            with transaction.atomic():
                rating = Rating.objects.create(
                    visit=visit, station=station, user=user, score=score, comment=(comment or "").strip()
                )
        except IntegrityError as e:
            raise StationError(_("这次到访已经评价过了。"), field="score") from e
        audit_log(actor=user, action="station.rated", target=rating, data={"score": score})
    return rating


def rating_reply(*, actor, rating_id: int, reply: str) -> Rating:
    """Staff of the station's branch reply to a rating; the rater is told."""
    reply = (reply or "").strip()
    if not reply:
        raise StationError(_("请填写回复内容。"), field="reply")
    with transaction.atomic():
        rating = get_object_or_404(
            Rating.objects.select_for_update().filter(station__in=stations_managed_by(actor)), pk=rating_id
        )
        rating.reply, rating.replied_by, rating.replied_at = reply, actor, timezone.now()
        rating.save(update_fields=["reply", "replied_by", "replied_at"])
        audit_log(actor=actor, action="station.rating_replied", target=rating)
        notification_send(
            user=rating.user, kind="stations.rating_replied",
            title=gettext_lazy("驿站回复了您的评价"), body=reply, url=f"/stations/{rating.station_id}/",
        )
    return rating


# --- Needs ----------------------------------------------------------------------------------------------


def need_create(*, user, station_id: int, category: str, text: str) -> Need:
    """A member posts a need at a service station."""
    member = getattr(user, "member", None) if user.is_authenticated else None
    if member is None or member.status != "active":
        raise StationError(_("只有工会会员可以提交需求，请先加入工会。"))
    if category not in ServiceCategory.values:
        raise StationError(_("请选择需求类别。"), field="category")
    text = (text or "").strip()
    if len(text) < 5:
        raise StationError(_("请把需求写清楚（至少 5 个字）。"), field="text")
    station = get_object_or_404(Station, pk=station_id, is_active=True)
    if station.kind != Station.Kind.SERVICE:
        raise StationError(_("只有职工服务站受理需求。"))
    with transaction.atomic():
        need = Need.objects.create(station=station, user=user, category=category, text=text)
        audit_log(actor=user, action="station.need_posted", target=need)
    return need


def need_answer(*, actor, need_id: int, answer: str, close: bool = True) -> Need:
    """Staff of the station's branch answer a need (and close it, by default); the member is told."""
    answer = (answer or "").strip()
    if not answer:
        raise StationError(_("请填写答复内容。"), field="answer")
    with transaction.atomic():
        # Two staff answering at once: the row lock makes the second see the first's answer.
        need = get_object_or_404(
            Need.objects.select_for_update().filter(station__in=stations_managed_by(actor)), pk=need_id
        )
        if need.status == Need.Status.CLOSED and not close:
            raise StationError(_("需求已办结，不能改回待回复。"))
        need.answer, need.answered_by, need.answered_at = answer, actor, timezone.now()
        if close:
            need.status = Need.Status.CLOSED
        need.save(update_fields=["answer", "answered_by", "answered_at", "status"])
        audit_log(actor=actor, action="station.need_answered", target=need, data={"closed": close})
        notification_send(
            user=need.user, kind="stations.need_answered",
            title=recipient_text(gettext_lazy("您在%(station)s提交的需求有了答复"), station=need.station.name),
            body=answer, url=f"/stations/{need.station_id}/needs/",
        )
    return need


def station_set_active(*, actor, station_id: int, active: bool) -> Station:
    with transaction.atomic():
        station = get_object_or_404(stations_managed_by(actor).select_for_update(), pk=station_id)
        station.is_active = active
        station.save(update_fields=["is_active", "updated_at"])
        audit_log(actor=actor, action="station.activated" if active else "station.deactivated", target=station)
    return station


# --- The search's change log -----------------------------------------------------------------------------


def station_changes_prune(*, keep: timedelta = timedelta(days=1)) -> int:
    """Deletes change-log rows older than `keep`; returns how many. The search's processes read only rows newer
    than their last poll, and one that has not polled for a long while builds its cards again instead
    (cards.FULL_BUILD_AFTER_SECONDS, well under a day)."""
    deleted, _by_model = StationChange.objects.filter(created_at__lt=timezone.now() - keep).delete()
    return deleted
