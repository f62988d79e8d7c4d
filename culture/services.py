"""Writes of the cultural palace: one function per action, keyword-only, one transaction each.

Capacity rule: `Session.seats_taken` counts confirmed seats and seats held for a waiting-list offer. It only
moves through `_seats_take` / `_seats_release`, conditional UPDATEs that the database evaluates row by row
under its row lock, so no number of simultaneous requests can overbook a session (and the CheckConstraint
`seats_taken <= capacity` would refuse it anyway).
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.datewords import datetime_text, month_day_time_text
from core.digits import ascii_digits
from core.errors import ApplicationError
from core.services import audit_log, outbox_add
from core.text import book_title, book_title_lazy
from members.models import Member, StaffRole, User, normalize_mobile
from members.notifications.services import notification_send, recipient_text, sms_queue
from members.notifications.sms_limits import SMS_LIMITED_MESSAGE, sms_send_allowed
from members.selectors import branches_in_scope

from . import selectors
from .models import (
    ORDER_DAYS_AHEAD,
    SHORT_CODE_ALPHABET,
    SHORT_CODE_LENGTH,
    Attendance,
    Booking,
    Category,
    ContestEntry,
    GroupOrder,
    MenuItem,
    Rating,
    Session,
    VisitorCode,
    WaitlistEntry,
    new_short_code,
)

STAFF_ROLES = [StaffRole.Role.EVENTS_MANAGER, StaffRole.Role.BRANCH_ADMIN]
OFFER_HOURS = getattr(settings, "CULTURE_WAITLIST_OFFER_HOURS", 12)
VISITOR_CODE_MINUTES = 10
VISITOR_CODE_RESEND_SECONDS = 60
VISITOR_CODE_MAX_ATTEMPTS = 5


class CultureError(ApplicationError):
    """A rule of the palace said no; `message` is written for the person who asked."""

    # The palace's API has always answered its refusals 400 (`forbidden` and `full` included), not found 404.
    statuses = {"not_found": 404}

    def __init__(self, message: str, *, code: str = "invalid"):
        super().__init__(message, code)


class BookingError(CultureError):
    pass


class SessionFull(BookingError):
    def __init__(self, message: str | None = None):
        super().__init__(message or _("该场次已满，可以加入候补名单。"), code="full")


class CheckInError(CultureError):
    # A ticket already used is a conflict at the door (409); every other refusal 400, as it always answered.
    statuses = {"used": 409}


class NotInScope(CultureError):
    def __init__(self):
        super().__init__(_("您无权管理该项目。"), code="forbidden")


@dataclass(frozen=True)
class Booker:
    """Who books: a signed-in user (member or not) or a visitor proven by an SMS code; and at which price."""

    user: object | None
    member: Member | None
    mobile: str
    name: str

    @property
    def is_member(self) -> bool:
        return self.member is not None


def active_member(user) -> Member | None:
    if not getattr(user, "is_authenticated", False):
        return None
    member = Member.objects.filter(user=user, status=Member.Status.ACTIVE).first()
    return member


def booker_for(*, user=None, visitor_mobile: str | None = None) -> Booker:
    """The member price for an active member; the full price for a signed-in user with a verified mobile,
    or for a visitor whose mobile the view has checked with an SMS code."""
    if user is not None and getattr(user, "is_authenticated", False):
        member = active_member(user)
        if member is not None:
            return Booker(user=user, member=member, mobile=user.mobile, name=member.name)
        if user.mobile_verified:
            return Booker(user=user, member=None, mobile=user.mobile, name=user.name)
        if not visitor_mobile:
            raise BookingError(_("请先验证您的手机号码。"), code="unverified")
    if not visitor_mobile:
        raise BookingError(_("请先登录，或验证手机号码后以访客身份预约。"), code="unverified")
    owner = User.objects.filter(mobile=visitor_mobile, is_active=True).first()
    signed_in_as = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    if owner is not None and signed_in_as in (None, owner.pk):
        # The visitor has just proved this number with an SMS code (as an SMS login does), and it is an account's:
        # the booking is that account's, at the member price if they are a member, and on their 我的预约 page.
        # Booking as a nameless visitor would charge a member the full price and hide the ticket from them.
        member = active_member(owner)
        return Booker(user=owner, member=member, mobile=visitor_mobile, name=member.name if member else owner.name)
    return Booker(user=None, member=None, mobile=visitor_mobile, name="")


def staff_may_manage(user, item: MenuItem) -> bool:
    return branches_in_scope(user, roles=STAFF_ROLES).filter(pk=item.branch_id).exists()


def _ensure_staff(user, item: MenuItem) -> None:
    if not staff_may_manage(user, item):
        raise NotInScope()


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _lessons(session: Session) -> list[int]:
    """The sessions one booking takes seats on: every lesson of a training course, else the session."""
    if session.item.category == Category.COURSE:
        return list(
            Session.objects.filter(item_id=session.item_id, is_cancelled=False).values_list("id", flat=True)
        )
    return [session.pk]


def _seats_take(session_ids: list[int], seats: int) -> bool:
    """Takes `seats` on every session in `session_ids`, or on none. Call inside a transaction.

    Race: many people booking the last seats at once. Each UPDATE re-checks `seats_taken + n <= capacity`
    on the row version it locks, so the second of two simultaneous requests sees the first one's seats
    and matches no row. If not every session could give the seats, the caller's transaction rolls back.
    """
    updated = Session.objects.filter(pk__in=session_ids, seats_taken__lte=F("capacity") - seats).update(
        seats_taken=F("seats_taken") + seats
    )
    return updated == len(session_ids)


def _seats_release(session_ids: list[int], seats: int) -> None:
    Session.objects.filter(pk__in=session_ids, seats_taken__gte=seats).update(seats_taken=F("seats_taken") - seats)


def _new_code() -> str:
    return secrets.token_urlsafe(18)


def _new_short_code() -> str:
    """A short code not yet given out. Two bookings drawing the same free code at the same instant (odds about
    one in 10^12) are stopped by the unique index; the loser's booking fails and can be retried."""
    while True:
        code = new_short_code()
        if not Booking.objects.filter(short_code=code).exists():
            return code


