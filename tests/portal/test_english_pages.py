"""English pages read as English (#16.9): the cultural palace (public, member and staff pages), the station
finder, and the member's mutual-aid pages, rendered with English active, show no Chinese punctuation and no
Chinese date text. The data is made with English titles, and the names of the shared personas' branches (Chinese
in the fixtures) are taken out of the text, so what is checked is what the templates, the catalogue and the
date formats put on the page.

Personas: a visitor (signed out), a member with bookings, a waiting-list entry and an enrolment, the palace's
events manager and the station manager of district A."""

import re
from datetime import time, timedelta
from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from benefits.claims import services as claims
from culture import services as culture_services
from culture.models import Session
from stations.models import HoursException, OpeningHours
from tests.benefits.claims_helpers import stay_facts
from tests.benefits.factories import make_active_enrolment, make_plan
from tests.culture.factories import MenuItemFactory, SessionFactory, VenueFactory
from tests.stations.factories import StationFactory

pytestmark = pytest.mark.django_db

# Full-width and CJK punctuation (，。：；（）！？、《》【】 and the ideographic space), and the shapes of Chinese
# dates and weekdays. Curly quotes “” are English typography too, so they are allowed.
CJK_PUNCTUATION = re.compile(r"[\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]")
CHINESE_DATE = re.compile(r"\d\s*[年月日时]|[年月]\s*\d|周[一二三四五六日]|星期|次日|今天|明天|上午|下午")


def visible_text(html: str, data: list[str]) -> str:
    html = re.sub(r"(?is)<(script|style|template)\b.*?</\1>", " ", html)
    html = re.sub(r"(?is)<!--.*?-->", " ", html)
    text = unescape(re.sub(r"(?s)<[^>]+>", " ", html))
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    return re.sub(r"\s+", " ", text)


def chinese_marks(text: str) -> list[str]:
    return [text[max(0, m.start() - 40):m.end() + 40] for m in CJK_PUNCTUATION.finditer(text)] + [
        text[max(0, m.start() - 40):m.end() + 40] for m in CHINESE_DATE.finditer(text)]


@pytest.fixture
def world(org_tree, staff_of, member_factory, user_factory):
    today = timezone.localdate()
    at = timezone.localtime().replace(hour=19, minute=30, second=0, microsecond=0) + timedelta(days=2)
    venue = VenueFactory(branch=org_tree.district_a, name="Grand Theatre", address="1 Harbour Road")
    show = MenuItemFactory(branch=org_tree.district_a, venue=venue, title="Spring Gala", description="Songs")
    session = SessionFactory(item=show, capacity=10, starts_at=at, ends_at=at + timedelta(hours=2))
    full = SessionFactory(item=show, capacity=1, starts_at=at + timedelta(days=1),
                          ends_at=at + timedelta(days=1, hours=2))
    member = member_factory(branch=org_tree.base_a1, name="Li Ming")
    other = member_factory(branch=org_tree.base_a1, name="Wang Fang")
    booking = culture_services.booking_create(session_id=session.pk, seats=2, user=member.user)
    culture_services.booking_create(session_id=full.pk, seats=1, user=other.user)
    culture_services.waitlist_join(session_id=full.pk, seats=1, user=member.user)
    manager = staff_of(org_tree.district_a, role="events_manager", name="Zhou Jie")
    used = culture_services.booking_create(session_id=session.pk, seats=1, user=other.user)
    culture_services.ticket_check_in(session_id=session.pk, code=used.code, staff=manager, place="North gate")

    station = StationFactory(branch=org_tree.district_a, name="Harbour rest stop", address="2 Harbour Road",
                             district="Harbour District", partner_name="Harbour Bank")
    OpeningHours.objects.bulk_create(
        [OpeningHours(station=station, weekday=d, opens=time(8), closes=time(18)) for d in range(5)]
        + [OpeningHours(station=station, weekday=5, opens=time(22), closes=time(6), closes_next_day=True)]
    )
    HoursException.objects.create(station=station, date=today + timedelta(days=3), is_closed=True, note="Holiday")
    night = StationFactory(branch=org_tree.district_a, name="Night stop", address="3 Harbour Road",
                           district="Harbour District", partner_name="Harbour Post")
    OpeningHours.objects.bulk_create(
        OpeningHours(station=night, weekday=d, opens=time(0), closes=time(0), closes_next_day=True) for d in range(7))
    station_manager = staff_of(org_tree.district_a, role="station_manager", name="Chen Hua")

    plan = make_plan(federation=org_tree.city, name="Medical mutual aid")
    plan.tiers.filter(code="basic").update(name="Basic")
    plan.tiers.filter(code="enhanced").update(name="Enhanced")
    enrolment = make_active_enrolment(plan, member)
    claim = claims.claim_create(actor=member.user, enrolment_id=enrolment.pk, kind="inpatient_self_pay",
                                facts=stay_facts(diagnosis="Appendicitis", hospital="City Hospital",
                                                 bank_name="City Bank", account_holder="Li Ming"))

    data = [b.name for b in (org_tree.city, org_tree.district_a, org_tree.district_b, org_tree.base_a1,
                             org_tree.base_a2, org_tree.base_b1)]
    return locals()


