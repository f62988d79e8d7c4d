"""No error page from any address of the palace and the finder (#16.2): every GET route of `culture` and
`stations`, pages and API, read from the URL conf — a route added later is walked without touching this file.
Each route is asked with hostile values (far dates, NUL, huge and negative numbers, full-width digits, wrong
types, very long text) in every query parameter the view reads and in every path segment; the answer is below
500, and under /api/ it is JSON with the error envelope. Personas: a visitor (signed out), a member, and for the
routes a member is turned away from, the palace's events manager or the finder's station manager."""

import io
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.handlers.wsgi import WSGIRequest
from django.http import QueryDict
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.regex_helper import normalize
from PIL import Image

from culture.models import Booking, GroupOrder, ItemImage, MenuItem, WaitlistEntry
from stations import services as station_services
from stations.models import StationPhoto
from tests.culture.factories import MenuItemFactory, SessionFactory, VenueFactory
from tests.stations.factories import StationFactory

HOSTILE = [
    "9999-12-31", "0001-01-01", "a\x00b", "99999999999999999999", "-99999999999999999999", "9223372036854775808",
    "-1", "0", "１２", "1.5", "abc", "true", "[]", "1e999", "NaN", "x" * 3000,
]
APPS = {"culture", "stations"}


def _routes(resolver=None, prefix="", namespace=""):
    """(name, path format, path arguments) of every route whose view lives in culture or stations (the admin's
    screens aside: they are Django's, behind the staff sign-in)."""
    for entry in (resolver or get_resolver()).url_patterns:
        regex = prefix + entry.pattern.regex.pattern.removeprefix("^")
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from _routes(entry, regex, inner)
        elif entry.callback.__module__.split(".")[0] in APPS and entry.name and not namespace.startswith("admin"):
            fmt, params = normalize(regex)[0]
            yield f"{namespace}:{entry.name}".lstrip(":"), "/" + fmt, params


ROUTES = {name: (fmt, params) for name, fmt, params in _routes()}


class _ReadingLog(QueryDict):
    """A query string that notes each name a view asks it for: the walk learns the parameters each route reads
    instead of keeping a list of them by hand."""

    asked: set[str] = set()

    def __getitem__(self, key):
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.asked.add(key)
        return super().__contains__(key)

    def get(self, key, default=None):
        self.asked.add(key)
        return super().get(key, default)

    def getlist(self, key, default=None):
        self.asked.add(key)
        return super().getlist(key, default)


@pytest.fixture
def reading_log(monkeypatch):
    def read(request):
        if "_reading_log" not in request.__dict__:
            request.__dict__["_reading_log"] = _ReadingLog(request.environ.get("QUERY_STRING", ""),
                                                           encoding=request._encoding)
        return request.__dict__["_reading_log"]

    def write(request, value):
        request.__dict__["_reading_log"] = value

    monkeypatch.setattr(WSGIRequest, "GET", property(read, write))
    _ReadingLog.asked = set()
    return _ReadingLog


def _png() -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="sample.png")


@pytest.fixture
def samples(palace):
    """A value for each path argument, from the factories: the objects a visitor could reach."""
    session = palace.session
    booking = Booking.objects.create(session=session, user=palace.member.user, member=palace.member,
                                     mobile=palace.member.user.mobile, seats=1, unit_price=20, total_price=20,
                                     code="sampleTicketCode_123")
    entry = WaitlistEntry.objects.create(session=session, user=palace.other_member.user, mobile="13800000099",
                                         seats=1)
    contest = MenuItemFactory(branch=palace.tree.district_a, venue=palace.venue, category="contest",
                              entry_mode=MenuItem.EntryMode.INDIVIDUAL)
    SessionFactory(item=contest)
    image = ItemImage.objects.create(item=palace.item, image=_png())
    order = GroupOrder.objects.create(branch=palace.tree.district_a, item=palace.item, requested_by=palace.manager_a,
                                      wished_from=timezone.localdate() + timedelta(days=30),
                                      wished_to=timezone.localdate() + timedelta(days=40), headcount=30,
                                      site_address="工人路 1 号")
    station = StationFactory(branch=palace.tree.district_a)
    photo = StationPhoto.objects.create(station=station, image=_png())
    VenueFactory(branch=palace.tree.district_a)
    by_route = {("culture:contest-enter", "item_id"): contest.pk, ("culture:contest-entries", "item_id"): contest.pk}
    by_argument = {"item_id": palace.item.pk, "image_id": image.pk, "session_id": session.pk, "code": booking.code,
                   "entry_id": entry.pk, "booking_id": booking.pk, "order_id": order.pk, "photo_id": photo.pk,
                   "token": station_services.station_visit_token(station), "need_id": 1, "rating_id": 1}

    def pk_for(name: str) -> int:
        return (station.pk if "station" in name else booking.pk if "booking" in name
                else entry.pk if "waitlist" in name else palace.item.pk)

    def values(name: str, params: list[str]) -> dict:
        return {param: by_route.get((name, param)) or (pk_for(name) if param == "pk" else by_argument[param])
                for param in params}

    return values