def short_code_normalize(text: str) -> str | None:
    """What staff type for a short code, as stored: "k7qx 3m9p" or "K7QX-3M9P" → "K7QX3M9P".
    None when it cannot be a short code (a long QR code, a typo with a look-alike character)."""
    compact = "".join(ch for ch in text if not ch.isspace() and ch != "-").upper()
    if len(compact) == SHORT_CODE_LENGTH and all(ch in SHORT_CODE_ALPHABET for ch in compact):
        return compact
    return None


def _ensure_bookable(session: Session, booker: Booker, seats: int, *, now=None) -> None:
    now = now or timezone.now()
    item = session.item
    if item.status != MenuItem.Status.PUBLISHED or session.is_cancelled:
        raise BookingError(_("该场次不可预约。"), code="unavailable")
    if not item.booking_required:
        raise BookingError(_("该项目无需预约，请直接到场。"), code="walk_in")
    if session.starts_at <= now:
        raise BookingError(_("该场次已开始或已结束，不能再预约。"), code="past")
    if session.booking_opens_at and now < session.booking_opens_at:
        opens = timezone.localtime(session.booking_opens_at)
        raise BookingError(_("预约尚未开放，开放时间：%(time)s。") % {"time": datetime_text(opens)},
                           code="not_open")
    if session.booking_closes_at and now >= session.booking_closes_at:
        raise BookingError(_("该场次预约已截止。"), code="closed")
    if item.audience == MenuItem.Audience.MEMBERS and not booker.is_member:
        raise BookingError(_("该项目仅限工会会员预约。"), code="members_only")
    if seats < 1 or seats > item.max_seats_per_booking:
        raise BookingError(
            _("每次最多可预约 %(limit)s 人。") % {"limit": item.max_seats_per_booking}, code="too_many_seats"
        )


def _already_booked(session: Session, mobile: str) -> bool:
    live = Booking.objects.filter(mobile=mobile, status=Booking.Status.CONFIRMED)
    if session.item.category == Category.COURSE:
        return live.filter(session__item_id=session.item_id, session__is_cancelled=False).exists()
    return live.filter(session=session).exists()


def booking_create(*, session_id: int, seats: int, user=None, visitor_mobile: str | None = None) -> Booking:
    """Takes seats on a session (a training course: on all its lessons) and issues the ticket.
    Raises SessionFull when the seats are not there; the caller then offers the waiting list."""
    booker = booker_for(user=user, visitor_mobile=visitor_mobile)
    session = Session.objects.select_related("item").get(pk=session_id)
    return _booking_create(session, booker, seats)


def _booking_create(session: Session, booker: Booker, seats: int) -> Booking:
    _ensure_bookable(session, booker, seats)
    if _already_booked(session, booker.mobile):
        raise BookingError(_("您已预约过该场次。"), code="duplicate")
    unit = _money(session.member_price if booker.is_member else session.price)
    try:
        with transaction.atomic():
            if not _seats_take(_lessons(session), seats):
                raise SessionFull()
            # The partial unique index on (session, mobile) closes the race of one person booking twice at once.
            booking = Booking.objects.create(
                session=session, user=booker.user, member=booker.member, mobile=booker.mobile, name=booker.name,
                seats=seats, unit_price=unit, total_price=_money(unit * seats), is_member_price=booker.is_member,
                code=_new_code(), short_code=_new_short_code(),
            )
            audit_log(actor=booker.user, action="culture.booking.created", target=booking,
                      data={"seats": seats, "session": session.pk})
            _tell_booker(booking, title=recipient_text(gettext_lazy("预约成功：%(title)s"), title=session.item.title),
                         kind="culture.booking.confirmed")
    except IntegrityError as exc:
        raise BookingError(_("您已预约过该场次。"), code="duplicate") from exc
    return booking


