from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import AuditLogEntry
from culture import services
from culture.models import Attendance, Booking, Category, ContestEntry, GroupOrder, Rating, Session, WaitlistEntry
from members.models import Notification, OutboundSms

SOON = timezone.localdate() + timedelta(days=20)

pytestmark = pytest.mark.django_db


def book(palace, user, seats=1, session=None):
    return services.booking_create(session_id=(session or palace.session).pk, seats=seats, user=user)


def refreshed(session) -> Session:
    session.refresh_from_db()
    return session


# --- Booking -----------------------------------------------------------------------------------------------

def test_member_books_at_member_price_and_gets_a_ticket(palace):
    booking = book(palace, palace.member.user, seats=2)
    assert booking.is_member_price and booking.unit_price == Decimal("20.00")
    assert booking.total_price == Decimal("40.00")
    assert len(booking.code) >= 24 and booking.member == palace.member
    assert refreshed(palace.session).seats_taken == 2
    assert Notification.objects.filter(user=palace.member.user, kind="culture.booking.confirmed").exists()
    assert AuditLogEntry.objects.filter(action="culture.booking.created", target_id=str(booking.pk)).exists()


def test_signed_in_non_member_with_verified_mobile_pays_full_price(palace):
    booking = book(palace, palace.non_member)
    assert not booking.is_member_price and booking.total_price == Decimal("50.00")


def test_visitor_with_verified_mobile_pays_full_price(palace, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.booking_create(session_id=palace.session.pk, seats=1, visitor_mobile="13812345678")
    assert booking.user is None and booking.total_price == Decimal("50.00")
    assert f"/culture/tickets/{booking.code}/" in OutboundSms.objects.get(to="13812345678").body


def test_unverified_non_member_cannot_book(palace, user_factory):
    with pytest.raises(services.BookingError) as e:
        book(palace, user_factory(mobile_verified=False))
    assert e.value.code == "unverified" and not Booking.objects.exists()


def test_members_only_item_refuses_a_visitor(palace):
    palace.item.audience = "members"
    palace.item.save()
    with pytest.raises(services.BookingError, match="仅限工会会员"):
        services.booking_create(session_id=palace.session.pk, seats=1, visitor_mobile="13812345678")
    assert book(palace, palace.member.user).pk


@pytest.mark.parametrize("change, code", [
    ({"starts_at_delta": -timedelta(hours=1)}, "past"),
    ({"closes_delta": -timedelta(minutes=1)}, "closed"),
    ({"opens_delta": timedelta(days=1)}, "not_open"),
    ({"is_cancelled": True}, "unavailable"),
])
def test_past_closed_unopened_or_cancelled_sessions_refuse(palace, change, code):
    session = palace.session
    now = timezone.now()
    if "starts_at_delta" in change:
        session.starts_at = now + change["starts_at_delta"]
        session.ends_at = session.starts_at + timedelta(hours=2)
    if "closes_delta" in change:
        session.booking_closes_at = now + change["closes_delta"]
    if "opens_delta" in change:
        session.booking_opens_at = now + change["opens_delta"]
    session.is_cancelled = change.get("is_cancelled", False)
    session.save()
    with pytest.raises(services.BookingError) as e:
        book(palace, palace.member.user)
    assert e.value.code == code and e.value.message
    assert not Booking.objects.exists() and refreshed(session).seats_taken == 0


def test_more_seats_than_allowed_is_refused(palace):
    with pytest.raises(services.BookingError, match="最多可预约 2 人"):
        book(palace, palace.member.user, seats=3)
    assert not Booking.objects.exists() and refreshed(palace.session).seats_taken == 0


def test_second_booking_of_the_same_session_is_refused(palace):
    book(palace, palace.member.user)
    with pytest.raises(services.BookingError) as e:
        book(palace, palace.member.user)
    assert e.value.code == "duplicate"
    assert Booking.objects.count() == 1 and refreshed(palace.session).seats_taken == 1


def test_database_refuses_overbooking_and_a_second_live_booking(palace):
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=palace.session.pk).update(seats_taken=11)
    booking = book(palace, palace.member.user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(session=palace.session, mobile=booking.mobile, seats=1, unit_price=0, total_price=0,
                               code="another-code")


def test_walk_in_item_needs_no_booking(palace):
    palace.item.booking_required = False
    palace.item.save()
    with pytest.raises(services.BookingError, match="无需预约"):
        book(palace, palace.member.user)


# --- Waiting list ------------------------------------------------------------------------------------------

def fill(session, seats=None):
    Session.objects.filter(pk=session.pk).update(seats_taken=seats if seats is not None else session.capacity)


def test_full_session_raises_full_and_offers_the_waiting_list(palace):
    fill(palace.session)
    with pytest.raises(services.SessionFull):
        book(palace, palace.member.user)
    booking, entry = services.booking_or_waitlist(session_id=palace.session.pk, seats=1, user=palace.member.user)
    assert booking is None and entry.status == WaitlistEntry.Status.WAITING
    with pytest.raises(services.BookingError, match="候补名单"):
        services.waitlist_join(session_id=palace.session.pk, seats=1, user=palace.member.user)


def test_cancellation_offers_freed_seats_to_the_queue_in_order(palace, member_factory,
                                                                django_capture_on_commit_callbacks):
    fill(palace.session, 8)
    holder = book(palace, palace.member.user, seats=2)  # now full
    first = services.waitlist_join(session_id=palace.session.pk, seats=2, user=palace.other_member.user)
    second = services.waitlist_join(session_id=palace.session.pk, seats=1,
                                    user=member_factory(branch=palace.tree.base_a1).user)
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking_id=holder.pk, user=palace.member.user)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "offered" and first.offer_expires_at > timezone.now()
    assert second.status == "waiting"
    assert refreshed(palace.session).seats_taken == 10  # the freed seats are held for the offer
    assert Notification.objects.filter(user=first.user, kind="culture.waitlist.offered").exists()

    booking = services.waitlist_accept(entry_id=first.pk, user=first.user)
    assert booking.seats == 2 and booking.is_member_price
    assert refreshed(palace.session).seats_taken == 10
    first.refresh_from_db()
    assert first.status == "accepted" and first.booking == booking


