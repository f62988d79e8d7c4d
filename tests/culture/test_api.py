from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from culture import services
from culture.models import Booking, Session, WaitlistEntry

pytestmark = pytest.mark.django_db


def test_public_event_list_and_detail_without_an_account(client, palace, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):  # count, page of ids, page of items; plus the savepoint pair
        response = client.get(reverse("api:culture-events"))
    assert response.status_code == 200
    row = response.json()["results"][0]
    assert row["title"] == "新春职工文艺汇演" and row["seats_left"] == 10 and row["min_price"] == "50.00"
    assert row["next_session"]["id"] == palace.session.pk and row["bookable_sessions"] == 1
    with django_assert_max_num_queries(2):  # cached: the savepoint pair only
        assert client.get(reverse("api:culture-events")).json()["results"][0]["seats_left"] == 10
    detail = client.get(reverse("api:culture-event", args=[palace.item.pk])).json()
    assert detail["sessions"][0]["seats_left"] == 10 and detail["sessions"][0]["member_price"] == "20.00"
    assert detail["next_session"]["seats_left"] == 10 and detail["bookable_sessions"] == 1


def test_event_list_filters_like_the_page(client, palace, make_item):
    make_item(title="摄影展", category="exhibition")
    url = reverse("api:culture-events")
    assert [r["title"] for r in client.get(url, {"category": "exhibition"}).json()["results"]] == ["摄影展"]
    assert [r["title"] for r in client.get(url, {"q": "春节"}).json()["results"]] == ["新春职工文艺汇演"]
    bad = client.get(url, {"date_from": "not-a-date"})
    assert bad.status_code == 400 and "date_from" in bad.json()["error"]["fields"]


@pytest.mark.parametrize("value", ["999", "99999999999999999999", "-1", "abc", "a\x00b", "1.5"])
def test_a_bad_filter_answers_400_naming_each_bad_parameter(client, palace, value):
    """The API's convention (docs/api.md): a value that is not allowed answers 400 with the parameter in
    `fields`, so a client never reads an unfiltered list as if it were filtered."""
    response = client.get(reverse("api:culture-events"), {"venue": value, "category": "film", "price": value})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and set(error["fields"]) == {"venue", "price"}


def test_a_yes_no_filter_takes_yes_or_no_only(client, palace):
    url = reverse("api:culture-events")
    assert client.get(url, {"seats_left": "true"}).status_code == 200
    assert client.get(url, {"seats_left": "0"}).status_code == 200
    wrong = client.get(url, {"seats_left": "perhaps"})
    assert wrong.status_code == 400 and list(wrong.json()["error"]["fields"]) == ["seats_left"]


@pytest.mark.parametrize("page", ["99999999999999999999", "-1", "abc", "0"])
def test_a_page_out_of_reach_answers_404_in_the_envelope(client, palace, page):
    response = client.get(reverse("api:culture-events"), {"page": page})
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_member_books_cancels_and_lists_tickets(client, palace):
    client.force_login(palace.member.user)
    response = client.post(reverse("api:culture-bookings"), {"session": palace.session.pk, "seats": 2},
                           content_type="application/json")
    assert response.status_code == 201 and response.json()["total_price"] == "40.00"
    booking_id = response.json()["id"]
    tickets = client.get(reverse("api:culture-tickets")).json()["results"]
    assert tickets[0]["code"] == Booking.objects.get().code
    again = client.post(reverse("api:culture-bookings"), {"session": palace.session.pk, "seats": 1},
                        content_type="application/json")
    assert again.status_code == 400 and again.json()["error"]["code"] == "duplicate"
    assert client.post(reverse("api:culture-booking-cancel", args=[booking_id])).json()["status"] == "cancelled"