def _tell_booker(booking: Booking, *, title: Promise, kind: str, body: Promise | str = "") -> None:
    """Members and signed-in users get an inbox message (and SMS/email by their choice); visitors an SMS.
    `title` and `body` are lazy texts: the inbox message is written in the user's language; a visitor, who has
    no account and so no language of their own, gets the SMS in the language active here."""
    url = reverse("culture:ticket", args=[booking.code])
    if booking.user_id:
        notification_send(user=booking.user, kind=kind, title=title, body=body, url=url)
    else:
        # A visitor has no inbox: the text carries the ticket's link (the link is the ticket).
        sms_queue(to=booking.mobile, body=f"【工会服务门户】{title} {settings.SITE_URL}{url}")


def booking_cancel(*, booking_id: int, user=None, code: str | None = None, now=None) -> Booking:
    """Cancels a booking before the item's deadline and frees its seats; the waiting list is offered them."""
    now = now or timezone.now()
    with transaction.atomic():
        # Lock the booking: a double click or two devices cancelling must free the seats once.
        booking = Booking.objects.select_for_update().select_related("session__item").get(pk=booking_id)
        owner = (user is not None and booking.user_id == getattr(user, "pk", None)) or (
            code is not None and secrets.compare_digest(code, booking.code)
        )
        if not owner:
            raise BookingError(_("找不到该预约。"), code="not_found")
        if booking.status != Booking.Status.CONFIRMED:
            raise BookingError(_("该预约已取消。"), code="cancelled")
        if booking.checked_in_at:
            raise BookingError(
                _("这张票已于 %(time)s 在%(place)s检票入场，不能取消。") % {
                    "time": datetime_text(booking.checked_in_at),
                    "place": booking.checked_in_place or _("入口")},
                code="used",
            )
        session = booking.session
        deadline = session.cancel_deadline(session.item.cancel_hours_before)
        if now >= deadline:
            raise BookingError(
                _("已超过取消期限（开场前 %(hours)s 小时），不能取消。") % {"hours": session.item.cancel_hours_before},
                code="too_late",
            )
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.save(update_fields=["status", "cancelled_at"])
        _seats_release(_lessons(session), booking.seats)
        audit_log(actor=user, action="culture.booking.cancelled", target=booking)
        # With the cancellation: the freed seats are offered even if the broker is away now (the sweep).
        outbox_add(task="culture.tasks.waitlist_offer", args=[session.pk])
    return booking


def waitlist_join(*, session_id: int, seats: int, user=None, visitor_mobile: str | None = None) -> WaitlistEntry:
    """Queues for a full session; the first in the queue is offered seats that come free."""
    booker = booker_for(user=user, visitor_mobile=visitor_mobile)
    session = Session.objects.select_related("item").get(pk=session_id)
    return _waitlist_join(session, booker, seats)


def _waitlist_join(session: Session, booker: Booker, seats: int, *, checked: bool = False) -> WaitlistEntry:
    if not checked:
        _ensure_bookable(session, booker, seats)
        if _already_booked(session, booker.mobile):
            raise BookingError(_("您已预约过该场次。"), code="duplicate")
    try:
        with transaction.atomic():
            entry = WaitlistEntry.objects.create(
                session=session, user=booker.user, member=booker.member, mobile=booker.mobile, name=booker.name,
                seats=seats,
            )
            audit_log(actor=booker.user, action="culture.waitlist.joined", target=entry, data={"seats": seats})
    except IntegrityError as exc:
        raise BookingError(_("您已在该场次的候补名单中。"), code="duplicate") from exc
    return entry


def booking_or_waitlist(*, session_id: int, seats: int, user=None, visitor_mobile: str | None = None):
    """Books, or joins the waiting list when the session is full. Returns (booking, None) or (None, entry)."""
    booker = booker_for(user=user, visitor_mobile=visitor_mobile)
    session = Session.objects.select_related("item").get(pk=session_id)
    try:
        return _booking_create(session, booker, seats), None
    except SessionFull:
        # The checks passed a moment ago inside _booking_create; only the seats were missing.
        return None, _waitlist_join(session, booker, seats, checked=True)


def _expire_offers(session: Session, now) -> int:
    expired = list(
        WaitlistEntry.objects.select_for_update().filter(
            session=session, status=WaitlistEntry.Status.OFFERED, offer_expires_at__lte=now
        )
    )
    for entry in expired:
        entry.status = WaitlistEntry.Status.EXPIRED
        entry.save(update_fields=["status"])
        _seats_release(_lessons(session), entry.seats)
        audit_log(actor=None, action="culture.waitlist.offer_expired", target=entry)
    return len(expired)


