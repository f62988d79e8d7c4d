"""The in-memory nearest-search index (stations/index.py): exact against a brute-force haversine scan, and
kept current by the database triggers whatever writes the stations."""

import math
import random

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stations import geo, index, selectors
from stations.models import AMENITY_CODES, Station

KINDS = ["rest", "service"]
DISTRICTS = ["思明区", "湖里区", "集美区"]


def brute_force(rows, lat, lng, *, limit, max_km, kind="", amenities=(), district=""):
    """The definition the index must meet: every matching station's haversine distance, sorted with its id."""
    mask = sum(1 << AMENITY_CODES.index(code) for code in set(amenities))
    ranked = sorted(
        (geo.haversine_km(lat, lng, s_lat, s_lng), pk)
        for pk, s_lat, s_lng, s_kind, s_district, s_mask in rows
        if (not kind or s_kind == kind) and (s_mask & mask) == mask and (not district or s_district == district)
    )
    return [(d, pk) for d, pk in ranked if d <= max_km][:limit]


# China's box and a little beyond (lat 15–56, lng 70–137), plus the rest of the globe now and then: poles,
# the antimeridian.
china_lat = st.floats(15.0, 56.0)
china_lng = st.floats(70.0, 137.0)
any_lat = st.floats(-90.0, 90.0)
any_lng = st.floats(-180.0, 180.0)


@st.composite
def station_rows(draw):
    """Stations in clusters (cities), scattered (countryside), on exactly shared spots (ties), and a few
    anywhere on the globe."""
    rows = []
    pk = draw(st.integers(1, 1000))
    centres = draw(st.lists(st.tuples(china_lat, china_lng), min_size=1, max_size=4))
    spots = []
    for _ in range(draw(st.integers(0, 160))):
        roll = draw(st.integers(0, 9))
        if roll < 6:
            c_lat, c_lng = draw(st.sampled_from(centres))
            spread = draw(st.sampled_from([0.001, 0.02, 0.3]))
            lat = min(90.0, max(-90.0, c_lat + draw(st.floats(-spread, spread))))
            lng = min(180.0, max(-180.0, c_lng + draw(st.floats(-spread, spread))))
        elif roll < 8 and spots:
            lat, lng = draw(st.sampled_from(spots))  # the same spot as another station: equal distances
        elif roll < 9:
            lat, lng = draw(china_lat), draw(china_lng)
        else:
            lat, lng = draw(any_lat), draw(any_lng)
        spots.append((lat, lng))
        pk += draw(st.integers(1, 3))
        rows.append((pk, lat, lng, draw(st.sampled_from(KINDS)), draw(st.sampled_from(DISTRICTS)),
                     draw(st.integers(0, (1 << len(AMENITY_CODES)) - 1))))
    draw(st.randoms()).shuffle(rows)
    return rows


@st.composite
def searches(draw, rows):
    if rows and draw(st.booleans()):
        _pk, lat, lng, *_ = draw(st.sampled_from(rows))
        lat = min(90.0, max(-90.0, lat + draw(st.floats(-0.05, 0.05))))
        lng = min(180.0, max(-180.0, lng + draw(st.floats(-0.05, 0.05))))
    elif draw(st.booleans()):
        lat, lng = draw(china_lat), draw(china_lng)
    else:
        lat, lng = draw(any_lat), draw(any_lng)
    filters = {}
    if draw(st.integers(0, 3)) == 0:
        filters["kind"] = draw(st.sampled_from(KINDS))
    if draw(st.integers(0, 2)) == 0:
        filters["amenities"] = draw(st.lists(st.sampled_from(AMENITY_CODES), max_size=2))
    if draw(st.integers(0, 4)) == 0:
        filters["district"] = draw(st.sampled_from(DISTRICTS))
    return {"lat": lat, "lng": lng, "limit": draw(st.integers(1, 30)),
            "max_km": draw(st.sampled_from([0.01, 0.5, 3.0, 50.0, 500.0, 20000.0])), **filters}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_index_equals_a_brute_force_scan(data):
    rows = data.draw(station_rows())
    station_index = index.index_from_rows(rows)
    for _ in range(5):
        search = data.draw(searches(rows))
        assert station_index.nearest(**search) == brute_force(rows, **search), search


@settings(max_examples=60, deadline=None)
@given(lat=any_lat, lng=any_lng, limit=st.integers(1, 12))
def test_sparse_stations_far_apart_and_the_radius(lat, lng, limit):
    """A handful of stations thousands of kilometres apart: most searches find nothing within 500 km and
    must not walk an empty world cell by cell; those that do find are exact."""
    rows = [(n, s_lat, s_lng, "rest", "某区", 0) for n, (s_lat, s_lng) in enumerate(
        [(18.2, 109.5), (53.4, 122.3), (39.9, 116.4), (43.8, 87.6), (29.6, 91.1), (-33.9, 151.2), (89.9, 10.0),
         (-89.9, -170.0), (0.0, 179.99), (0.0, -179.99)])]
    station_index = index.index_from_rows(rows)
    for max_km in (0.01, 500.0, 20000.0):
        search = {"lat": lat, "lng": lng, "limit": limit, "max_km": max_km}
        assert station_index.nearest(**search) == brute_force(rows, **search)


