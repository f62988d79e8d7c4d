"""The one list without a point (selectors.station_list): the finder's paged list and the API without lat/lng
answer from the search's engine, in list order (district, then name, then id, by code point), and the database
way it falls back to while the engine warms up gives the same stations, order and rows.

Personas: the public searcher (no account), and a station manager whose rename shows in the next list."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stations import cards, index, selectors, services
from stations.models import Station
from tests.stations.test_search import MOMENTS, NOON, grid_stations  # noqa: F401 — the grid fixture

# Names whose order differs between code points and a locale's collation (case, full-width letters, digits
# read as text), and a district whose name begins with another's.
AWKWARD = [("湖里区", "alpha站"), ("湖里区", "Alpha站"), ("湖里区", "Ｚ站"), ("湖里区", "驿站10"),
           ("湖里区东", "驿站0"), ("湖里区东", "beta站"), ("思明区", "驿站2")]


@pytest.fixture
def awkward_stations(grid_stations):  # noqa: F811 — the fixture imported above
    branch = grid_stations[0].branch
    Station.objects.bulk_create(Station(branch=branch, name=name, district=district, address="环岛路1号",
                                        kind="rest", lat=24.4, lng=118.1) for district, name in AWKWARD)
    cards.cards_forget()
    index.index_forget()
    return grid_stations


def _filters():
    for kind, amenities, district, open_now, q in itertools.product(
        ["", "service"], [[], ["toilet"], ["toilet", "wifi"]], ["", "湖里区", "湖里区东", "无此区"], [False, True],
        ["", "港", "鹭江道 驿站", "ALPHA"],
    ):
        yield {"kind": kind, "amenities": amenities, "district": district, "open_now": open_now, "q": q}


@pytest.mark.django_db(transaction=True)
def test_the_engine_and_its_database_fallback_list_the_same_stations_in_the_same_order(awkward_stations):
    compared = 0
    for filters in _filters():
        engine = selectors.station_list(**filters, now=NOON)
        fallback = selectors.station_list(**filters, now=NOON, use_index=False)
        assert engine.from_engine and not fallback.from_engine
        assert engine.ids == fallback.ids, filters
        assert engine[:7] == fallback[:7], filters  # the rows of a page: fields, ratings, open-now
        assert engine[7:30] == fallback[7:30], filters
        compared += len(engine) > 1
    assert compared >= 40  # of 384 filter sets, those that list two stations or more
    everything = selectors.station_list(now=NOON)
    names = [(row["district"], row["name"]) for row in everything[:len(everything)]]
    assert names == sorted(names)  # code-point order, as Python compares
    hu_li = [name for district, name in names if district == "湖里区"]
    assert hu_li.index("Alpha站") < hu_li.index("alpha站") < hu_li.index("驿站10") < hu_li.index("Ｚ站")
    assert names.index(("湖里区", "Ｚ站")) < names.index(("湖里区东", "beta站"))
    assert all(row["distance_km"] is None for row in everything[:20])
    assert len(everything) == Station.objects.filter(is_active=True).count()


@pytest.mark.django_db(transaction=True)
def test_open_now_in_the_list_follows_the_hours_at_every_moment(awkward_stations):
    sizes = set()
    for moment in MOMENTS:
        for district in ("", "集美区"):
            engine = selectors.station_list(open_now=True, district=district, now=moment)
            fallback = selectors.station_list(open_now=True, district=district, now=moment, use_index=False)
            assert engine.ids == fallback.ids, (moment, district)
            assert all(row["open_now"] for row in engine[:50])
            sizes.add(len(engine))
    assert len(sizes) >= 3  # the moments differ in what is open


@pytest.mark.django_db(transaction=True)
def test_a_rename_and_a_closed_station_show_in_the_next_list(awkward_stations, personas):
    first = selectors.station_list(district="湖里区东")
    assert [row["name"] for row in first[:5]] == ["beta站", "驿站0"]
    Station.objects.filter(district="湖里区东", name="beta站").update(name="驿站9")  # a fix by hand
    renamed = selectors.station_list(district="湖里区东")
    assert renamed.from_engine and [row["name"] for row in renamed[:5]] == ["驿站0", "驿站9"]
    station = Station.objects.get(district="湖里区东", name="驿站0")
    services.station_set_active(actor=personas.manager_a, station_id=station.pk, active=False)
    assert [row["name"] for row in selectors.station_list(district="湖里区东")[:5]] == ["驿站9"]


@pytest.mark.django_db(transaction=True)
def test_the_api_and_the_finder_page_page_through_the_one_list(awkward_stations, client, settings):
    """The public searcher, signed out: the API's pages without a position and the finder's list are the one
    list's, and a page costs the same queries whatever the number of stations."""
    listing = selectors.station_list(q="驿站")
    ids = listing.ids
    assert len(ids) > 40
    first = client.get("/api/v1/stations/", {"q": "驿站", "page_size": 20}).json()
    assert first["count"] == len(ids) and first["next"]
    assert [row["id"] for row in first["results"]] == ids[:20]
    second = client.get(first["next"]).json()
    assert [row["id"] for row in second["results"]] == ids[20:40]
    assert first["results"] == listing[:20]  # the rows as the one list writes them

    page = client.get("/stations/", {"q": "驿站", "page": 2})
    assert page.status_code == 200
    shown = [station.pk for station in page.context["stations"]]
    assert shown == ids[20:40] or shown == ids[len(shown):2 * len(shown)]

    def queries_for_a_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/stations/", {"page": 2}).status_code == 200
        return len(captured)

    # Counted between two polls of the change log: what a poll reads again depends on other transactions of the
    # server (the watermark is a snapshot's xmin on PostgreSQL), not on the page.
    settings.STATIONS_SEARCH_REFRESH_SECONDS = 3600
    before = queries_for_a_page()
    branch = awkward_stations[0].branch
    Station.objects.bulk_create(Station(branch=branch, name=f"新站{n}", district="思明区", address="新路",
                                        kind="rest", lat=24.4, lng=118.1) for n in range(60))
    settings.STATIONS_SEARCH_REFRESH_SECONDS = 0
    assert len(selectors.station_list(q="新站")) == 60  # the poll that reads the new cards
    settings.STATIONS_SEARCH_REFRESH_SECONDS = 3600
    assert queries_for_a_page() == before