def waitlist_offer(*, session_id: int, now=None) -> list[WaitlistEntry]:
    """Expires stale offers, then offers free seats to the waiting list strictly in order, holding the seats
    for each offer until it expires. Idempotent: run it again and nothing changes unless seats came free."""
    now = now or timezone.now()
    offered = []
    with transaction.atomic():
        # Lock the session: two offer runs (a cancellation and the beat task) must not offer the same seats.
        session = Session.objects.select_for_update().select_related("item").get(pk=session_id)
        _expire_offers(session, now)
        open_for_booking = (
            not session.is_cancelled
            and session.starts_at > now
            and (session.booking_closes_at is None or session.booking_closes_at > now)
        )
        if open_for_booking:
            expires = min(offer_expiry(now), session.booking_closes_at or session.starts_at, session.starts_at)
            for entry in WaitlistEntry.objects.filter(session=session, status=WaitlistEntry.Status.WAITING):
                if not _seats_take(_lessons(session), entry.seats):
                    break  # strictly in order: a later, smaller request does not jump the queue
                entry.status = WaitlistEntry.Status.OFFERED
                entry.offered_at = now
                entry.offer_expires_at = expires
                entry.save(update_fields=["status", "offered_at", "offer_expires_at"])
                audit_log(actor=None, action="culture.waitlist.offered", target=entry)
                _tell_waiting(entry, expires)
                offered.append(entry)
    return offered