def test_across_the_antimeridian_and_at_the_poles():
    rows = [(1, 0.0, 179.99, "rest", "a", 0), (2, 0.0, -179.99, "rest", "a", 0), (3, 89.99, 0.0, "rest", "a", 0),
            (4, 89.99, 180.0, "rest", "a", 0), (5, -90.0, -180.0, "rest", "a", 0), (6, 90.0, 180.0, "rest", "a", 0)]
    # and enough elsewhere that the world is split into cells, not read whole
    rows += [(100 + n, 20.0 + n * 0.1, 100.0 + n * 0.1, "rest", "a", 0) for n in range(200)]
    station_index = index.index_from_rows(rows)
    for lat, lng in [(0.0, 180.0), (0.0, -180.0), (90.0, 0.0), (-90.0, 0.0), (89.995, -90.0)]:
        search = {"lat": lat, "lng": lng, "limit": 3, "max_km": 500.0}
        assert station_index.nearest(**search) == brute_force(rows, **search)
    assert [pk for _d, pk in station_index.nearest(lat=0.0, lng=-180.0, limit=2, max_km=50.0)] == [2, 1]


def test_ties_are_broken_by_id():
    # Eight stations on one spot and four at the same distance east, west, north-east…: ids decide.
    rows = [(pk, 30.0, 110.0, "rest", "a", 0) for pk in (50, 3, 41, 7, 12, 9, 30, 1)]
    rows += [(100 + n, 30.0, 110.0 + sign * 0.01, "rest", "a", 0) for n, sign in enumerate([1, -1, 1, -1])]
    station_index = index.index_from_rows(rows)
    found = station_index.nearest(lat=30.0, lng=110.0, limit=11, max_km=50)
    assert [pk for _d, pk in found] == [1, 3, 7, 9, 12, 30, 41, 50, 100, 101, 102]
    assert found == brute_force(rows, 30.0, 110.0, limit=11, max_km=50)


@pytest.mark.parametrize("district", ["大区", "小区"])
def test_a_district_filter_large_or_small(district):
    """A small district is read whole; one with more stations than that goes through the cells with the
    district as a filter. Both are exact."""
    rng = random.Random(3)
    rows = [(n, 24 + rng.random() * 2, 118 + rng.random() * 2, "rest", "大区" if n % 50 else "小区",
             rng.randrange(1 << len(AMENITY_CODES))) for n in range(6000)]
    station_index = index.index_from_rows(rows)
    for _ in range(20):
        search = {"lat": 24 + rng.random() * 2, "lng": 118 + rng.random() * 2, "limit": 10, "max_km": 30.0,
                  "district": district, "amenities": ["wifi"] if rng.random() < 0.5 else []}
        assert station_index.nearest(**search) == brute_force(rows, **search)


def test_unknown_filters_and_empty_index():
    rows = [(1, 30.0, 110.0, "rest", "a", 0)]
    station_index = index.index_from_rows(rows)
    assert station_index.nearest(lat=30.0, lng=110.0, limit=5, max_km=50, kind="spa") == []
    assert station_index.nearest(lat=30.0, lng=110.0, limit=5, max_km=50, district="nowhere") == []
    assert station_index.nearest(lat=30.0, lng=110.0, limit=5, max_km=50, amenities=["pool"]) == [
        (0.0, 1)]  # unknown amenity codes are ignored, as stations_filtered does
    assert index.index_from_rows([]).nearest(lat=30.0, lng=110.0, limit=5, max_km=50) == []


def test_the_index_holds_little_memory():
    rng = random.Random(1)
    rows = [(n, 20 + rng.random() * 25, 90 + rng.random() * 35, "rest", "某区", 5) for n in range(20000)]
    station_index = index.index_from_rows(rows)
    assert station_index.nbytes() < 70 * len(rows)  # ~59 bytes a station in flat arrays


# --- built from the database, and kept current by the triggers --------------------------------------------


@pytest.fixture
def scattered(station_factory):
    rng = random.Random(21)
    branch = station_factory().branch
    Station.objects.all().delete()
    return Station.objects.bulk_create(
        Station(branch=branch, name=f"S{i}", district=DISTRICTS[i % 3], address="x", kind=KINDS[i % 4 == 0],
                lat=24.3 + rng.random() * 0.4, lng=118.0 + rng.random() * 0.4, has_toilet=i % 3 == 0,
                has_wifi=i % 5 == 0, is_active=i % 17 != 0)
        for i in range(300)
    )


