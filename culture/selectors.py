"""Reads of the cultural palace that join or aggregate. Each returns one queryset whose query count does not
grow with the rows listed: per-item figures are correlated subqueries, not per-row lookups."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from members.selectors import branches_in_scope

from .models import Attendance, Booking, Category, GroupOrder, ItemImage, MenuItem, Rating, Session, WaitlistEntry

STAFF_ROLES = ["events_manager", "branch_admin"]


@dataclass
class MenuFilters:
    """The public menu's filters, shared by the page and the API."""

    q: str = ""
    category: str = ""
    venue: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    price: str = ""  # "free" | "paid" | ""
    seats_left: bool = False


def _day_start(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time.min))


def upcoming_sessions(now=None) -> QuerySet[Session]:
    now = now or timezone.now()
    return Session.objects.filter(is_cancelled=False, starts_at__gte=now)


def published_items() -> QuerySet[MenuItem]:
    return MenuItem.objects.filter(status=MenuItem.Status.PUBLISHED)


def with_rating(queryset: QuerySet[MenuItem]) -> QuerySet[MenuItem]:
    """The average score and count of ratings per item, as subqueries (no N+1, no row multiplication)."""
    ratings = Rating.objects.filter(item=OuterRef("pk")).order_by().values("item")
    return queryset.annotate(
        rating_avg=Subquery(ratings.annotate(a=Avg("score")).values("a")[:1], output_field=FloatField()),
        rating_count=Coalesce(Subquery(ratings.annotate(c=Count("id")).values("c")[:1],
                                       output_field=IntegerField()), 0),
    )