def pages_of(world):
    w = world
    public = [
        reverse("culture:menu"),
        reverse("culture:week"),
        reverse("culture:item", args=[w["show"].pk]),
        reverse("stations:list"),
        reverse("stations:list") + "?q=Harbour",
        reverse("stations:list") + "?lat=24.47&lng=118.12",
        reverse("stations:detail", args=[w["station"].pk]),
        reverse("stations:detail", args=[w["night"].pk]),
        reverse("culture:verify-mobile") + f"?next={reverse('culture:item', args=[w['show'].pk])}",
    ]
    member = [
        reverse("culture:menu"),
        reverse("culture:item", args=[w["show"].pk]),
        reverse("culture:my"),
        reverse("culture:ticket", args=[w["booking"].code]),
        reverse("benefits:plans"),
        reverse("benefits:plan", args=[w["plan"].pk]),
        reverse("benefits:my-cover"),
        reverse("benefits:enrolment", args=[w["enrolment"].pk]),
        reverse("benefits:claims"),
        reverse("benefits:claim", args=[w["claim"].pk]),
    ]
    other = [reverse("culture:ticket", args=[w["used"].code]), reverse("culture:my")]
    staff = [
        reverse("culture:staff"),
        reverse("culture:check-in", args=[w["session"].pk]),
        reverse("culture:attendance", args=[w["session"].pk]),
        reverse("culture:satisfaction"),
        reverse("culture:orders"),
    ]
    return [(None, p) for p in public] + [(w["member"].user, p) for p in member] + [
        (w["manager"], p) for p in staff] + [(w["station_manager"], reverse("stations:staff-visits")),
                                               (w["station_manager"], reverse("stats:dashboard"))] + [
        (w["other"].user, p) for p in other]


def test_palace_finder_and_mutual_aid_pages_in_english_have_no_chinese_punctuation_or_dates(client, world):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = world["data"]
    found = {}
    for user, path in pages_of(world):
        client.logout()
        if user is not None:
            client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        marks = chinese_marks(visible_text(response.content.decode(), data))
        if marks:
            found[f"{user or 'visitor'} {path}"] = marks
    assert not found, "\n".join(f"{page}: {marks}" for page, marks in found.items())


def test_the_same_pages_in_chinese_keep_chinese_dates(client, world):
    """The formats follow the language: the week view in Chinese still reads 12月4日 星期五."""
    page = client.get(reverse("culture:week")).content.decode()
    assert re.search(r"\d+月\d+日", visible_text(page, [])) and "星期" in page
    assert Session.objects.count() == 2


def test_the_calendar_file_in_english_has_no_chinese_punctuation(client, world):
    """The .ics times are machine dates (DTSTART;TZID=Asia/Shanghai:20261206T193000); its description follows
    the language."""
    client.force_login(world["member"].user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    ics = client.get(reverse("culture:ticket-calendar", args=[world["booking"].code])).content.decode()
    assert "Grand Theatre" in ics and world["booking"].short_code[:4] in ics
    assert not chinese_marks(ics)


def test_one_date_format_per_language_on_the_ticket_and_the_cover_pages(client, world):
    """English shows day, month name, year (6 Dec 2026, 19:30) on the ticket and the mutual-aid pages alike; the
    Chinese pages keep 2026-12-06 19:30 and 2026年12月6日."""
    starts = timezone.localtime(world["session"].starts_at)
    cover_start = world["enrolment"].cover_start
    client.force_login(world["member"].user)
    ticket = reverse("culture:ticket", args=[world["booking"].code])
    chinese_ticket = visible_text(client.get(ticket).content.decode(), [])
    chinese_cover = visible_text(client.get(reverse("benefits:my-cover")).content.decode(), [])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english_ticket = visible_text(client.get(ticket).content.decode(), [])
    english_cover = visible_text(client.get(reverse("benefits:my-cover")).content.decode(), [])
    assert f"{starts.day} {starts:%b %Y}, {starts:%H:%M}" in english_ticket
    assert f"{cover_start.day} {cover_start:%b %Y}" in english_cover
    assert f"{starts:%Y-%m-%d %H:%M}" in chinese_ticket
    assert f"{cover_start.year}年{cover_start.month}月{cover_start.day}日" in chinese_cover
