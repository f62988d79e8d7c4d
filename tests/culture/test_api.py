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
    with django_assert_max_num_queries(2):  # cached: the savepoint pair only
        assert client.get(reverse("api:culture-events")).json()["results"][0]["seats_left"] == 10
    detail = client.get(reverse("api:culture-event", args=[palace.item.pk])).json()
    assert detail["sessions"][0]["seats_left"] == 10 and detail["sessions"][0]["member_price"] == "20.00"


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