def test_an_expired_offer_moves_on_to_the_next_person(palace, member_factory):
    fill(palace.session, 10)
    first = services.waitlist_join(session_id=palace.session.pk, seats=1, user=palace.other_member.user)
    second = services.waitlist_join(session_id=palace.session.pk, seats=1,
                                    user=member_factory(branch=palace.tree.base_a1).user)
    fill(palace.session, 9)
    services.waitlist_offer(session_id=palace.session.pk)
    first.refresh_from_db()
    assert first.status == "offered"
    later = first.offer_expires_at + timedelta(seconds=1)
    assert services.offers_expire(now=later) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "expired" and second.status == "offered"
    assert refreshed(palace.session).seats_taken == 10
    with pytest.raises(services.BookingError):
        services.waitlist_accept(entry_id=first.pk, user=first.user, now=later)


def test_declining_an_offer_frees_the_held_seats(palace, django_capture_on_commit_callbacks):
    fill(palace.session, 10)
    entry = services.waitlist_join(session_id=palace.session.pk, seats=1, user=palace.other_member.user)
    fill(palace.session, 9)
    services.waitlist_offer(session_id=palace.session.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.waitlist_leave(entry_id=entry.pk, user=palace.other_member.user)
    assert refreshed(palace.session).seats_taken == 9


def test_another_person_cannot_accept_my_offer(palace):
    fill(palace.session, 10)
    entry = services.waitlist_join(session_id=palace.session.pk, seats=1, user=palace.other_member.user)
    fill(palace.session, 9)
    services.waitlist_offer(session_id=palace.session.pk)
    with pytest.raises(services.BookingError):
        services.waitlist_accept(entry_id=entry.pk, user=palace.member.user)
    assert not Booking.objects.exists()


# --- Cancelling --------------------------------------------------------------------------------------------

def test_cancelling_after_the_deadline_is_refused(palace):
    booking = book(palace, palace.member.user)
    late = palace.session.starts_at - timedelta(hours=1)
    with pytest.raises(services.BookingError, match="取消期限"):
        services.booking_cancel(booking_id=booking.pk, user=palace.member.user, now=late)
    booking.refresh_from_db()
    assert booking.status == "confirmed" and refreshed(palace.session).seats_taken == 1


def test_only_the_owner_or_the_code_holder_cancels(palace):
    booking = book(palace, palace.member.user)
    with pytest.raises(services.BookingError):
        services.booking_cancel(booking_id=booking.pk, user=palace.other_member.user)
    with pytest.raises(services.BookingError):
        services.booking_cancel(booking_id=booking.pk, code="forged")
    services.booking_cancel(booking_id=booking.pk, code=booking.code)
    assert refreshed(palace.session).seats_taken == 0
    with pytest.raises(services.BookingError, match="已取消"):
        services.booking_cancel(booking_id=booking.pk, code=booking.code)
    assert refreshed(palace.session).seats_taken == 0


# --- Reminders ---------------------------------------------------------------------------------------------

def test_reminders_go_out_once_the_day_before(palace, make_session):
    tomorrow_noon = timezone.make_aware(
        timezone.datetime.combine(timezone.localdate() + timedelta(days=1), timezone.datetime.min.time())
    ) + timedelta(hours=12)
    later = make_session(starts_at=tomorrow_noon + timedelta(days=5))
    palace.session.starts_at = tomorrow_noon
    palace.session.ends_at = tomorrow_noon + timedelta(hours=2)
    palace.session.save()
    book(palace, palace.member.user)
    book(palace, palace.member.user, session=later)
    assert services.reminders_send() == 1
    assert services.reminders_send() == 0
    assert Notification.objects.filter(kind="culture.booking.reminder").count() == 1


# --- Check-in ----------------------------------------------------------------------------------------------

def test_a_ticket_is_admitted_once_and_a_second_scan_says_when_and_where(palace):
    booking = book(palace, palace.member.user)
    result = services.ticket_check_in(session_id=palace.session.pk, code=booking.code, staff=palace.manager_a)
    assert result.booking == booking
    booking.refresh_from_db()
    assert booking.checked_in_at and booking.checked_in_place == "大剧场"
    with pytest.raises(services.CheckInError) as e:
        services.ticket_check_in(session_id=palace.session.pk, code=booking.code, staff=palace.manager_parent)
    assert e.value.code == "used" and "大剧场" in e.value.message
    assert timezone.localtime(booking.checked_in_at).strftime("%H:%M") in e.value.message
    booking.refresh_from_db()
    assert booking.checked_in_by == palace.manager_a


def test_forged_cancelled_or_other_session_codes_are_refused(palace, make_session):
    with pytest.raises(services.CheckInError, match="票码无效"):
        services.ticket_check_in(session_id=palace.session.pk, code="not-a-real-code", staff=palace.manager_a)
    other = make_session()
    booking = book(palace, palace.member.user, session=other)
    with pytest.raises(services.CheckInError) as e:
        services.ticket_check_in(session_id=palace.session.pk, code=booking.code, staff=palace.manager_a)
    assert e.value.code == "other_session"
    services.booking_cancel(booking_id=booking.pk, user=palace.member.user)
    with pytest.raises(services.CheckInError, match="已取消"):
        services.ticket_check_in(session_id=other.pk, code=booking.code, staff=palace.manager_a)
    assert not Booking.objects.filter(checked_in_at__isnull=False).exists()


def test_staff_of_a_sibling_branch_cannot_check_in(palace):
    booking = book(palace, palace.member.user)
    with pytest.raises(services.NotInScope):
        services.ticket_check_in(session_id=palace.session.pk, code=booking.code, staff=palace.manager_b)
    booking.refresh_from_db()
    assert booking.checked_in_at is None


# --- Courses and sports ------------------------------------------------------------------------------------

def test_a_course_enrolment_takes_a_seat_in_every_lesson_and_attendance_is_per_lesson(palace, make_item,
                                                                                      make_session):
    course = make_item(title="职工书法基础班", category=Category.COURSE, max_seats_per_booking=1)
    start = timezone.now() + timedelta(days=2)
    lessons = [make_session(item=course, capacity=2, starts_at=start + timedelta(days=7 * i)) for i in range(3)]
    booking = services.booking_create(session_id=lessons[0].pk, seats=1, user=palace.member.user)
    assert [refreshed(s).seats_taken for s in lessons] == [1, 1, 1]
    with pytest.raises(services.BookingError, match="已预约"):
        services.booking_create(session_id=lessons[1].pk, seats=1, user=palace.member.user)
    Session.objects.filter(pk=lessons[2].pk).update(seats_taken=2)
    with pytest.raises(services.SessionFull):  # one full lesson makes the whole course full
        services.booking_create(session_id=lessons[0].pk, seats=1, user=palace.other_member.user)
    assert [refreshed(s).seats_taken for s in lessons] == [1, 1, 2]

    services.ticket_check_in(session_id=lessons[1].pk, code=booking.code, staff=palace.manager_a)
    services.ticket_check_in(session_id=lessons[0].pk, code=booking.code, staff=palace.manager_a)
    with pytest.raises(services.CheckInError) as e:
        services.ticket_check_in(session_id=lessons[1].pk, code=booking.code, staff=palace.manager_a)
    assert e.value.code == "used"
    assert Attendance.objects.filter(booking=booking).count() == 2


def test_court_time_slots_are_booked_per_court(palace, make_item, make_session):
    from tests.culture.factories import VenueFactory

    sports = make_item(title="羽毛球场地预约", category=Category.SPORTS, max_seats_per_booking=4)
    court_1 = VenueFactory(branch=palace.tree.district_a, name="1号场", kind="court", capacity=4)
    court_2 = VenueFactory(branch=palace.tree.district_a, name="2号场", kind="court", capacity=4)
    start = timezone.now() + timedelta(days=1)
    slot_1 = make_session(item=sports, venue=court_1, capacity=4, starts_at=start)
    slot_2 = make_session(item=sports, venue=court_2, capacity=4, starts_at=start)
    services.booking_create(session_id=slot_1.pk, seats=4, user=palace.member.user)
    with pytest.raises(services.SessionFull):
        services.booking_create(session_id=slot_1.pk, seats=1, user=palace.other_member.user)
    assert services.booking_create(session_id=slot_2.pk, seats=2, user=palace.other_member.user).pk


# --- Ratings -----------------------------------------------------------------------------------------------

def test_rating_needs_attendance_and_happens_once(palace):
    booking = book(palace, palace.member.user)
    with pytest.raises(services.CultureError, match="签到后"):
        services.rating_create(booking_id=booking.pk, user=palace.member.user, score=5)
    assert not Rating.objects.exists()
    services.ticket_check_in(session_id=palace.session.pk, code=booking.code, staff=palace.manager_a)
    with pytest.raises(services.CultureError, match="1 到 5"):
        services.rating_create(booking_id=booking.pk, user=palace.member.user, score=6)
    with pytest.raises(services.CultureError):
        services.rating_create(booking_id=booking.pk, user=palace.other_member.user, score=4)
    rating = services.rating_create(booking_id=booking.pk, user=palace.member.user, score=4, comment="很精彩")
    assert rating.item == palace.item
    with pytest.raises(services.CultureError, match="已评价"):
        services.rating_create(booking_id=booking.pk, user=palace.member.user, score=5)
    assert Rating.objects.count() == 1


# --- Visitors ----------------------------------------------------------------------------------------------

def test_visitor_code_is_sent_checked_and_spent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.visitor_code_send(mobile="13812345678")
    text = OutboundSms.objects.get(to="13812345678").body
    code = "".join(ch for ch in text.split("验证码是")[1][:8] if ch.isdigit())
    with pytest.raises(services.CultureError, match="一分钟"):
        services.visitor_code_send(mobile="13812345678")
    with pytest.raises(services.CultureError, match="不正确"):
        services.visitor_code_check(mobile="13812345678", code="000000" if code != "000000" else "111111")
    services.visitor_code_check(mobile="13812345678", code=code)
    with pytest.raises(services.CultureError, match="失效"):
        services.visitor_code_check(mobile="13812345678", code=code)


def test_visitor_code_refuses_a_bad_mobile():
    with pytest.raises(services.CultureError, match="11 位"):
        services.visitor_code_send(mobile="12345")


# --- Contests ----------------------------------------------------------------------------------------------

@pytest.fixture
def choir(make_item):
    return make_item(title="职工合唱大赛", category=Category.CONTEST, entry_mode="team", audience="members",
                     entry_fields=[{"name": "song", "label": "参赛曲目", "type": "text", "required": True},
                                   {"name": "size", "label": "合唱人数", "type": "number", "required": True}])


def test_team_entry_with_extra_fields_is_reviewed_by_staff(palace, choir):
    with pytest.raises(services.CultureError, match="参赛曲目"):
        services.contest_entry_submit(item_id=choir.pk, user=palace.member.user, answers={"size": "30"},
                                      team_name="鹭江合唱团", team_members=["张三"])
    with pytest.raises(services.CultureError, match="队伍名称"):
        services.contest_entry_submit(item_id=choir.pk, user=palace.member.user, answers={"song": "黄河", "size": 3})
    with pytest.raises(services.CultureError, match="仅限工会会员"):
        services.contest_entry_submit(item_id=choir.pk, user=palace.non_member, answers={"song": "黄河", "size": 3},
                                      team_name="队", team_members=["甲"])
    assert not ContestEntry.objects.exists()
    entry = services.contest_entry_submit(item_id=choir.pk, user=palace.member.user,
                                          answers={"song": "黄河大合唱", "size": "30"}, team_name="鹭江合唱团",
                                          team_members=["张三", "李四", ""])
    assert entry.answers == {"song": "黄河大合唱", "size": 30} and entry.team_members == ["张三", "李四"]
    with pytest.raises(services.CultureError, match="已报名"):
        services.contest_entry_submit(item_id=choir.pk, user=palace.member.user, answers={"song": "x", "size": 1},
                                      team_name="队", team_members=["甲"])
    with pytest.raises(services.NotInScope):
        services.contest_entry_review(entry_id=entry.pk, staff=palace.manager_b, accept=True)
    with pytest.raises(services.CultureError, match="原因"):
        services.contest_entry_review(entry_id=entry.pk, staff=palace.manager_a, accept=False)
    services.contest_entry_review(entry_id=entry.pk, staff=palace.manager_a, accept=True, note="欢迎参赛")
    entry.refresh_from_db()
    assert entry.status == "accepted"
    assert Notification.objects.filter(user=palace.member.user, kind="culture.entry.reviewed").exists()


# --- Group orders ------------------------------------------------------------------------------------------

def test_group_order_from_a_branch_is_accepted_or_declined_by_the_palace(palace, staff_of):
    base_staff = staff_of(palace.tree.base_b1, role="branch_admin")
    with pytest.raises(services.NotInScope):
        services.group_order_create(branch_id=palace.tree.base_a1.pk, item_id=palace.item.pk, user=base_staff,
                                    wished_from=SOON, wished_to=SOON + timedelta(days=10),
                                    headcount=80, site_address="湖里物流园")
    order = services.group_order_create(branch_id=palace.tree.base_b1.pk, item_id=palace.item.pk, user=base_staff,
                                        wished_from=SOON, wished_to=SOON + timedelta(days=10),
                                    headcount=80, site_address="湖里物流园")
    assert Notification.objects.filter(user=palace.manager_a, kind="culture.order.submitted").exists()
    with pytest.raises(services.NotInScope):
        services.group_order_decline(order_id=order.pk, staff=palace.manager_b, reason="档期已满")
    with pytest.raises(services.CultureError, match="原因"):
        services.group_order_decline(order_id=order.pk, staff=palace.manager_a, reason=" ")
    start = timezone.now() + timedelta(days=10)
    with pytest.raises(services.CultureError, match="排期"):
        services.group_order_accept(order_id=order.pk, staff=palace.manager_a, starts_at=start, ends_at=start)
    services.group_order_accept(order_id=order.pk, staff=palace.manager_a, starts_at=start,
                                ends_at=start + timedelta(hours=2))
    order.refresh_from_db()
    assert order.status == GroupOrder.Status.ACCEPTED and order.scheduled_starts_at == start
    assert Notification.objects.filter(user=base_staff, kind="culture.order.accepted").exists()
    with pytest.raises(services.CultureError, match="已处理"):
        services.group_order_decline(order_id=order.pk, staff=palace.manager_a, reason="x")
    with pytest.raises(services.CultureError, match="不能撤销"):
        services.group_order_cancel(order_id=order.pk, user=base_staff)

    second = services.group_order_create(branch_id=palace.tree.base_b1.pk, item_id=palace.item.pk, user=base_staff,
                                         wished_from=SOON, wished_to=SOON + timedelta(days=10),
                                    headcount=20, site_address="园区食堂")
    services.group_order_decline(order_id=second.pk, staff=palace.manager_parent, reason="该节目暂不巡演")
    second.refresh_from_db()
    assert second.status == "declined" and second.decline_reason == "该节目暂不巡演"
    assert Notification.objects.filter(user=base_staff, kind="culture.order.declined").exists()