def _db_rows():
    return [
        (s.pk, s.lat, s.lng, s.kind, s.district,
         sum(1 << bit for bit, code in enumerate(AMENITY_CODES) if getattr(s, f"has_{code}")))
        for s in Station.objects.filter(is_active=True)
    ]


def test_built_from_the_database_equals_a_full_scan(scattered):
    station_index = index.index_build(token=index.version_token())
    rows = _db_rows()
    assert len(station_index) == len(rows) == sum(1 for s in scattered if s.is_active)
    rng = random.Random(4)
    for _ in range(40):
        search = {"lat": 24.2 + rng.random() * 0.6, "lng": 117.9 + rng.random() * 0.6,
                  "limit": rng.choice([1, 5, 10, 40]), "max_km": rng.choice([1.0, 5.0, 50.0]),
                  "kind": rng.choice(["", "service"]), "amenities": rng.choice([[], ["toilet"], ["toilet", "wifi"]]),
                  "district": rng.choice(["", "湖里区"])}
        assert station_index.nearest(**search) == brute_force(rows, **search), search


def test_every_kind_of_write_moves_the_version(scattered):
    """bulk_create, queryset.update, a raw SQL update, delete: each gives a new token in this transaction;
    a change of a column the index does not hold does not."""
    seen = [index.version_token()]

    def moved() -> bool:
        token = index.version_token()
        new = token not in seen
        seen.append(token)
        return new

    branch = scattered[0].branch
    Station.objects.bulk_create([Station(branch=branch, name="新", district="思明区", address="x", lat=24.5,
                                         lng=118.1)])
    assert moved()
    Station.objects.filter(pk=scattered[5].pk).update(lat=24.55)
    assert moved()
    Station.objects.filter(pk=scattered[6].pk).update(has_wifi=True)
    assert moved()
    Station.objects.filter(pk=scattered[7].pk).update(is_active=False)
    assert moved()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE stations_station SET lng = lng + 0.001 WHERE id = %s", [scattered[8].pk])
    assert moved()
    Station.objects.filter(pk=scattered[9].pk).delete()
    assert moved()
    Station.objects.filter(pk=scattered[10].pk).update(name="只改名字", phone="123")
    assert not moved()


def test_a_rolled_back_change_never_leaves_its_token_behind(scattered):
    before = index.version_token()
    try:
        with transaction.atomic():
            Station.objects.filter(pk=scattered[5].pk).update(lat=24.6)
            inside = index.version_token()
            raise RuntimeError
    except RuntimeError:
        pass
    assert index.version_token() == before != inside
    Station.objects.filter(pk=scattered[5].pk).update(lat=24.6)
    assert index.version_token() not in (before, inside)  # a new token, never the rolled-back one


def test_inside_a_transaction_the_search_sees_its_own_writes_and_shares_nothing(scattered):
    index.index_forget()
    station = scattered[3]
    Station.objects.filter(pk=station.pk).update(lat=30.0, lng=100.0)
    found = selectors.stations_nearest(lat=30.0, lng=100.0, limit=1, max_km=5)
    assert [s.pk for s in found.stations] == [station.pk] and found.candidate_queries == 0
    assert index._published.get("default") is None  # built for that call only: it may yet roll back


@pytest.mark.django_db(transaction=True)
def test_the_shared_index_is_swapped_when_the_version_moves(station_factory):
    """Outside transactions (as the search doors run): one index per process, reused while the token stands,
    replaced by a new object when a commit moves it; a thread that finds another building searches with SQL."""
    index.index_forget()
    a = station_factory(lat=24.40, lng=118.10)
    b = station_factory(lat=24.50, lng=118.10)
    first = index.station_index()
    assert first is not None and index.station_index() is first
    assert [pk for _d, pk in first.nearest(lat=24.41, lng=118.1, limit=1, max_km=50)] == [a.pk]
    with connection.cursor() as cursor:  # raw SQL, committed at once (autocommit)
        cursor.execute("UPDATE stations_station SET is_active = %s WHERE id = %s", [False, a.pk])
    second = index.station_index()
    assert second is not first and [pk for _d, pk in second.nearest(lat=24.41, lng=118.1, limit=1, max_km=50)] == [
        b.pk]
    assert [s.pk for s in selectors.stations_nearest(lat=24.41, lng=118.1, limit=5).stations] == [b.pk]

    Station.objects.filter(pk=a.pk).update(is_active=True)
    with index._build_lock:  # another thread is building: this one answers with SQL
        assert index.station_index() is None
        result = selectors.stations_nearest(lat=24.41, lng=118.1, limit=5)
        assert [s.pk for s in result.stations] == [a.pk, b.pk] and result.candidate_queries > 0
    index.index_forget()


