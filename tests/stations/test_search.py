"""The one station search (selectors.station_search): its engine — the in-memory index, and the cards that keep
its rows in memory for the API's plain path — gives the same answers as the database way it falls back to while
the engine warms up, over a grid of queries through every filter.

Persona: the public searcher (no account), who must get the same stations, order, distances, open-now and
ratings whichever way the process happens to answer."""

import io
import itertools
import json
import random
import threading
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.renderers import JSONRenderer

from stations import cards, index, selectors, services
from stations.hours import Interval
from stations.importer import stations_import
from stations.models import AMENITY_CODES, HoursException, OpeningHours, Rating, Station, Visit
from tests.stations.factories import open_all_day

_TODAY = datetime.now(tz=selectors.LOCAL_TZ).date()
NOON = datetime.combine(_TODAY + timedelta(days=(2 - _TODAY.weekday()) % 7), time(12), tzinfo=selectors.LOCAL_TZ)
# A holiday four weeks on (a Wednesday too): some stations closed, some open in their own hours.
HOLIDAY = NOON + timedelta(days=28)
# Moments of the week the open-now filter is compared at: noon, a lunch break, early morning after a night
# shift (Thursday 05:00, and Saturday 05:00 after Friday's), late evening, the holiday at noon and the morning
# after the holiday's night (whose weekly night shift the exception replaced).
MOMENTS = [NOON, NOON.replace(hour=13), NOON + timedelta(hours=17), NOON + timedelta(days=3, hours=-7),
           NOON.replace(hour=23), HOLIDAY, HOLIDAY + timedelta(hours=17)]
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
    # Night shifts past midnight on weekdays, split shifts with a lunch break, and the holidays of HOLIDAY:
    # closed all day, or open in hours of its own.
    OpeningHours.objects.bulk_create(
        OpeningHours(station=s, weekday=d, opens=time(22), closes=time(6), closes_next_day=True)
        for s in stations[1::3] for d in range(5)
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(station=s, weekday=d, opens=opens, closes=closes)
        for s in stations[2::6] for d in range(6) for opens, closes in ((time(8), time(12)), (time(14), time(18)))
    )
    HoursException.objects.bulk_create(
        HoursException(station=s, date=HOLIDAY.date(), is_closed=True) for s in stations[::9]
    )
    HoursException.objects.bulk_create(
        HoursException(station=s, date=HOLIDAY.date(), is_closed=False, opens=time(10), closes=time(14))
        for s in stations[1::9]
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
    # Not a comparison of the fallback with itself: the engine answered every query, open-now and text
    # included (it used to answer only those without them: len(POINTS) * 2 * 2 * 2 * 3 * 2), and a good share
    # of the queries found stations.
    assert from_index == len(list(_grid())) >= len(POINTS) * 2 * 2 * 2 * 3 * 2
    assert compared > 200


@pytest.mark.django_db(transaction=True)
def test_open_now_at_several_moments_and_holidays_gives_the_same_answers(grid_stations):
    """Open-now (and the open_now field of every row) from the engine equals the database's SQL filter at
    moments across the day, after night shifts, in a lunch break and on a holiday, with the other filters."""
    open_sets = set()
    for moment in MOMENTS:
        for (lat, lng), kind, district, q in itertools.product(POINTS[:2], ["", "rest"], ["", "集美区"],
                                                               ["", "湖滨路"]):
            query = {"lat": lat, "lng": lng, "limit": 15, "max_km": 50.0, "kind": kind, "district": district,
                     "q": q}
            for open_now in (False, True):
                engine = selectors.station_search(**query, open_now=open_now, now=moment)
                fallback = selectors.station_search(**query, open_now=open_now, now=moment, use_index=False)
                assert engine.box_queries == 0 and fallback.box_queries > 0
                assert engine.rows == fallback.rows, (moment, open_now, query)
                assert engine.body() == JSONRenderer().render(
                    {"count": len(fallback.rows), "next": None, "previous": None, "results": fallback.rows})
            if not (kind or district or q) and lat == POINTS[0][0]:
                answer = selectors.station_search(**query, open_now=True, now=moment)
                open_sets.add(tuple(r["id"] for r in answer.rows))
    assert len(open_sets) >= 4  # the moments do differ in what is open


@pytest.mark.django_db(transaction=True)
def test_limits_page_through_the_same_order(grid_stations):
    """Asking for more (limit 1, 5, 20, 100) extends the same list: each shorter answer is the start of the
    longer one, from the engine and the database alike, with every filter."""
    for kind, amenities, open_now, q in itertools.product(["", "service"], [[], ["water"]], [False, True],
                                                          ["", "驿站"]):
        query = {"lat": 24.45, "lng": 118.10, "max_km": 50.0, "kind": kind, "amenities": amenities,
                 "open_now": open_now, "q": q, "now": NOON}
        longest = selectors.station_search(**query, limit=100).rows
        assert longest == selectors.station_search(**query, limit=100, use_index=False).rows
        for limit in (1, 5, 20):
            assert selectors.station_search(**query, limit=limit).rows == longest[:limit]
            assert selectors.station_search(**query, limit=limit, use_index=False).rows == longest[:limit]


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


def _seen_from_another_thread(**query) -> list[dict]:
    """The same search from another thread (its own database connection, this process's shared engine)."""
    answer = []

    def search():
        try:
            answer.extend(selectors.station_search(**query).rows)
        finally:
            connection.close()

    thread = threading.Thread(target=search)
    thread.start()
    thread.join(30)
    return answer


@pytest.mark.django_db(transaction=True)
def test_a_write_by_each_path_is_seen_by_the_next_search_here_and_in_another_thread(
    station_factory, personas, member_factory, org_tree, client
):
    """Whoever writes — a station manager through the services, the admin's action and the importer, a member
    rating, a cascade from a deleted visit, queryset.update and raw SQL — the next search shows it,
    from the engine (no box query), in this thread and in another one."""
    station = station_factory(name="写入路径站", lat=24.45, lng=118.10)
    open_all_day(station)
    query = {"lat": 24.45, "lng": 118.10, "limit": 5, "max_km": 5.0, "now": NOON}

    def seen(**filters) -> list[dict]:
        answer = selectors.station_search(**query, **filters)
        assert answer.box_queries == 0  # the engine answered
        elsewhere = _seen_from_another_thread(**query, **filters)
        assert elsewhere == answer.rows
        return answer.rows

    assert [r["name"] for r in seen(open_now=True)] == ["写入路径站"]
    # The services: hours replaced (closed at noon now), then the station closed and opened again.
    services.station_hours_replace(actor=personas.manager_a, station=station,
                                   intervals=[Interval(weekday=d, opens=time(18), closes=time(20)) for d in range(7)])
    assert seen(open_now=True) == [] and seen()[0]["open_now"] is False
    services.station_set_active(actor=personas.manager_a, station_id=station.pk, active=False)
    assert seen() == []
    services.station_set_active(actor=personas.manager_a, station_id=station.pk, active=True)
    assert [r["id"] for r in seen()] == [station.pk]
    # A member's rating.
    member = member_factory(branch=org_tree.base_a1)
    services.visit_record(station_id=station.pk, token=services.station_visit_token(station), job_type="courier",
                          user=member.user)
    services.rating_create(user=member.user, station_id=station.pk, score=4)
    assert (seen()[0]["rating_avg"], seen()[0]["rating_count"]) == (4.0, 1)
    # The visit deleted (as the admin's delete view does): the cascade removes the rating.
    Visit.objects.filter(station=station).delete()
    assert (seen()[0]["rating_avg"], seen()[0]["rating_count"]) == (None, 0)
    # The admin's action.
    client.force_login(personas.manager_a)
    response = client.post(reverse("admin:stations_station_changelist"),
                           {"action": "deactivate", "_selected_action": [station.pk]})
    assert response.status_code == 302 and seen() == []
    # queryset.update and raw SQL (a data fix by hand).
    Station.objects.filter(pk=station.pk).update(is_active=True, name="改名的站")
    assert [r["name"] for r in seen(q="改名")] == ["改名的站"]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE stations_station SET address = %s WHERE id = %s", ["手改的路1号", station.pk])
    assert [r["id"] for r in seen(q="手改的路")] == [station.pk]
    # The importer.
    report = stations_import(actor=personas.manager_a, filename="stations.csv", upload=io.BytesIO((
        "编号,类别,名称,合作单位类型,合作单位,管理工会,所在区,地址,纬度,经度,坐标系,电话,设施,开放时间\n"
        "XM-9101,rest,导入的站,post_office,邮局,,思明区,鹭江道9号,24.4501,118.1001,wgs84,,饮用水,1-7 00:00-次日00:00\n"
    ).encode("utf-8-sig")), default_branch=org_tree.district_a)
    assert report.ok
    assert [r["name"] for r in seen(open_now=True, q="导入")] == ["导入的站"]
