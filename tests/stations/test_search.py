"""The one station search (selectors.station_search): its engine — the in-memory index, and the cards that keep
its rows in memory for the API's plain path — gives the same answers as the database way it falls back to while
the engine warms up, over a grid of queries through every filter.

Persona: the public searcher (no account), who must get the same stations, order, distances, open-now and
ratings whichever way the process happens to answer."""

import itertools
import json
import random
from datetime import datetime, time, timedelta

import pytest
from rest_framework.renderers import JSONRenderer

from stations import cards, index, selectors
from stations.models import AMENITY_CODES, OpeningHours, Rating, Station, Visit

_TODAY = datetime.now(tz=selectors.LOCAL_TZ).date()
NOON = datetime.combine(_TODAY + timedelta(days=(2 - _TODAY.weekday()) % 7), time(12), tzinfo=selectors.LOCAL_TZ)
DISTRICTS = ["思明区", "湖里区", "集美区"]
POINTS = [(24.45, 118.10), (24.30, 118.00), (24.62, 118.35), (25.50, 119.50)]  # among, at the edge, far away


@pytest.fixture
def grid_stations(station_factory, member_factory):
    rng = random.Random(18)
    branch = station_factory().branch
    Station.objects.all().delete()
    stations = Station.objects.bulk_create(
        Station(branch=branch, name=f"驿站{i}{'港' if i % 4 == 0 else ''}", district=DISTRICTS[i % 3],
                address=f"{'鹭江道' if i % 6 == 0 else '湖滨路'}{i}号", kind=["rest", "service"][i % 4 == 0],
                lat=24.3 + rng.random() * 0.3, lng=118.0 + rng.random() * 0.3, has_toilet=i % 3 == 0,
                has_wifi=i % 5 == 0, has_water=i % 2 == 0, is_active=i % 17 != 0)
        for i in range(240)
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(station=s, weekday=d, opens=time(8), closes=time(18))
        for s in stations[::3] for d in range(7)
    )
    member = member_factory(branch=branch)
    for n, s in enumerate(stations[:30:4]):
        visit = Visit.objects.create(station=s, user=member.user, mobile="13800000000", job_type="courier",
                                     hour=NOON.replace(minute=0) - timedelta(days=n + 1))
        Rating.objects.create(visit=visit, station=s, user=member.user, score=1 + n % 5)
    cards.cards_forget()
    index.index_forget()
    yield stations
    cards.cards_forget()
    index.index_forget()


def _grid():
    for (lat, lng), limit, max_km, kind, amenities, district, open_now, q in itertools.product(
        POINTS, [1, 10], [3.0, 50.0], ["", "service"], [[], ["toilet"], ["toilet", "wifi"]], ["", "湖里区"],
        [False, True], ["", "港", "鹭江道 驿站"],
    ):
        yield {"lat": lat, "lng": lng, "limit": limit, "max_km": max_km, "kind": kind, "amenities": amenities,
               "district": district, "open_now": open_now, "q": q}


@pytest.mark.django_db(transaction=True)
def test_the_engine_and_its_database_fallback_give_the_same_answers(grid_stations):
    assert set(AMENITY_CODES) >= {"toilet", "wifi"}
    compared = from_index = 0
    for query in _grid():
        engine, _r, rounds = selectors.station_search(**query, now=NOON)
        fallback, _r, fallback_rounds = selectors.station_search(**query, now=NOON, use_index=False)
        assert engine == fallback, query
        assert fallback_rounds > 0, query  # the fallback did go to the database
        from_index += rounds == 0
        compared += bool(engine)
    # Not a comparison of the fallback with itself: the index answered every query it holds the filters of
    # (no open-now, no text), and a good share of the queries found stations.
    assert from_index == len(POINTS) * 2 * 2 * 2 * 3 * 2
    assert compared > 200


@pytest.mark.django_db(transaction=True)
def test_the_cards_give_the_fallbacks_bytes(grid_stations):
    """The API's plain path (kind and amenities only) answers from the cards byte for byte as the fallback's rows
    would be written."""
    for query in _grid():
        if query["district"] or query["open_now"] or query["q"]:
            continue
        body = cards.nearest_answer(lat=query["lat"], lng=query["lng"], limit=query["limit"], max_km=query["max_km"],
                                    kind=query["kind"], amenities=query["amenities"], now=NOON)
        assert body is not None
        rows, _r, _n = selectors.station_search(**query, now=NOON, use_index=False)
        expected = JSONRenderer().render({"count": len(rows), "next": None, "previous": None, "results": rows})
        assert body == expected, query
        assert json.loads(body)["count"] == len(rows)


@pytest.mark.django_db(transaction=True)
def test_the_finder_page_and_the_api_use_the_same_search(grid_stations, client):
    """A text query with a position: the page's stations and the API's rows are the one search's."""
    rows, _r, _n = selectors.station_search(lat=24.45, lng=118.10, limit=10, max_km=50.0, q="港")
    assert rows and all("港" in row["name"] for row in rows)
    found = selectors.stations_find(lat=24.45, lng=118.10, radius_km=50.0, limit=10, q="港")
    assert [s.pk for s in found.stations] == [row["id"] for row in rows]
    answer = client.get("/api/v1/stations/", {"lat": 24.45, "lng": 118.10, "radius_km": 50, "limit": 10, "q": "港"})
    assert answer.status_code == 200
    assert [r["id"] for r in answer.json()["results"]] == [row["id"] for row in rows]