def test_another_member_cannot_cancel_my_booking(client, palace):
    booking = services.booking_create(session_id=palace.session.pk, seats=1, user=palace.member.user)
    client.force_login(palace.other_member.user)
    assert client.post(reverse("api:culture-booking-cancel", args=[booking.pk])).status_code == 404
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_the_owner_reads_the_short_code_and_another_member_never_does(client, palace):
    """The typable gate code (#16.6) is in the owner's booking answers and ticket list, in no one else's."""
    client.force_login(palace.member.user)
    created = client.post(reverse("api:culture-bookings"), {"session": palace.session.pk, "seats": 1},
                          content_type="application/json").json()
    booking = Booking.objects.get(pk=created["id"])
    assert len(booking.short_code) == 8 and created["short_code"] == booking.short_code
    assert [t["short_code"] for t in client.get(reverse("api:culture-tickets")).json()["results"]] == [
        booking.short_code]
    assert [b["short_code"] for b in client.get(reverse("api:culture-bookings")).json()] == [booking.short_code]

    services.booking_create(session_id=palace.session.pk, seats=1, user=palace.other_member.user)
    client.force_login(palace.other_member.user)
    answers = [client.get(reverse("api:culture-tickets")).content.decode(),
               client.get(reverse("api:culture-bookings")).content.decode(),
               client.post(reverse("api:culture-booking-cancel", args=[booking.pk])).content.decode()]
    assert all(booking.short_code not in answer and booking.code not in answer for answer in answers)
    client.logout()
    assert booking.short_code not in client.get(reverse("api:culture-tickets")).content.decode()


def test_anonymous_cannot_book_through_the_api(client, palace):
    response = client.post(reverse("api:culture-bookings"), {"session": palace.session.pk, "seats": 1},
                           content_type="application/json")
    assert response.status_code == 403 and not Booking.objects.exists()


def test_full_session_joins_the_waiting_list_when_asked(client, palace):
    Session.objects.filter(pk=palace.session.pk).update(seats_taken=10)
    client.force_login(palace.member.user)
    full = client.post(reverse("api:culture-bookings"), {"session": palace.session.pk, "seats": 1},
                       content_type="application/json")
    assert full.status_code == 400 and full.json()["error"]["code"] == "full"
    queued = client.post(reverse("api:culture-bookings"),
                         {"session": palace.session.pk, "seats": 1, "join_waitlist_if_full": True},
                         content_type="application/json")
    assert queued.status_code == 202 and queued.json()["status"] == "waiting"
    assert client.get(reverse("api:culture-waitlist")).json()[0]["id"] == WaitlistEntry.objects.get().pk
    entry = WaitlistEntry.objects.get()
    assert client.post(reverse("api:culture-waitlist-leave", args=[entry.pk])).json()["status"] == "cancelled"