@pytest.mark.django_db(transaction=True)
def test_hostile_filters_list_nothing_or_everything_not_an_error(awkward_stations, client):
    assert selectors.station_list(district="无此区").ids == []
    assert selectors.station_list(amenities=["no-such-amenity"]).ids == selectors.station_list().ids
    assert selectors.station_list(kind="no-such-kind").ids == []
    answer = client.get("/api/v1/stations/", {"page": 99999})
    assert answer.status_code == 404
    assert client.get("/stations/", {"page": "99999"}).status_code == 200  # the finder shows its last page


@pytest.mark.django_db(transaction=True)
def test_the_order_holds_on_a_server_whose_collation_sorts_otherwise(awkward_stations):
    """A PostgreSQL server set up with a Chinese locale orders text its own way (ICU's zh: pinyin, case folded);
    the list keeps code-point order on it, the engine's and the database way's alike."""
    if connection.vendor != "postgresql":
        pytest.skip("collations of a PostgreSQL server")
    # The name only: the nearest index's trigger depends on the district column, which ALTER TYPE refuses.
    columns = [(field.column, field.max_length) for field in (Station._meta.get_field("name"),)]

    def collate(collation: str) -> None:
        with connection.cursor() as cursor:
            for column, length in columns:
                cursor.execute(f'ALTER TABLE stations_station ALTER COLUMN "{column}" TYPE varchar({length}) '
                               f'COLLATE "{collation}"')

    collate("zh-x-icu")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM stations_station WHERE district = '湖里区' AND name IN "
                           "('alpha站', 'Alpha站', 'Ｚ站') ORDER BY name")
            assert [row[0] for row in cursor.fetchall()] != ["Alpha站", "alpha站", "Ｚ站"]  # the server's own
        for filters in ({}, {"district": "湖里区"}, {"q": "站"}):
            engine = selectors.station_list(**filters, now=NOON)
            fallback = selectors.station_list(**filters, now=NOON, use_index=False)
            assert engine.ids == fallback.ids, filters
    finally:
        collate("default")
