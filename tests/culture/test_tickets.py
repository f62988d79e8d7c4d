"""Tickets people can trust (#16.6). Personas: the ticket holder (a member), another visitor (no ticket),
palace staff of the item's branch (district A), staff of another branch (district B)."""

import re
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from culture import services
from culture.models import SHORT_CODE_ALPHABET, Booking, Session

pytestmark = pytest.mark.django_db


def book(palace, user, seats=1, session=None):
    return services.booking_create(session_id=(session or palace.session).pk, seats=seats, user=user)


# --- Cancel confirms first; a used ticket shows when and where ------------------------------------------------

def test_the_ticket_holder_is_asked_to_confirm_how_many_seats_they_cancel(client, palace):
    booking = book(palace, palace.member.user, seats=2)
    page = client.get(reverse("culture:ticket", args=[booking.code])).content.decode()
    assert "取消 2 个座位的预约？" in page and 'name="confirm"' in page
    # Without the tick (no JavaScript, no HTML5 validation): nothing is cancelled, and the page says why.
    response = client.post(reverse("culture:ticket-cancel", args=[booking.code]), follow=True)
    assert "请勾选确认" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    response = client.post(reverse("culture:ticket-cancel", args=[booking.code]), {"confirm": "1"}, follow=True)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED and "预约已取消" in response.content.decode()


def test_a_checked_in_ticket_shows_when_and_where_without_qr_or_cancel(client, palace):
    booking = book(palace, palace.member.user, seats=2)
    services.ticket_check_in(session_id=palace.session.pk, code=booking.code, staff=palace.manager_a)
    page = client.get(reverse("culture:ticket", args=[booking.code])).content.decode()
    assert "已检票" in page and "大剧场" in page
    assert "ticket-qr" not in page and "ticket-cancel" not in page and "取消 2 个座位" not in page


def test_the_service_refuses_to_cancel_a_checked_in_ticket_and_says_when(palace):
    booking = book(palace, palace.member.user)
    services.ticket_check_in(session_id=palace.session.pk, code=booking.code, staff=palace.manager_a)
    with pytest.raises(services.BookingError) as e:
        services.booking_cancel(booking_id=booking.pk, user=palace.member.user)
    assert e.value.code == "used" and "检票入场" in e.value.message and "大剧场" in e.value.message
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_staff_see_the_seat_count_of_the_ticket_they_admit(client, palace):
    booking = book(palace, palace.member.user, seats=2)
    client.force_login(palace.manager_a)
    page = client.post(reverse("culture:check-in", args=[palace.session.pk]), {"code": booking.code}).content.decode()
    assert 'class="check-seats">2 人入场' in page


def test_the_ticket_says_how_and_where_to_pay(client, palace, make_session):
    booking = book(palace, palace.member.user, seats=2)
    page = client.get(reverse("culture:ticket", args=[booking.code])).content.decode()
    assert booking.total_price == Decimal("40.00")
    assert "到场支付" in page and "¥40.00" in page and palace.venue.address in page
    free = make_session(price=0, member_price=0)
    free_booking = book(palace, palace.member.user, session=free)
    page = client.get(reverse("culture:ticket", args=[free_booking.code])).content.decode()
    assert "免费，无需支付" in page and "到场支付" not in page


# --- A short typable code ------------------------------------------------------------------------------------

def test_each_ticket_gets_a_short_code_without_look_alikes_shown_in_two_groups(client, palace):
    booking = book(palace, palace.member.user, seats=2)
    assert len(booking.short_code) == 8 and set(booking.short_code) <= set(SHORT_CODE_ALPHABET)
    assert not set(booking.short_code) & set("01OIL")
    page = client.get(reverse("culture:ticket", args=[booking.code])).content.decode()
    assert f"{booking.short_code[:4]} {booking.short_code[4:]}" in page


def test_short_codes_are_unique_in_the_database(palace):
    first = book(palace, palace.member.user)
    second = book(palace, palace.other_member.user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=second.pk).update(short_code=first.short_code)


@pytest.mark.parametrize("typed", [
    lambda c: c.lower(), lambda c: f"{c[:4]} {c[4:]}", lambda c: f"{c[:4]}-{c[4:]}".lower(), lambda c: f" {c} ",
])
def test_staff_of_the_branch_admit_a_short_code_however_it_is_typed(client, palace, typed):
    booking = book(palace, palace.member.user, seats=2)
    client.force_login(palace.manager_a)
    page = client.post(reverse("culture:check-in", args=[palace.session.pk]),
                       {"code": typed(booking.short_code)}).content.decode()
    assert "验票通过" in page
    booking.refresh_from_db()
    assert booking.checked_in_at is not None


def test_the_long_qr_code_still_admits(palace):
    booking = book(palace, palace.member.user)
    services.ticket_check_in(session_id=palace.session.pk, code=booking.code, staff=palace.manager_a)
    booking.refresh_from_db()
    assert booking.checked_in_at is not None