def _menu_sessions(filters: MenuFilters, now):
    sessions = upcoming_sessions(now).filter(item=OuterRef("pk"))
    if filters.date_from:
        sessions = sessions.filter(starts_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        sessions = sessions.filter(starts_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    if filters.venue:
        sessions = sessions.filter(Q(venue_id=filters.venue) | Q(venue__isnull=True, item__venue_id=filters.venue))
    return sessions


def _open_for_booking(sessions: QuerySet[Session], now) -> QuerySet[Session]:
    """The sessions whose booking window is open now, as services._ensure_bookable has it."""
    return sessions.filter(Q(booking_opens_at__isnull=True) | Q(booking_opens_at__lte=now),
                           Q(booking_closes_at__isnull=True) | Q(booking_closes_at__gt=now))


def _full_lessons():
    """Lessons of the outer course with no seat left: one enrolment takes a seat on every lesson of a course
    (services._lessons, past ones too), so a single full lesson closes the course."""
    return Session.objects.filter(item=OuterRef("pk"), is_cancelled=False, seats_taken__gte=F("capacity"))


SEATS_LEFT = ExpressionWrapper(F("capacity") - F("seats_taken"), output_field=IntegerField())


@dataclass(frozen=True)
class NextSession:
    """The next session of an item a booking can be made on now, and its seats left (a course: the seats
    left on every one of its lessons, which is what one enrolment needs)."""

    id: int
    starts_at: datetime
    seats_left: int


def menu_item_ids(filters: MenuFilters, *, now=None) -> QuerySet:
    """Ids of the published items matching the filters, newest first. Paginate these, then load one page
    with `menu_items_for_ids`: the per-item figures are then worked out for 20 rows, not for every match.
    Search is a case-insensitive substring match (icontains) over title, description and tags: enough for
    Chinese, which has no word boundaries to index; a trigram index is the next step if it gets slow."""
    now = now or timezone.now()
    sessions = _menu_sessions(filters, now)
    items = published_items()
    if filters.category:
        items = items.filter(category=filters.category)
    if filters.q:
        q = filters.q.strip()[:50]
        items = items.filter(Q(title__icontains=q) | Q(description__icontains=q) | Q(tags__icontains=q))
    if filters.date_from or filters.date_to or filters.venue:
        items = items.filter(Exists(sessions))
    if filters.price == "free":
        items = items.filter(Exists(sessions.filter(price=0)))
    elif filters.price == "paid":
        items = items.filter(Exists(sessions.filter(price__gt=0)))
    if filters.seats_left:
        # Bookable now, as the card counts it: an open session with a seat; a course: an open lesson ahead and
        # no full lesson at all.
        open_now = _open_for_booking(sessions, now)
        items = items.filter(booking_required=True).filter(
            (~Q(category=Category.COURSE) & Exists(open_now.filter(seats_taken__lt=F("capacity"))))
            | (Q(category=Category.COURSE) & Exists(open_now) & ~Exists(_full_lessons())))
    return items.order_by("-created_at", "-id").values_list("id", flat=True)


def menu_items_for_ids(ids: list[int], filters: MenuFilters | None = None, *, now=None) -> list[MenuItem]:
    """One query: the items with their next session, lowest price, cover image and rating, in the order of
    `ids`, and the seats as booking sees them (within the date/venue filters): `next_session` (a NextSession or
    None) and `bookable_sessions`, the number of sessions a booking can be made on now. Seats are per session —
    one booking takes seats on one session — never summed over sessions; a course counts as one bookable
    session, with the seats left on its fullest lesson."""
    now = now or timezone.now()
    sessions = _menu_sessions(filters or MenuFilters(), now)
    bookable = _open_for_booking(sessions, now).filter(seats_taken__lt=F("capacity"))
    next_bookable = bookable.order_by("starts_at", "id")
    items = MenuItem.objects.filter(pk__in=ids).select_related("venue").annotate(
        next_starts_at=Subquery(sessions.order_by("starts_at").values("starts_at")[:1]),
        min_price=Subquery(sessions.order_by("price").values("price")[:1], output_field=DecimalField()),
        next_bookable_id=Subquery(next_bookable.values("id")[:1]),
        next_bookable_starts_at=Subquery(next_bookable.values("starts_at")[:1]),
        next_bookable_seats=Subquery(next_bookable.annotate(s=SEATS_LEFT).values("s")[:1],
                                     output_field=IntegerField()),
        bookable_count=Coalesce(Subquery(bookable.order_by().values("item").annotate(c=Count("id")).values("c")[:1],
                                         output_field=IntegerField()), 0),
        course_seats=Subquery(
            Session.objects.filter(item=OuterRef("pk"), is_cancelled=False).order_by().values("item")
            .annotate(m=Min(SEATS_LEFT)).values("m")[:1], output_field=IntegerField()),
        opens_later=Exists(sessions.filter(booking_opens_at__gt=now)),
        any_seats=Exists(sessions.filter(seats_taken__lt=F("capacity"))),
        cover_image_id=Subquery(ItemImage.objects.filter(item=OuterRef("pk")).order_by("position", "id")
                                .values("id")[:1]),
    )
    by_id = {item.pk: item for item in with_rating(items)}
    for item in by_id.values():
        _set_seats(item)
    return [by_id[pk] for pk in ids if pk in by_id]


def _set_seats(item: MenuItem) -> None:
    """next_session, bookable_sessions and, for the card, why nothing can be booked: the sessions' booking
    has not opened yet, it has closed with seats left, or they are full."""
    item.next_session, item.bookable_sessions = None, 0
    course_full = item.is_course and not (item.course_seats or 0) > 0
    if item.booking_required and item.next_bookable_id is not None and not course_full:
        seats = item.course_seats if item.is_course else item.next_bookable_seats
        item.next_session = NextSession(item.next_bookable_id, item.next_bookable_starts_at, seats)
        item.bookable_sessions = 1 if item.is_course else item.bookable_count
    item.booking_state = ("open" if item.next_session else "full" if course_full
                          else "not_open" if item.opens_later else "closed" if item.any_seats else "full")


def course_seats_left(item: MenuItem) -> int | None:
    """The seats one more enrolment in a course can take: the seats left on its fullest lesson, since an
    enrolment takes a seat on every lesson (services._lessons); None when the item is not a course."""
    if not item.is_course:
        return None
    return Session.objects.filter(item=item, is_cancelled=False).aggregate(m=Min(SEATS_LEFT))["m"] or 0


def item_detail(item_id: int) -> MenuItem:
    return with_rating(published_items().select_related("venue", "branch")).get(pk=item_id)


def item_sessions(item: MenuItem, *, now=None) -> QuerySet[Session]:
    return upcoming_sessions(now).filter(item=item).select_related("venue").order_by("starts_at")


def week_sessions(start: date) -> QuerySet[Session]:
    """Sessions of published items over the seven days from `start`, with their items and venues (one query)."""
    return (
        Session.objects.filter(
            is_cancelled=False, item__status=MenuItem.Status.PUBLISHED,
            starts_at__gte=_day_start(start), starts_at__lt=_day_start(start + timedelta(days=7)),
        )
        .select_related("item", "venue", "item__venue")
        .order_by("starts_at")
    )


# --- A person's own things ---------------------------------------------------------------------------------

def bookings_of(user) -> QuerySet[Booking]:
    """The user's bookings, and those made as a nameless visitor with their verified mobile number before the
    portal linked such bookings to the account (or before the account existed)."""
    mine = Q(user=user)
    if getattr(user, "mobile_verified", False):
        mine |= Q(user__isnull=True, mobile=user.mobile)
    return (
        Booking.objects.filter(mine)
        .select_related("session__item", "session__venue", "session__item__venue", "rating")
        .order_by("-session__starts_at")
    )


def with_queue_position(entries: QuerySet[WaitlistEntry]) -> QuerySet[WaitlistEntry]:
    """Annotates `queue_position`: 1 + the entries still waiting ahead of this one in its session's queue
    (the order offers follow: created_at, then id). One subquery, however many entries are listed."""
    ahead = (
        WaitlistEntry.objects.filter(session=OuterRef("session"), status=WaitlistEntry.Status.WAITING)
        .filter(Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), id__lt=OuterRef("id")))
        .order_by().values("session").annotate(n=Count("id")).values("n")
    )
    return entries.annotate(queue_position=Coalesce(Subquery(ahead, output_field=IntegerField()), 0) + 1)