@pytest.mark.django_db(transaction=True)
def test_a_search_reads_its_version_with_its_details(station_factory, django_assert_num_queries):
    """One round trip per search when the index is current; a stale index is replaced within the search
    that finds the version moved, and that search answers from the new one."""
    index.index_forget()
    a = station_factory(lat=24.40, lng=118.10)
    b = station_factory(lat=24.50, lng=118.10)
    selectors.station_search(lat=24.41, lng=118.1, limit=5)  # builds the shared index
    with django_assert_num_queries(1):
        rows, _radius, rounds = selectors.station_search(lat=24.41, lng=118.1, limit=5)
    assert [r["id"] for r in rows] == [a.pk, b.pk] and rounds == 0
    stale = index.published_index()
    with connection.cursor() as cursor:  # committed at once, by a writer the process knows nothing of
        cursor.execute("UPDATE stations_station SET lat = %s WHERE id = %s", [24.405, b.pk])
    rows, _radius, rounds = selectors.station_search(lat=24.41, lng=118.1, limit=5)
    assert [r["id"] for r in rows] == [b.pk, a.pk] and rounds == 0
    assert index.published_index() is not stale
    with django_assert_num_queries(1):
        assert [r["id"] for r in selectors.station_search(lat=24.41, lng=118.1, limit=5)[0]] == [b.pk, a.pk]
    index.index_forget()


@pytest.mark.django_db(transaction=True)
def test_without_the_version_row_the_search_uses_sql(station_factory):
    index.index_forget()
    a = station_factory(lat=24.40, lng=118.10)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM stations_stationindexversion")
    assert index.station_index() is None
    result = selectors.stations_nearest(lat=24.41, lng=118.1, limit=5)
    assert [s.pk for s in result.stations] == [a.pk] and result.candidate_queries > 0
    b = station_factory(lat=24.41, lng=118.10)  # the next write puts the row back
    assert index.version_token() is not None
    assert [s.pk for s in selectors.stations_nearest(lat=24.41, lng=118.1, limit=5).stations] == [b.pk, a.pk]


def test_bound_never_exceeds_a_distance_inside_the_cell():
    """The cell bound the stopping rule relies on, checked directly: for random cells at every level and
    random points in them, the bound from a query point is at most the haversine distance to the point."""
    rng = random.Random(8)
    for _ in range(5000):
        level = rng.randrange(0, index.GRID_BITS - 1)
        size = index.CELL_DEG * (1 << level)
        row, column = rng.randrange(int(180 / size)), rng.randrange(int(360 / size))
        south, west = row * size - 90.0, column * size - 180.0
        p_lat, p_lng = south + rng.random() * size, west + rng.random() * size
        q_lat, q_lng = rng.uniform(-90, 90), rng.uniform(-180, 180)
        if rng.random() < 0.5:  # near the cell
            q_lat = min(90.0, max(-90.0, p_lat + rng.gauss(0, size * 2)))
            q_lng = min(180.0, max(-180.0, p_lng + rng.gauss(0, size * 2)))
        bound = index.cell_bound(q_lat, q_lng, math.cos(math.radians(q_lat)), level, row, column)
        assert bound <= geo.haversine_km(q_lat, q_lng, p_lat, p_lng), (q_lat, q_lng, level, row, column)


def test_the_start_cell_holds_the_whole_circle():
    """Points at the search radius in every direction lie in the cell the search starts from (or it starts
    from the whole world)."""
    rng = random.Random(12)
    starts = 0
    for _ in range(4000):
        lat, lng = rng.uniform(-85, 85), rng.uniform(-179, 179)
        max_km = rng.choice([0.01, 0.3, 2.0, 10.0, 50.0, 200.0, 500.0])
        start = index.start_cell(lat, lng, max_km)
        if start is None:
            continue
        starts += 1
        level, row, column = start
        size = index.CELL_DEG * (1 << level)
        south, west = row * size - 90.0, column * size - 180.0
        delta, phi, lam = max_km / geo.EARTH_RADIUS_KM, math.radians(lat), math.radians(lng)
        for step in range(32):
            bearing = step * math.pi / 16 + rng.random() * 0.01
            lat2 = math.asin(math.sin(phi) * math.cos(delta) + math.cos(phi) * math.sin(delta) * math.cos(bearing))
            lng2 = lam + math.atan2(math.sin(bearing) * math.sin(delta) * math.cos(phi),
                                    math.cos(delta) - math.sin(phi) * math.sin(lat2))
            p_lat, p_lng = math.degrees(lat2), math.degrees(lng2)
            assert south <= p_lat <= south + size and west <= p_lng <= west + size, (lat, lng, max_km, step)
    assert starts > 3000