def _answers_well(response, url):
    assert response.status_code < 500, url
    if url.startswith("/api/"):
        assert response["Content-Type"].startswith("application/json"), url
        if response.status_code >= 400:
            assert set(response.json()["error"]) == {"code", "message", "fields"}, url


def _staff_for(name, palace, staff_of):
    if "station" in name:
        return staff_of(palace.tree.district_a, role="station_manager")
    return palace.manager_a


# Each request in its own transaction, as served (ATOMIC_REQUESTS): a refused request rolls back only itself.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_every_route_takes_any_value_in_its_query_and_path_without_an_error_page(
        client, palace, samples, staff_of, reading_log, name):
    fmt, params = ROUTES[name]
    sample = samples(name, params)
    url = fmt % sample
    member = type(client)()
    member.force_login(palace.member.user)
    visitors = [client, member]
    if member.get(url).status_code in (302, 403, 404):  # a staff page: its own staff walk it too
        staff = type(client)()
        staff.force_login(_staff_for(name, palace, staff_of))
        visitors.append(staff)
    walked = False
    for visitor in visitors:
        cache.clear()  # the menu and the events API cache their answers: each persona is answered afresh
        reading_log.asked = set()
        first = visitor.get(url, {"_probe": "1"})
        if first.status_code == 405:  # POST only: no GET to walk
            continue
        walked = True
        _answers_well(first, url)
        for parameter in sorted(reading_log.asked - {"_probe"}):
            for value in HOSTILE:
                _answers_well(visitor.get(url, {parameter: value}), f"{url}?{parameter}={value[:20]!r}")
        for param in params:
            for value in HOSTILE:
                hostile = fmt % {**{k: quote(str(v), safe="") for k, v in sample.items()},
                                 param: quote(value, safe="")}
                _answers_well(visitor.get(hostile), hostile)
    if not walked:
        pytest.skip("no GET on this route")


def test_the_walk_finds_the_routes_and_parameters_it_used_to_be_given():
    """The routes the hand-written list of the first walk named are still found in the URL conf."""
    for name in ["culture:menu", "culture:week", "culture:item", "culture:ticket", "culture:image",
                 "api:culture-events", "api:culture-event", "stations:list", "stations:detail", "stations:poster",
                 "stations:visit", "api:stations-search", "api:stations-detail", "api:stations-ratings",
                 "api:stations-needs"]:
        assert name in ROUTES, name
    assert reverse("culture:menu") == ROUTES["culture:menu"][0]


@pytest.mark.django_db
def test_far_dates_are_refused_with_a_message_not_a_crash(client):
    """The two addresses found answering 500: a far end date on the menu and in the API, a far week."""
    page = client.get("/culture/?date_to=9999-12-31")
    assert page.status_code in (200, 400) and "日期应在" in page.content.decode()
    api = client.get("/api/v1/events/?date_to=9999-12-31")
    assert api.status_code == 400 and "date_to" in api.json()["error"]["fields"]
    assert client.get("/culture/week/?start=0001-01-01").status_code == 200


@pytest.mark.django_db
def test_the_walk_reads_the_menus_parameters_from_the_view(client, reading_log):
    client.get("/culture/", {"_probe": "1"})
    assert {"q", "category", "venue", "date_from", "date_to", "price", "seats_left", "page"} <= reading_log.asked