def _clock(value: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ImproperlyConfigured(f"CULTURE_OFFER_QUIET_FROM/UNTIL must be HH:MM, not {value!r}") from None


def offer_expiry(now):
    """When an offer made at `now` ends: OFFER_HOURS later, unless that falls in the quiet hours of the night
    (CULTURE_OFFER_QUIET_FROM to CULTURE_OFFER_QUIET_UNTIL, local time); then at the end of those hours.
    An offer made at 22:30 does not run out at 03:07 while its holder sleeps."""
    expires = timezone.localtime(now + timedelta(hours=OFFER_HOURS))
    quiet_from = _clock(getattr(settings, "CULTURE_OFFER_QUIET_FROM", "21:00"))
    quiet_until = _clock(getattr(settings, "CULTURE_OFFER_QUIET_UNTIL", "09:00"))
    clock = expires.time()
    if quiet_from == quiet_until:
        return expires
    if quiet_from < quiet_until:  # a window within one day, e.g. 00:00–07:00
        quiet, morning = quiet_from <= clock < quiet_until, expires.date()
    else:  # across midnight, e.g. 21:00–09:00
        quiet = clock >= quiet_from or clock < quiet_until
        morning = expires.date() + timedelta(days=1) if clock >= quiet_from else expires.date()
    if not quiet:
        return expires
    return timezone.make_aware(datetime.combine(morning, quiet_until))


def _tell_waiting(entry: WaitlistEntry, expires) -> None:
    title = recipient_text(gettext_lazy("候补到位：%(title)s，请在 %(time)s 前确认"),
                           title=entry.session.item.title, time=month_day_time_text(expires))
    if entry.user_id:
        notification_send(user=entry.user, kind="culture.waitlist.offered", title=title,
                          url=reverse("culture:my"))
    else:
        # Written out now, in the language active at this call: the lazy title read at commit time would take
        # whatever language is active then (an override around the call may have ended).
        link = f"{settings.SITE_URL}{reverse('culture:item', args=[entry.session.item_id])}"
        sms_queue(to=entry.mobile, body=f"【工会服务门户】{title} {link}")


def waitlist_accept(*, entry_id: int, user=None, visitor_mobile: str | None = None, now=None) -> Booking:
    """Turns an offer into a booking on the seats held for it."""
    now = now or timezone.now()
    with transaction.atomic():
        # Lock the entry: accepting while the beat task expires the offer must end in one state only.
        entry = WaitlistEntry.objects.select_for_update().select_related("session__item").get(pk=entry_id)
        if not _waitlist_owner(entry, user, visitor_mobile):
            raise BookingError(_("找不到该候补记录。"), code="not_found")
        if entry.status != WaitlistEntry.Status.OFFERED:
            raise BookingError(_("该候补目前没有可确认的名额。"), code="not_offered")
        if entry.offer_expires_at <= now:
            raise BookingError(_("确认期限已过，名额已顺延给下一位。"), code="expired")
        session = entry.session
        unit = _money(session.member_price if entry.member_id else session.price)
        booking = Booking.objects.create(
            session=session, user=entry.user, member=entry.member, mobile=entry.mobile, name=entry.name,
            seats=entry.seats, unit_price=unit, total_price=_money(unit * entry.seats),
            is_member_price=entry.member_id is not None, code=_new_code(),
            short_code=_new_short_code(),
        )
        entry.status = WaitlistEntry.Status.ACCEPTED
        entry.booking = booking
        entry.save(update_fields=["status", "booking"])
        audit_log(actor=entry.user, action="culture.waitlist.accepted", target=booking)
        _tell_booker(booking, title=recipient_text(gettext_lazy("预约成功：%(title)s"), title=session.item.title),
                     kind="culture.booking.confirmed")
    return booking


def _waitlist_owner(entry: WaitlistEntry, user, visitor_mobile) -> bool:
    if user is not None and getattr(user, "is_authenticated", False) and entry.user_id == user.pk:
        return True
    return bool(visitor_mobile) and entry.user_id is None and entry.mobile == visitor_mobile


def waitlist_leave(*, entry_id: int, user=None, visitor_mobile: str | None = None) -> WaitlistEntry:
    """Leaves the queue; an offer declined frees its held seats for the next in line."""
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().select_related("session__item").get(pk=entry_id)
        if not _waitlist_owner(entry, user, visitor_mobile):
            raise BookingError(_("找不到该候补记录。"), code="not_found")
        if entry.status not in (WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED):
            raise BookingError(_("该候补已结束。"), code="closed")
        was_offered = entry.status == WaitlistEntry.Status.OFFERED
        entry.status = WaitlistEntry.Status.CANCELLED
        entry.save(update_fields=["status"])
        audit_log(actor=user, action="culture.waitlist.left", target=entry)
        if was_offered:
            _seats_release(_lessons(entry.session), entry.seats)
            outbox_add(task="culture.tasks.waitlist_offer", args=[entry.session_id])
    return entry


def offers_expire(*, now=None) -> int:
    """Beat: moves every queue whose offer has expired on to the next person. Returns the sessions touched."""
    now = now or timezone.now()
    session_ids = set(
        WaitlistEntry.objects.filter(status=WaitlistEntry.Status.OFFERED, offer_expires_at__lte=now)
        .values_list("session_id", flat=True)
    )
    for session_id in session_ids:
        waitlist_offer(session_id=session_id, now=now)
    return len(session_ids)


def reminders_send(*, now=None) -> int:
    """Beat: reminds everyone booked on a session that starts tomorrow (local date). Idempotent: each
    booking is claimed with a conditional UPDATE on reminder_sent_at before the message goes out."""
    now = now or timezone.now()
    tomorrow = timezone.localtime(now).date() + timedelta(days=1)
    ids = list(
        Booking.objects.filter(
            status=Booking.Status.CONFIRMED, reminder_sent_at__isnull=True,
            session__starts_at__date=tomorrow, session__is_cancelled=False,
        ).values_list("id", flat=True)
    )
    sent = 0
    for booking_id in ids:
        with transaction.atomic():
            # Two beat runs at once: only the one whose UPDATE matches sends the reminder.
            if not Booking.objects.filter(pk=booking_id, reminder_sent_at__isnull=True).update(reminder_sent_at=now):
                continue
            booking = Booking.objects.select_related("session__item", "session__venue", "session__item__venue",
                                                     "user").get(pk=booking_id)
            session = booking.session
            venue = session.venue or session.item.venue
            _tell_booker(
                booking, kind="culture.booking.reminder",
                title=recipient_text(gettext_lazy("明天 %(time)s 在%(venue)s：%(title)s"),
                                     time=f"{timezone.localtime(session.starts_at):%H:%M}", venue=venue.name,
                                     title=session.item.title),
            )
            sent += 1
    return sent


# --- Check-in ----------------------------------------------------------------------------------------------

@dataclass
class CheckInResult:
    booking: Booking
    checked_in_at: object
    message: str


def ticket_check_in(*, session_id: int, code: str, staff, place: str = "", now=None) -> CheckInResult:
    """Admits a ticket once. A forged code, a ticket for another session, a cancelled ticket or a second
    scan raise CheckInError saying why (the second scan: when and where the ticket was used)."""
    now = now or timezone.now()
    code = (code or "").strip()
    session = Session.objects.select_related("item", "venue", "item__venue").get(pk=session_id)
    _ensure_staff(staff, session.item)
    place = place or (session.venue or session.item.venue).name
    short = short_code_normalize(code)
    lookup = {"short_code": short} if short else {"code": code}
    booking = Booking.objects.select_related("session__item").filter(**lookup).first() if code else None
    if booking is None:
        if short or len(code) <= 12:
            raise CheckInError(
                _("票码无效：没有票码为 %(code)s 的票。请核对票面上的 8 位短码（不含 0、O、1、I、L）。")
                % {"code": code[:20]}, code="forged")
        raise CheckInError(_("票码无效：没有这张票。"), code="forged")
    if booking.status != Booking.Status.CONFIRMED:
        raise CheckInError(_("这张票已取消，不能入场。"), code="cancelled")
    is_lesson = session.item.category == Category.COURSE and booking.session.item_id == session.item_id
    if booking.session_id != session.pk and not is_lesson:
        raise CheckInError(_("这张票不是本场次的票（%(session)s）。") % {"session": str(booking.session)},
                           code="other_session")
    if is_lesson:
        return _lesson_check_in(booking, session, staff, place, now)
    with transaction.atomic():
        # Race: two gates scanning the same ticket at once. Only the UPDATE that still sees
        # checked_in_at IS NULL admits it; the other one reports the first use.
        admitted = Booking.objects.filter(pk=booking.pk, checked_in_at__isnull=True).update(
            checked_in_at=now, checked_in_by=staff, checked_in_place=place
        )
        booking.refresh_from_db(fields=["checked_in_at", "checked_in_place"])
        if not admitted:
            raise CheckInError(_used_message(booking.checked_in_at, booking.checked_in_place), code="used")
        audit_log(actor=staff, action="culture.ticket.checked_in", target=booking, data={"session": session.pk})
    return CheckInResult(booking=booking, checked_in_at=now,
                         message=_("验票通过：%(name)s，%(seats)s 人。") % {
                             "name": booking.name or booking.mobile[-4:], "seats": booking.seats})


def _lesson_check_in(booking, session, staff, place, now) -> CheckInResult:
    """A course enrolment: one attendance row per lesson; the unique constraint admits it once."""
    try:
        with transaction.atomic():
            Attendance.objects.create(booking=booking, session=session, checked_in_at=now, checked_in_by=staff,
                                      checked_in_place=place)
            if booking.checked_in_at is None:
                Booking.objects.filter(pk=booking.pk, checked_in_at__isnull=True).update(
                    checked_in_at=now, checked_in_by=staff, checked_in_place=place)
            audit_log(actor=staff, action="culture.ticket.checked_in", target=booking, data={"session": session.pk})
    except IntegrityError:
        used = Attendance.objects.get(booking=booking, session=session)
        raise CheckInError(_used_message(used.checked_in_at, used.checked_in_place), code="used") from None
    return CheckInResult(booking=booking, checked_in_at=now,
                         message=_("签到成功：%(name)s。") % {"name": booking.name or booking.mobile[-4:]})


def _used_message(when, place) -> str:
    return _("这张票已于 %(time)s 在%(place)s使用过。") % {
        "time": datetime_text(when), "place": place or _("入口")}


# --- Ratings -----------------------------------------------------------------------------------------------

def rating_create(*, booking_id: int, user, score: int, comment: str = "") -> Rating:
    """A member who attended (checked in) rates the session once, 1 to 5."""
    booking = Booking.objects.select_related("session").filter(pk=booking_id, user=user).first()
    if booking is None:
        raise CultureError(_("找不到该预约。"), code="not_found")
    if booking.checked_in_at is None:
        raise CultureError(_("只有到场签到后才能评价。"), code="not_attended")
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise CultureError(_("评分须为 1 到 5 分。"), code="score")
    try:
        with transaction.atomic():
            rating = Rating.objects.create(booking=booking, session=booking.session, item_id=booking.session.item_id,
                                           user=user, score=score, comment=(comment or "").strip()[:500])
            audit_log(actor=user, action="culture.rating.created", target=rating, data={"score": score})
    except IntegrityError as exc:
        raise CultureError(_("您已评价过该场次。"), code="duplicate") from exc
    return rating


# --- Visitors' mobile numbers ------------------------------------------------------------------------------

def _code_hash(mobile: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{mobile}:{code}".encode(), hashlib.sha256).hexdigest()


def visitor_code_send(*, mobile: str, client_ip: str = "", now=None) -> VisitorCode:
    """Texts a 6-digit code to a visitor's mobile. At most one code a minute per number, and within the portal's SMS
    ceiling per number, per client and in all (members/notifications/sms_limits.py)."""

    now = now or timezone.now()
    try:
        mobile = normalize_mobile(mobile)
    except Exception as exc:
        raise CultureError(_("请输入 11 位中国大陆手机号码。"), code="mobile") from exc
    recent = now - timedelta(seconds=VISITOR_CODE_RESEND_SECONDS)
    if VisitorCode.objects.filter(mobile=mobile, created_at__gt=recent).exists():
        raise CultureError(_("验证码已发送，请一分钟后再试。"), code="too_soon")
    if not sms_send_allowed(mobile=mobile, client_ip=client_ip):
        raise CultureError(str(SMS_LIMITED_MESSAGE), code="rate_limited")
    code = f"{secrets.randbelow(1_000_000):06d}"
    text = _("【工会服务门户】您的文化宫预约验证码是 %(code)s，%(minutes)s 分钟内有效。") % {
        "code": code, "minutes": VISITOR_CODE_MINUTES}
    with transaction.atomic():
        row = VisitorCode.objects.create(mobile=mobile, code_hash=_code_hash(mobile, code), created_at=now,
                                         expires_at=now + timedelta(minutes=VISITOR_CODE_MINUTES))
        sms_queue(to=mobile, body=text)
    return row


def visitor_code_check(*, mobile: str, code: str, now=None) -> None:
    """Checks the latest code for a mobile; five wrong tries spend it. Raises CultureError when wrong."""
    now = now or timezone.now()
    code = ascii_digits(code).strip()
    # The refusal is raised after the block, not inside it: an exception leaving the block would roll back the
    # wrong try's count with it, and a code could then be guessed without limit.
    with transaction.atomic():
        row = (VisitorCode.objects.select_for_update()
               .filter(mobile=mobile, used_at__isnull=True, expires_at__gt=now).order_by("-created_at").first())
        if row is None or row.attempts >= VISITOR_CODE_MAX_ATTEMPTS:
            outcome = "expired"
        elif not hmac.compare_digest(row.code_hash, _code_hash(mobile, code)):
            VisitorCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
            outcome = "wrong"
        else:
            row.used_at = now
            row.save(update_fields=["used_at"])
            outcome = "ok"
    if outcome == "expired":
        raise CultureError(_("验证码已失效，请重新获取。"), code="expired")
    if outcome == "wrong":
        raise CultureError(_("验证码不正确。"), code="wrong_code")


# --- Contests ----------------------------------------------------------------------------------------------

def _clean_answers(fields: list, answers: dict) -> dict:
    cleaned, errors = {}, {}
    for field in fields or []:
        name, label = field.get("name"), field.get("label", field.get("name"))
        value = answers.get(name, "")
        value = value.strip() if isinstance(value, str) else value
        if value in ("", None):
            if field.get("required"):
                errors[name] = _("请填写“%(label)s”。") % {"label": label}
            continue
        kind = field.get("type", "text")
        if kind == "number":
            try:
                value = int(value)
            except (TypeError, ValueError):
                errors[name] = _("“%(label)s”须为数字。") % {"label": label}
                continue
        elif kind == "choice" and value not in field.get("choices", []):
            errors[name] = _("“%(label)s”的选项无效。") % {"label": label}
            continue
        elif isinstance(value, str):
            value = value[:500]
        cleaned[name] = value
    if errors:
        # Each message is a whole sentence with its own full stop (。 or .): a space between them reads in
        # either language, where "；" would show on English pages.
        raise CultureError(" ".join(errors.values()), code="fields")
    return cleaned


def contest_entry_submit(*, item_id: int, user, answers: dict, team_name: str = "",
                         team_members: list[str] | None = None) -> ContestEntry:
    """Enters a contest, individually or as a team, with the contest's own extra fields."""
    item = MenuItem.objects.filter(pk=item_id, category=Category.CONTEST, status=MenuItem.Status.PUBLISHED).first()
    if item is None:
        raise CultureError(_("该赛事不存在或未开放报名。"), code="not_found")
    member = active_member(user)
    if item.audience == MenuItem.Audience.MEMBERS and member is None:
        raise CultureError(_("该赛事仅限工会会员报名。"), code="members_only")
    team_members = [m.strip() for m in (team_members or []) if m and m.strip()]
    if item.entry_mode == MenuItem.EntryMode.TEAM and (not team_name.strip() or not team_members):
        raise CultureError(_("团体报名须填写队伍名称和队员名单。"), code="team")
    cleaned = _clean_answers(item.entry_fields, answers or {})
    try:
        with transaction.atomic():
            entry = ContestEntry.objects.create(
                item=item, user=user, member=member, team_name=team_name.strip()[:120],
                team_members=team_members[:50], answers=cleaned,
            )
            audit_log(actor=user, action="culture.entry.submitted", target=entry)
    except IntegrityError as exc:
        raise CultureError(_("您已报名该赛事。"), code="duplicate") from exc
    return entry


def contest_entry_review(*, entry_id: int, staff, accept: bool, note: str = "") -> ContestEntry:
    with transaction.atomic():
        entry = ContestEntry.objects.select_for_update().select_related("item", "user").get(pk=entry_id)
        _ensure_staff(staff, entry.item)
        if entry.status != ContestEntry.Status.SUBMITTED:
            raise CultureError(_("该报名已审核。"), code="decided")
        if not accept and not note.strip():
            raise CultureError(_("不通过时请填写原因。"), code="reason")
        entry.status = ContestEntry.Status.ACCEPTED if accept else ContestEntry.Status.REJECTED
        entry.review_note = note.strip()[:500]
        entry.reviewed_by = staff
        entry.reviewed_at = timezone.now()
        entry.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
        audit_log(actor=staff, action=f"culture.entry.{entry.status}", target=entry, data={"note": entry.review_note})
        notification_send(
            user=entry.user, kind="culture.entry.reviewed",
            title=recipient_text(gettext_lazy("赛事报名审核结果：%(title)s — %(status)s"), title=entry.item.title,
                                 status=ContestEntry.Status(entry.status).label),
            body=entry.review_note,
        )
    return entry


# --- Group orders ------------------------------------------------------------------------------------------

def _palace_staff(item: MenuItem):
    return User.objects.filter(staff_roles__branch=item.branch, staff_roles__role=StaffRole.Role.EVENTS_MANAGER,
                               is_active=True).distinct()


def group_order_create(*, branch_id: int, item_id: int, user, wished_from: date, wished_to: date, headcount: int,
                       site_address: str, note: str = "", today: date | None = None) -> GroupOrder:
    """A branch's staff order a menu item for their workers; the palace's events managers are told."""
    if not branches_in_scope(user, roles=STAFF_ROLES).filter(pk=branch_id).exists():
        raise NotInScope()
    item = MenuItem.objects.filter(pk=item_id, status=MenuItem.Status.PUBLISHED).first()
    if item is None:
        raise CultureError(_("该服务项目不存在或未发布。"), code="not_found")
    if not item.is_orderable:
        raise CultureError(
            _("%(title)s是%(category)s，不能点单上门；可以点演出、电影、展览、培训课程和工会服务。") % {
                "title": book_title(item.title), "category": item.get_category_display()},
            code="not_orderable")
    if staff_may_manage(user, item):
        raise CultureError(_("您是该项目主办工会的工作人员，不能向自己点单。"), code="own_item")
    if not headcount or headcount < 1:
        raise CultureError(_("参加人数至少为 1。"), code="headcount")
    if not site_address.strip():
        raise CultureError(_("请填写活动地点。"), code="fields")
    today = today or timezone.localdate()
    if not wished_from or not wished_to:
        raise CultureError(_("请选择期望的最早和最晚日期。"), code="dates")
    if wished_to < wished_from:
        raise CultureError(_("最晚日期不能早于最早日期。"), code="dates")
    if wished_from <= today or wished_to > today + timedelta(days=ORDER_DAYS_AHEAD):
        raise CultureError(_("期望日期须在明天到一年之内。"), code="dates")
    with transaction.atomic():
        order = GroupOrder.objects.create(branch_id=branch_id, item=item, requested_by=user,
                                          wished_from=wished_from, wished_to=wished_to, headcount=headcount,
                                          site_address=site_address.strip()[:255], note=note.strip())
        audit_log(actor=user, action="culture.order.submitted", target=order)
        for staff in _palace_staff(item):
            notification_send(user=staff, kind="culture.order.submitted",
                              title=recipient_text(gettext_lazy("新的团体点单：%(branch)s 点了%(title)s"),
                                                   branch=order.branch.name, title=book_title_lazy(item.title)),
                              url=f"/culture/orders/{order.pk}/")
    return order


def group_order_accept(*, order_id: int, staff, starts_at, ends_at, note: str = "") -> GroupOrder:
    with transaction.atomic():
        order = GroupOrder.objects.select_for_update().select_related("item", "requested_by").get(pk=order_id)
        _ensure_staff(staff, order.item)
        if order.status != GroupOrder.Status.SUBMITTED:
            raise CultureError(_("该点单已处理。"), code="decided")
        if not starts_at or not ends_at or ends_at <= starts_at:
            raise CultureError(_("请填写有效的排期（结束时间晚于开始时间）。"), code="schedule")
        if starts_at <= timezone.now():
            raise CultureError(_("排期须在将来。"), code="schedule")
        order.status = GroupOrder.Status.ACCEPTED
        order.scheduled_starts_at, order.scheduled_ends_at = starts_at, ends_at
        order.decided_by, order.decided_at = staff, timezone.now()
        if note:
            order.note = f"{order.note}\n{note}".strip()
        order.save()
        audit_log(actor=staff, action="culture.order.accepted", target=order)
        notification_send(user=order.requested_by, kind="culture.order.accepted",
                          title=recipient_text(gettext_lazy("团体点单已受理：%(title)s排期 %(time)s"),
                                               title=book_title_lazy(order.item.title),
                                               time=datetime_text(starts_at)),
                          url=f"/culture/orders/{order.pk}/")
    return order


def group_order_decline(*, order_id: int, staff, reason: str) -> GroupOrder:
    with transaction.atomic():
        order = GroupOrder.objects.select_for_update().select_related("item", "requested_by").get(pk=order_id)
        _ensure_staff(staff, order.item)
        if order.status != GroupOrder.Status.SUBMITTED:
            raise CultureError(_("该点单已处理。"), code="decided")
        if not (reason or "").strip():
            raise CultureError(_("婉拒时请填写原因。"), code="reason")
        order.status = GroupOrder.Status.DECLINED
        order.decline_reason = reason.strip()[:500]
        order.decided_by, order.decided_at = staff, timezone.now()
        order.save()
        audit_log(actor=staff, action="culture.order.declined", target=order, data={"reason": order.decline_reason})
        notification_send(user=order.requested_by, kind="culture.order.declined",
                          title=recipient_text(gettext_lazy("团体点单未能受理：%(title)s"),
                                               title=book_title_lazy(order.item.title)),
                          body=order.decline_reason, url=f"/culture/orders/{order.pk}/")
    return order


def group_order_cancel(*, order_id: int, user) -> GroupOrder:
    with transaction.atomic():
        order = GroupOrder.objects.select_for_update().select_related("item").get(pk=order_id)
        side = selectors.group_order_side(user, order)
        if side is None:
            raise NotInScope()
        if side != "orderer":
            raise CultureError(_("只有点单的工会可以撤销点单；文化宫不能受理时请婉拒并写明原因。"), code="forbidden")
        if order.status != GroupOrder.Status.SUBMITTED:
            raise CultureError(_("该点单已处理，不能撤销。"), code="decided")
        order.status = GroupOrder.Status.CANCELLED
        order.save(update_fields=["status"])
        audit_log(actor=user, action="culture.order.cancelled", target=order)
        for staff in _palace_staff(order.item):
            notification_send(user=staff, kind="culture.order.cancelled",
                              title=recipient_text(gettext_lazy("团体点单已撤销：%(branch)s，%(title)s"),
                                                   branch=order.branch.name, title=book_title_lazy(order.item.title)))
    return order