def waitlist_of(user) -> QuerySet[WaitlistEntry]:
    return with_queue_position(WaitlistEntry.objects.filter(user=user, status__in=["waiting", "offered"])
                               .select_related("session__item").order_by("session__starts_at"))


def waitlist_for_item(item: MenuItem, *, user=None, visitor_mobile: str | None = None) -> QuerySet[WaitlistEntry]:
    """The asker's own live places in this item's queues: a signed-in user's, or a verified visitor's."""
    live = WaitlistEntry.objects.filter(session__item=item, status__in=["waiting", "offered"])
    if user is not None and user.is_authenticated:
        live = live.filter(user=user)
    elif visitor_mobile:
        live = live.filter(user__isnull=True, mobile=visitor_mobile)
    else:
        return WaitlistEntry.objects.none()
    return with_queue_position(live.select_related("session"))


# --- Staff -------------------------------------------------------------------------------------------------

def viewer_is_palace_staff(request) -> bool:
    """Whether the signed-in viewer holds a palace role somewhere; worked out once per request."""
    user = request.user
    if not user.is_authenticated:
        return False
    if not hasattr(request, "_palace_staff"):
        request._palace_staff = branches_in_scope(user, roles=STAFF_ROLES).exists()
    return request._palace_staff


def items_in_scope(user) -> QuerySet[MenuItem]:
    return MenuItem.objects.filter(branch__in=branches_in_scope(user, roles=STAFF_ROLES))


def sessions_in_scope(user) -> QuerySet[Session]:
    return Session.objects.filter(item__branch__in=branches_in_scope(user, roles=STAFF_ROLES))