def test_a_short_code_typed_wrong_says_so_and_admits_nobody(client, palace):
    booking = book(palace, palace.member.user)
    wrong = ("2" if booking.short_code[0] != "2" else "3") + booking.short_code[1:]
    client.force_login(palace.manager_a)
    url = reverse("culture:check-in", args=[palace.session.pk])
    for typed in (wrong, "K7QX 3M9"):  # one character wrong; one character missing
        response = client.post(url, {"code": typed})
        assert response.status_code == 400 and "票码无效" in response.content.decode()
        assert "8 位短码" in response.content.decode()
    assert not Booking.objects.filter(checked_in_at__isnull=False).exists()


def test_staff_of_another_branch_cannot_admit_a_short_code(client, palace):
    booking = book(palace, palace.member.user)
    client.force_login(palace.manager_b)
    response = client.post(reverse("culture:check-in", args=[palace.session.pk]), {"code": booking.short_code})
    assert response.status_code == 404
    with pytest.raises(services.NotInScope):
        services.ticket_check_in(session_id=palace.session.pk, code=booking.short_code, staff=palace.manager_b)
    booking.refresh_from_db()
    assert booking.checked_in_at is None


# --- Offers made late in the evening last until the morning ------------------------------------------------------

def at(day, clock: str):
    """An aware datetime on `day` (a local date) at a local clock time."""
    return timezone.make_aware(datetime.combine(day, time.fromisoformat(clock)))


@pytest.mark.parametrize("made, hours, expected", [
    ("22:30", 4.6, "09:00"),   # would expire at 03:06: lasts until the morning instead
    ("15:00", 12, "09:00"),    # would expire at 03:00
    ("10:00", 11.5, "09:00"),  # would expire at 21:30, in the evening
    ("22:30", 12, "10:30"),    # expires in the daytime: unchanged
    ("08:00", 12, "20:00"),
])
def test_an_offer_does_not_expire_in_the_night(palace, monkeypatch, made, hours, expected):
    monkeypatch.setattr(services, "OFFER_HOURS", hours)
    day = timezone.localdate() + timedelta(days=1)
    expires = timezone.localtime(services.offer_expiry(at(day, made)))
    assert f"{expires:%H:%M}" == expected and expires > at(day, made)


@override_settings(CULTURE_OFFER_QUIET_FROM="23:00", CULTURE_OFFER_QUIET_UNTIL="07:30")
def test_the_quiet_hours_are_a_setting(palace, monkeypatch):
    monkeypatch.setattr(services, "OFFER_HOURS", 4)
    day = timezone.localdate() + timedelta(days=1)
    assert f"{timezone.localtime(services.offer_expiry(at(day, '22:30'))):%H:%M}" == "07:30"
    assert f"{timezone.localtime(services.offer_expiry(at(day, '18:30'))):%H:%M}" == "22:30"


def test_the_waiting_member_gets_an_offer_made_late_that_lasts_until_morning_but_not_past_the_start(
        palace, monkeypatch, make_session):
    monkeypatch.setattr(services, "OFFER_HOURS", 4)
    start = timezone.localtime(palace.session.starts_at)
    evening = at(start.date() - timedelta(days=2), "22:30")
    Session.objects.filter(pk=palace.session.pk).update(seats_taken=10)
    entry = services.waitlist_join(session_id=palace.session.pk, seats=1, user=palace.other_member.user)
    Session.objects.filter(pk=palace.session.pk).update(seats_taken=9)
    services.waitlist_offer(session_id=palace.session.pk, now=evening)
    entry.refresh_from_db()
    assert entry.status == "offered"
    assert timezone.localtime(entry.offer_expires_at) == at(start.date() - timedelta(days=1), "09:00")
    # A session starting at 08:00 the next morning: the offer cannot outlast the start.
    early = make_session(starts_at=at(start.date(), "08:00"), capacity=1)
    Session.objects.filter(pk=early.pk).update(seats_taken=1)
    other = services.waitlist_join(session_id=early.pk, seats=1, user=palace.member.user)
    Session.objects.filter(pk=early.pk).update(seats_taken=0)
    services.waitlist_offer(session_id=early.pk, now=at(start.date() - timedelta(days=1), "22:30"))
    other.refresh_from_db()
    assert other.offer_expires_at == early.starts_at


# --- Queue position ----------------------------------------------------------------------------------------------