def test_past_session_through_the_api(client, palace):
    palace.session.starts_at = timezone.now() - timedelta(hours=1)
    palace.session.ends_at = timezone.now() + timedelta(hours=1)
    palace.session.save()
    client.force_login(palace.member.user)
    response = client.post(reverse("api:culture-bookings"), {"session": palace.session.pk, "seats": 1},
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "past"


@pytest.mark.parametrize("who, expected", [("manager_a", 200), ("manager_parent", 200), ("manager_b", 404)])
def test_staff_check_in_is_scoped(client, palace, who, expected):
    booking = services.booking_create(session_id=palace.session.pk, seats=1, user=palace.member.user)
    client.force_login(getattr(palace, who))
    response = client.post(reverse("api:culture-check-in"), {"session": palace.session.pk, "code": booking.code},
                           content_type="application/json")
    assert response.status_code == expected
    booking.refresh_from_db()
    assert (booking.checked_in_at is not None) == (expected == 200)


def test_reused_and_forged_codes_through_the_api(client, palace):
    booking = services.booking_create(session_id=palace.session.pk, seats=1, user=palace.member.user)
    client.force_login(palace.manager_a)
    url = reverse("api:culture-check-in")
    assert client.post(url, {"session": palace.session.pk, "code": booking.code},
                       content_type="application/json").status_code == 200
    reused = client.post(url, {"session": palace.session.pk, "code": booking.code}, content_type="application/json")
    assert reused.status_code == 409 and "使用过" in reused.json()["error"]["message"]
    forged = client.post(url, {"session": palace.session.pk, "code": "x" * 24}, content_type="application/json")
    assert forged.status_code == 400 and forged.json()["error"]["code"] == "forged"


def test_member_cannot_check_in(client, palace):
    booking = services.booking_create(session_id=palace.session.pk, seats=1, user=palace.member.user)
    client.force_login(palace.member.user)
    response = client.post(reverse("api:culture-check-in"), {"session": palace.session.pk, "code": booking.code},
                           content_type="application/json")
    assert response.status_code == 404


def test_rating_through_the_api_needs_attendance(client, palace):
    booking = services.booking_create(session_id=palace.session.pk, seats=1, user=palace.member.user)
    client.force_login(palace.member.user)
    url = reverse("api:culture-booking-rate", args=[booking.pk])
    response = client.post(url, {"score": 5}, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "not_attended"
    services.ticket_check_in(session_id=palace.session.pk, code=booking.code, staff=palace.manager_a)
    assert client.post(url, {"score": 5}, content_type="application/json").status_code == 201


def test_schema_is_valid(client):
    assert client.get(reverse("api-schema")).status_code == 200
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


# --- Seats per session (#16.3) -----------------------------------------------------------------------------

def _event(client, title):
    from django.core.cache import cache

    cache.clear()
    return next(r for r in client.get(reverse("api:culture-events")).json()["results"] if r["title"] == title)


def test_an_event_reads_the_next_bookable_sessions_seats_and_how_many_can_be_booked(client, palace, make_session):
    """A visitor (signed out) reads per-session figures: the next session with seats, not a sum."""
    palace.session.seats_taken = palace.session.capacity
    palace.session.save()
    later = make_session(capacity=10, seats_taken=4, starts_at=timezone.now() + timedelta(days=5))
    make_session(capacity=10, starts_at=timezone.now() + timedelta(days=6))
    event = _event(client, "新春职工文艺汇演")
    assert event["next_session"]["id"] == later.pk and event["next_session"]["seats_left"] == 6
    assert event["seats_left"] == 6 and event["bookable_sessions"] == 2


def test_a_courses_figure_is_what_one_enrolment_can_take_and_matches_booking(client, palace, make_item,
                                                                           make_session):
    """A member enrols through the API in a 30-place course of 8 lessons: 30 before, 29 after, never 240."""
    course = make_item(title="职工书法基础班", category="course", max_seats_per_booking=1)
    lessons = [make_session(item=course, capacity=30, starts_at=timezone.now() + timedelta(days=2 + 7 * week))
               for week in range(8)]
    event = _event(client, "职工书法基础班")
    assert event["next_session"]["seats_left"] == 30 and event["bookable_sessions"] == 1
    client.force_login(palace.member.user)
    booked = client.post(reverse("api:culture-bookings"), {"session": event["next_session"]["id"], "seats": 1},
                         content_type="application/json")
    assert booked.status_code == 201 and booked.json()["session"] == lessons[0].pk
    assert _event(client, "职工书法基础班")["seats_left"] == 29
    detail = client.get(reverse("api:culture-event", args=[event["id"]])).json()
    assert detail["next_session"]["seats_left"] == 29 and detail["bookable_sessions"] == 1


def test_a_full_or_walk_in_event_has_no_next_session(client, palace, make_item, make_session):
    palace.session.seats_taken = palace.session.capacity
    palace.session.save()
    walk_in = make_item(title="职工书屋", booking_required=False)
    make_session(item=walk_in)
    for title in ("新春职工文艺汇演", "职工书屋"):
        event = _event(client, title)
        assert event["next_session"] is None and event["seats_left"] is None and event["bookable_sessions"] == 0


@pytest.mark.parametrize("count", [3, 30])
def test_event_list_queries_do_not_grow_with_items_and_sessions(client, palace, make_item, make_session, count,
                                                                django_assert_num_queries):
    for i in range(count):
        item = make_item(title=f"项目 {i}", category="course" if i % 2 else "film")
        for day in range(3):
            make_session(item=item, starts_at=timezone.now() + timedelta(days=1 + day))
    with django_assert_num_queries(5):  # count, page of ids, page of items with figures; the savepoint pair
        results = client.get(reverse("api:culture-events")).json()["results"]
    assert len(results) == min(count + 1, 20)
    assert {r["bookable_sessions"] for r in results if r["category"] == "film"} == {3}
    assert {r["bookable_sessions"] for r in results if r["category"] == "course"} == {1}