def session_attendance(session: Session) -> dict:
    """Booked and checked-in seats of one session (course lessons count attendance rows)."""
    confirmed = Booking.objects.filter(status=Booking.Status.CONFIRMED)
    if session.item.category == "course":
        first = Session.objects.filter(item_id=session.item_id, is_cancelled=False).order_by("starts_at").first()
        booked = confirmed.filter(session=first).aggregate(b=Coalesce(Sum("seats"), 0), n=Count("id"))
        attended = Attendance.objects.filter(session=session).aggregate(
            a=Coalesce(Sum("booking__seats"), 0), n=Count("id"))
    else:
        booked = confirmed.filter(session=session).aggregate(b=Coalesce(Sum("seats"), 0), n=Count("id"))
        attended = confirmed.filter(session=session, checked_in_at__isnull=False).aggregate(
            a=Coalesce(Sum("seats"), 0), n=Count("id"))
    return {"booked_seats": booked["b"], "bookings": booked["n"], "attended_seats": attended["a"],
            "attended_bookings": attended["n"],
            "waiting": WaitlistEntry.objects.filter(session=session, status="waiting").count()}


def bookings_for_export(user, *, session_id: int | None = None, date_from: date | None = None,
                        date_to: date | None = None) -> QuerySet[Booking]:
    rows = Booking.objects.filter(session__item__branch__in=branches_in_scope(user, roles=STAFF_ROLES))
    if session_id:
        rows = rows.filter(session_id=session_id)
    if date_from:
        rows = rows.filter(session__starts_at__gte=_day_start(date_from))
    if date_to:
        rows = rows.filter(session__starts_at__lt=_day_start(date_to + timedelta(days=1)))
    return rows.select_related("session__item", "session__venue", "session__item__venue").order_by(
        "session__starts_at", "id")


def satisfaction(user, *, by: str = "item") -> list[dict]:
    """Average score and number of ratings per item, venue or category, per month, for the staff's scope."""
    field = {"item": "item__title", "venue": "item__venue__name", "category": "item__category"}[by]
    rows = (
        Rating.objects.filter(item__branch__in=branches_in_scope(user, roles=STAFF_ROLES))
        .annotate(month=TruncMonth("created_at"))
        .values(field, "month")
        .annotate(avg=Avg("score"), n=Count("id"))
        .order_by("month", field)
    )
    return [{"label": r[field], "month": r["month"], "avg": r["avg"], "n": r["n"]} for r in rows]


# --- Group orders ------------------------------------------------------------------------------------------

def group_orders_visible(user) -> QuerySet[GroupOrder]:
    """Orders of the user's branches (their side) and orders for items of the palaces they run."""
    scope = branches_in_scope(user, roles=STAFF_ROLES)
    return GroupOrder.objects.filter(Q(branch__in=scope) | Q(item__branch__in=scope)).select_related(
        "branch", "item", "requested_by")


def group_order_side(user, order: GroupOrder) -> str | None:
    """Which side of an order `user` stands on: "palace" (staff of the organising branch: accept or decline),
    "orderer" (staff of the ordering branch who do not run the item: withdraw), or None. The staff of a city
    federation that runs the palace also have the ordering district in their scope: they act as the palace."""
    scope = branches_in_scope(user, roles=STAFF_ROLES)
    if scope.filter(pk=order.item.branch_id).exists():
        return "palace"
    if scope.filter(pk=order.branch_id).exists():
        return "orderer"
    return None


def orderable_items(user) -> QuerySet[MenuItem]:
    """What `user` may order for a branch: published items of an orderable category (MenuItem.ORDERABLE_CATEGORIES)
    that the user's own branches do not run (nobody orders from themselves)."""
    return (MenuItem.objects.filter(status=MenuItem.Status.PUBLISHED, category__in=MenuItem.ORDERABLE_CATEGORIES)
            .exclude(branch__in=branches_in_scope(user, roles=STAFF_ROLES)).order_by("category", "title"))
