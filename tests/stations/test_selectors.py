import random
import zoneinfo
from datetime import date, datetime, time

import pytest

from stations import geo, selectors
from stations.models import HoursException, OpeningHours, Station
from tests.stations.factories import open_all_day

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
UTC = zoneinfo.ZoneInfo("UTC")


def at(y, m, d, hh, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def is_open(station, now) -> bool:
    return selectors.stations_filtered(open_now=True, now=now).filter(pk=station.pk).exists()


@pytest.fixture
def post_office(station_factory):
    """Mon–Fri 08:30–17:30; 2026-10-01 (a Thursday, National Day) closed; 2026-10-03 (Saturday) 10–14."""
    station = station_factory()
    for weekday in range(5):
        OpeningHours.objects.create(station=station, weekday=weekday, opens=time(8, 30), closes=time(17, 30))
    HoursException.objects.create(station=station, date=date(2026, 10, 1), is_closed=True, note="国庆")
    HoursException.objects.create(
        station=station, date=date(2026, 10, 3), is_closed=False, opens=time(10), closes=time(14), note="调休"
    )
    return station


def test_open_now_follows_the_weekday_hours_in_shanghai_time(post_office):
    assert is_open(post_office, at(2026, 9, 28, 9))  # Monday 09:00
    assert not is_open(post_office, at(2026, 9, 28, 8, 29))
    assert not is_open(post_office, at(2026, 9, 28, 17, 30))  # closing minute is closed
    assert not is_open(post_office, at(2026, 9, 27, 10))  # Sunday
    # 02:00 UTC on Monday is 10:00 in Shanghai: open, though the server's clock says it is early.
    assert is_open(post_office, datetime(2026, 9, 28, 2, 0, tzinfo=UTC))


def test_holiday_exception_closes_and_special_hours_open(post_office):
    assert not is_open(post_office, at(2026, 10, 1, 10))  # Thursday, but a holiday
    assert is_open(post_office, at(2026, 10, 3, 11))  # Saturday made a working day
    assert not is_open(post_office, at(2026, 10, 3, 15))


def test_hours_past_midnight_count_on_the_next_morning(station_factory):
    station = station_factory()
    OpeningHours.objects.create(station=station, weekday=6, opens=time(22), closes=time(6), closes_next_day=True)
    assert is_open(station, at(2026, 9, 27, 23))  # Sunday 23:00
    assert is_open(station, at(2026, 9, 28, 5, 59))  # Monday 05:59, from Sunday's interval
    assert not is_open(station, at(2026, 9, 28, 6))
    assert not is_open(station, at(2026, 9, 27, 5))  # Sunday early: Saturday had no late interval


def test_python_rule_agrees_with_the_sql_filter_all_week(post_office, station_factory):
    """Station.open_now (lists, in Python) and open_now_q (the filter, in SQL) are one rule written twice."""
    from datetime import timedelta

    from stations.hours import open_at

    always = open_all_day(station_factory())
    night = station_factory()
    for weekday in (4, 5, 6):
        OpeningHours.objects.create(station=night, weekday=weekday, opens=time(20), closes=time(4),
                                    closes_next_day=True)
    HoursException.objects.create(station=night, date=date(2026, 10, 2), is_closed=False, opens=time(23),
                                  closes=time(2), closes_next_day=True)
    HoursException.objects.create(station=night, date=date(2026, 10, 3), is_closed=True)
    stations = list(Station.objects.prefetch_related("hours", "exceptions"))
    moment = at(2026, 9, 28, 0, 15)
    while moment < at(2026, 10, 6, 0, 0):
        in_sql = set(selectors.stations_filtered(open_now=True, now=moment).values_list("pk", flat=True))
        in_python = {s.pk for s in stations if open_at(s.hours.all(), s.exceptions.all(), moment)}
        assert in_sql == in_python, moment
        moment += timedelta(minutes=75)
    assert always.pk in in_sql


def test_open_now_property_reads_prefetched_rows(post_office, django_assert_num_queries):
    stations = selectors.stations_decorate(Station.objects.all())
    with django_assert_num_queries(0):
        [s.open_now for s in stations]


@pytest.fixture
def scattered(station_factory):
    """120 stations in a 30 km square around Xiamen, two of them inactive."""
    rng = random.Random(11)
    stations = [
        Station(branch=station_factory().branch, name=f"S{i}", district="思明区", address="x",
                lat=24.35 + rng.random() * 0.27, lng=118.0 + rng.random() * 0.3, has_toilet=i % 3 == 0)
        for i in range(120)
    ]
    Station.objects.all().delete()
    created = Station.objects.bulk_create(stations)
    Station.objects.filter(pk__in=[created[0].pk, created[1].pk]).update(is_active=False)
    return created


def brute_force(lat, lng, qs, limit):
    ranked = sorted((geo.haversine_km(lat, lng, s.lat, s.lng), s.pk) for s in qs)
    return [pk for _d, pk in ranked[:limit]]


@pytest.mark.parametrize("origin", [(24.48, 118.15), (24.35, 118.0), (24.7, 118.4)])
def test_nearest_equals_a_full_scan(scattered, origin):
    result = selectors.stations_nearest(lat=origin[0], lng=origin[1], limit=10)
    expected = brute_force(*origin, Station.objects.filter(is_active=True), 10)
    assert [s.pk for s in result.stations] == expected
    distances = [s.distance_km for s in result.stations]
    assert distances == sorted(distances)


def test_nearest_widens_the_box_when_too_few_are_near(scattered):
    # 20 km east of the square, in the sea: the first 2 km box is empty. The SQL way (a caller's queryset;
    # open-now) widens its box; the in-memory index (no base) answers the same without box queries.
    result = selectors.stations_nearest(lat=24.48, lng=118.5, limit=5, base=Station.objects.filter(is_active=True))
    assert len(result.stations) == 5 and result.candidate_queries > 1
    assert [s.pk for s in result.stations] == brute_force(24.48, 118.5, Station.objects.filter(is_active=True), 5)
    from_index = selectors.stations_nearest(lat=24.48, lng=118.5, limit=5)
    assert from_index.candidate_queries == 0
    assert [s.pk for s in from_index.stations] == [s.pk for s in result.stations]


def test_nearest_stops_at_the_radius(scattered):
    result = selectors.stations_nearest(lat=24.48, lng=118.5, limit=5, max_km=3)
    assert result.stations == []


def test_nearest_applies_filters(scattered):
    base = selectors.stations_filtered(amenities=["toilet"])
    result = selectors.stations_nearest(lat=24.48, lng=118.15, limit=5, base=base)
    assert all(s.has_toilet for s in result.stations)
    inactive = {scattered[0].pk, scattered[1].pk}
    assert not inactive & {s.pk for s in selectors.stations_nearest(lat=24.48, lng=118.15, limit=200).stations}


def test_nearest_runs_a_bounded_number_of_queries(scattered, django_assert_max_num_queries):
    # at most 4 boxes (2 → 6 → 18 → 50 km), then the winners with their ratings, and their hours of today's
    # and yesterday's weekday with those dates' exceptions
    with django_assert_max_num_queries(6):
        selectors.stations_nearest(lat=24.48, lng=118.5, limit=10)


def _list_fields_the_old_way(pks, now, distances):
    """What the search answered before its hot path: StationListSerializer over stations_decorate."""
    from stations.serializers import StationListSerializer

    stations = {s.pk: s for s in selectors.stations_decorate(Station.objects.filter(pk__in=pks), now)}
    ordered = []
    for pk in pks:
        stations[pk].distance_km = distances[pk]
        ordered.append(stations[pk])
    return [dict(row) for row in StationListSerializer(ordered, many=True).data]


@pytest.fixture
def varied(station_factory, personas):
    """Stations near Xiamen with random weekly hours (some past midnight), exceptions on and around two dates,
    varied amenities, kinds, codes and ratings."""
    from stations import services
    from stations.models import AMENITY_CODES, Rating, amenity_field

    rng = random.Random(5)
    stations = []
    for i in range(25):
        station = station_factory(
            lat=24.45 + rng.random() * 0.05, lng=118.08 + rng.random() * 0.05, code=f"V{i}" if i % 2 else None,
            kind="service" if i % 4 == 0 else "rest", phone="0592-1234567" if i % 3 else "",
            **{amenity_field(c): rng.random() < 0.4 for c in AMENITY_CODES},
        )
        for weekday in range(7):
            if rng.random() < 0.3:
                continue
            if rng.random() < 0.25:
                OpeningHours.objects.create(station=station, weekday=weekday, opens=time(rng.randint(18, 23)),
                                            closes=time(rng.randint(1, 7)), closes_next_day=True)
            else:
                OpeningHours.objects.create(station=station, weekday=weekday, opens=time(rng.randint(6, 10), 30),
                                            closes=time(rng.randint(11, 17)))
        for day in (date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)):
            roll = rng.random()
            if roll < 0.25:
                HoursException.objects.create(station=station, date=day, is_closed=True)
            elif roll < 0.5:
                HoursException.objects.create(station=station, date=day, is_closed=False, opens=time(21),
                                              closes=time(3), closes_next_day=True)
        for _ in range(rng.randint(0, 3)):
            visit = services.visit_record(station_id=station.pk, token=services.station_visit_token(station),
                                          job_type="courier", mobile=f"139{rng.randint(0, 99999999):08d}",
                                          user=None)
            Rating.objects.create(visit=visit, station=station, user=personas.member, score=rng.randint(1, 5))
        stations.append(station)
    return stations