def test_waiting_people_see_their_place_in_the_queue(client, palace, member_factory):
    Session.objects.filter(pk=palace.session.pk).update(seats_taken=10)
    first = member_factory(branch=palace.tree.base_a1).user
    services.waitlist_join(session_id=palace.session.pk, seats=1, user=first)
    services.waitlist_join(session_id=palace.session.pk, seats=2, user=palace.other_member.user)
    # A visitor (verified mobile, no account) queues third.
    session = client.session
    session["culture_verified_mobile"] = {"mobile": "13812345678", "at": __import__("time").time()}
    session.save()
    client.post(reverse("culture:book", args=[palace.session.pk]), {"seats": 1, "waitlist": "1"})
    page = client.get(reverse("culture:item", args=[palace.item.pk])).content.decode()
    assert "候补第 3 位" in page

    client.force_login(palace.other_member.user)
    assert "候补第 2 位" in client.get(reverse("culture:my")).content.decode()
    assert "候补第 2 位" in client.get(reverse("culture:item", args=[palace.item.pk])).content.decode()
    # The first in line leaves: everyone behind moves up.
    services.waitlist_leave(entry_id=palace.session.waitlist.get(user=first).pk, user=first)
    assert "候补第 1 位" in client.get(reverse("culture:my")).content.decode()


def test_someone_not_in_the_queue_sees_no_position(client, palace, member_factory):
    Session.objects.filter(pk=palace.session.pk).update(seats_taken=10)
    services.waitlist_join(session_id=palace.session.pk, seats=1, user=palace.other_member.user)
    client.force_login(palace.member.user)
    assert "候补第" not in client.get(reverse("culture:item", args=[palace.item.pk])).content.decode()
    assert "候补第" not in client.get(reverse("culture:my")).content.decode()


# --- Add to calendar (.ics) --------------------------------------------------------------------------------------

def parse_ics(text: str) -> dict[str, tuple[str, str]]:
    """The VEVENT's properties as {name: (parameters, value)}, after unfolding (RFC 5545 3.1)."""
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    raw = text.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in raw)
    lines = []
    for line in raw:
        if line.startswith(" "):
            lines[-1] += line[1:]
        elif line:
            lines.append(line)
    event = lines[lines.index("BEGIN:VEVENT") + 1:lines.index("END:VEVENT")]
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR" and "VERSION:2.0" in lines
    assert "TZID:Asia/Shanghai" in lines and "TZOFFSETTO:+0800" in lines
    props = {}
    for line in event:
        head, value = line.split(":", 1)
        name, _, params = head.partition(";")
        props[name] = (params, value)
    return props


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def test_the_ticket_holder_adds_the_session_to_their_calendar(client, palace, make_item, make_session):
    item = make_item(title="话剧《雷雨》; 第二幕, 加演\\特别场" + "——" * 20)
    starts = at(timezone.localdate() + timedelta(days=4), "19:30")
    session = make_session(item=item, starts_at=starts, ends_at=starts + timedelta(hours=2, minutes=15))
    booking = book(palace, palace.member.user, seats=2, session=session)
    page = client.get(reverse("culture:ticket", args=[booking.code])).content.decode()
    url = reverse("culture:ticket-calendar", args=[booking.code])
    assert url in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    props = parse_ics(response.content.decode())
    assert props["DTSTART"] == ("TZID=Asia/Shanghai", f"{starts:%Y%m%d}T193000")
    assert props["DTEND"] == ("TZID=Asia/Shanghai", f"{starts:%Y%m%d}T214500")
    assert props["UID"][1] == f"culture-booking-{booking.pk}@" + props["UID"][1].split("@")[1]
    assert props["DTSTAMP"][1].endswith("Z")
    assert unescape(props["SUMMARY"][1]) == item.title
    assert "\\;" in props["SUMMARY"][1] and "\\," in props["SUMMARY"][1] and "\\\\" in props["SUMMARY"][1]
    assert unescape(props["LOCATION"][1]) == f"{palace.venue.name}, {palace.venue.address}"
    description = unescape(props["DESCRIPTION"][1])
    assert "2 个座位" in description and booking.short_code_display in description and booking.code in description
    assert props["STATUS"][1] == "CONFIRMED"


def test_another_visitor_with_a_wrong_code_gets_no_calendar(client, palace):
    book(palace, palace.member.user)
    assert client.get(reverse("culture:ticket-calendar", args=["not-a-ticket"])).status_code == 404


# --- A scanner without BarcodeDetector ---------------------------------------------------------------------------

def test_the_check_in_page_serves_its_own_qr_decoder(client, palace):
    from django.contrib.staticfiles import finders

    client.force_login(palace.manager_a)
    page = client.get(reverse("culture:check-in", args=[palace.session.pk])).content.decode()
    assert "vendor/jsqr/jsQR.js" in page and "https://" not in page.split("<main", 1)[-1].split("</main>")[0]
    decoder = finders.find("vendor/jsqr/jsQR.js")
    assert decoder and finders.find("vendor/jsqr/LICENSE")
    assert "jsQR" in Path(decoder).read_text(encoding="utf-8")[:2000]
    assert "window.jsQR" in Path(finders.find("culture/check_in.js")).read_text(encoding="utf-8")
    assert "8 位短票码" in page