@pytest.mark.parametrize("moment", [at(2026, 10, 1, 2, 30), at(2026, 10, 2, 9, 45), at(2026, 10, 3, 0, 10),
                                    at(2026, 10, 3, 22, 0), at(2026, 10, 5, 12, 0)])
def test_search_rows_equal_the_serializer_over_the_decorated_stations(varied, moment):
    """The API's hot path (SQL rows made into dicts) answers exactly what the serializer over stations_decorate
    (the ORM path, open-now by hours.open_at) answers: same stations, order, fields, ratings and open-now."""
    rows, _radius, _rounds = selectors.station_search(lat=24.47, lng=118.1, limit=12, now=moment)
    distances = {r["id"]: r["distance_km"] for r in rows}
    assert len(rows) == 12
    assert rows == _list_fields_the_old_way([r["id"] for r in rows], moment, distances)
    expected = brute_force(24.47, 118.1, Station.objects.filter(is_active=True), 12)
    assert [r["id"] for r in rows] == expected
    assert {r["open_now"] for r in rows} == {True, False}  # the moments do exercise both answers


def test_nearest_stations_carry_what_pages_show(varied):
    moment = at(2026, 10, 2, 9, 45)
    result = selectors.stations_nearest(lat=24.47, lng=118.1, limit=8, now=moment)
    old = {s.pk: s for s in selectors.stations_decorate(Station.objects.all(), moment)}
    for station in result.stations:
        reference = old[station.pk]
        assert (station.name, station.address, station.get_kind_display(), station.amenity_labels) == (
            reference.name, reference.address, reference.get_kind_display(), reference.amenity_labels)
        assert (station.open_now, station.rating_avg, station.rating_count) == (
            reference.open_now, reference.rating_avg, reference.rating_count)


def test_search_rows_with_filters_match_the_queryset_search(varied):
    moment = at(2026, 10, 2, 9, 45)
    for filters in ({"kind": "service"}, {"amenities": ["wifi"]}, {"open_now": True}, {"district": "思明区"},
                    {"amenities": ["toilet", "water"], "open_now": True}):
        rows, _r, _n = selectors.station_search(lat=24.47, lng=118.1, limit=6, now=moment, **filters)
        base = selectors.stations_filtered(now=moment, **filters)
        assert [r["id"] for r in rows] == [s.pk for s in selectors.stations_nearest(
            lat=24.47, lng=118.1, limit=6, base=base, now=moment).stations], filters
