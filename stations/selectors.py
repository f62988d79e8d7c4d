"""Reads of the stations app: the public list with its annotations, "open now", the nearest search, staff
scope and visit statistics. None of them queries in a loop."""

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

from django.db import connections
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import Collate, TruncDate

from core.sql import execute_prepared
from members.selectors import branches_in_scope

from . import geo
from .cards import AMENITY_COLUMNS as _AMENITY_COLUMNS
from .cards import LIST_COLUMNS as _LIST_COLUMNS
from .cards import NEAREST_MAX_KM, SEARCH_MAX_WORDS, answer_body, search_engine
from .hours import LOCAL_TZ, STATUS_HORIZON_DAYS, HoursRow, as_date, as_time, hours_status, local_now, open_at
from .models import (
    AMENITY_CODES,
    HoursException,
    OpeningHours,
    Rating,
    Station,
    Visit,
    amenity_field,
)

STATION_MANAGER_ROLES = ["station_manager", "branch_admin"]
_HoursRow = HoursRow  # the name the tests know

# The nearest search: start with a box this wide, widen it until enough stations lie inside the circle the
# box holds, never beyond this.
NEAREST_START_KM = 2.0
NEAREST_DEFAULT_MAX_KM = 50.0
# "The nearest station beyond the radius" may be anywhere: half the Earth's circumference holds every point.
ANYWHERE_KM = math.pi * geo.EARTH_RADIUS_KM
# A text search: at most this many characters (forms and the API refuse longer) and SEARCH_MAX_WORDS words,
# each word matched as a substring.
SEARCH_MAX_LENGTH = 50
# Stand-ins for the box's edges while compiling its SQL: no real coordinate or filter value equals them.
_SENTINELS = (1001.25, 1002.25, 1003.25, 1004.25)


def _interval_covers(t, *, same_day: bool) -> Q:
    """Rows of OpeningHours/HoursException whose interval covers wall-clock time t: on the day it starts
    (opens ≤ t and (closes > t or it runs past midnight)), or on the next day (it ran past midnight and
    closes > t)."""
    if same_day:
        return Q(opens__lte=t) & (Q(closes__gt=t) | Q(closes_next_day=True))
    return Q(closes_next_day=True) & Q(closes__gt=t)


def open_now_q(now: datetime | None = None) -> Q:
    """A filter (and annotation) for stations open at `now`, in Asia/Shanghai time.

    For a date with an exception row, the exception replaces that weekday's rows (closed, or its own
    interval). An interval that runs past midnight belongs to the day it starts, so yesterday's late
    interval (or yesterday's exception) still counts in today's early hours."""
    now = local_now(now)
    today, t = now.date(), now.time().replace(second=0, microsecond=0)
    yesterday = today - timedelta(days=1)

    def day_open(day, *, same_day: bool) -> Q:
        weekly = Exists(
            OpeningHours.objects.filter(station=OuterRef("pk"), weekday=day.weekday()).filter(
                _interval_covers(t, same_day=same_day)
            )
        )
        has_exception = Exists(HoursException.objects.filter(station=OuterRef("pk"), date=day))
        exception_open = Exists(
            HoursException.objects.filter(station=OuterRef("pk"), date=day, is_closed=False).filter(
                _interval_covers(t, same_day=same_day)
            )
        )
        return (weekly & ~has_exception) | exception_open

    return day_open(today, same_day=True) | day_open(yesterday, same_day=False)


def stations_decorate(stations, now: datetime | None = None) -> list[Station]:
    """Adds what lists show to a page of stations — rating_avg, rating_count (one GROUP BY annotation) and
    their hours (stations_hours_attach: two queries) — in three queries for any number of stations, none per
    row."""
    stations = list(stations)
    if not stations:
        return stations
    ids = [s.pk for s in stations]
    ratings = {
        row["station_id"]: row
        for row in Rating.objects.filter(station_id__in=ids).order_by().values("station_id")
        .annotate(avg=Avg("score"), n=Count("pk"))
    }
    for station in stations:
        rating = ratings.get(station.pk)
        station.rating_avg = float(rating["avg"]) if rating else None
        station.rating_count = rating["n"] if rating else 0
    return stations_hours_attach(stations, now)


def stations_hours_attach(stations, now: datetime | None = None) -> list[Station]:
    """Sets on each station its weekly rows (`weekly_hours`), open-now (`open_now_cached`) and the status people
    read ("今天 18:00 关门", "明天 08:00 开门": `hours_status`), from their weekly rows and their exceptions from
    yesterday to a week ahead — two queries for any number of stations.

    Open-now is worked out in Python (hours.open_at) for the stations shown rather than annotated in SQL:
    the six correlated EXISTS of open_now_q cost more to compile than the whole nearest search. The SQL
    form filters (`open_now=1`); tests hold the two to agreement."""
    stations = list(stations)
    if not stations:
        return stations
    now = local_now(now)
    ids = [s.pk for s in stations]
    weekly: dict[int, list] = defaultdict(list)
    for row in OpeningHours.objects.filter(station_id__in=ids).order_by("weekday", "opens"):
        weekly[row.station_id].append(row)
    exceptions: dict[int, list] = defaultdict(list)
    first, last = now.date() - timedelta(days=1), now.date() + timedelta(days=STATUS_HORIZON_DAYS)
    for row in HoursException.objects.filter(station_id__in=ids, date__gte=first, date__lte=last).order_by():
        exceptions[row.station_id].append(row)
    for station in stations:
        station.weekly_hours = weekly[station.pk]
        station.open_now_cached = open_at(weekly[station.pk], exceptions[station.pk], now)
        station.hours_status = hours_status(weekly[station.pk], exceptions[station.pk], now)
    return stations


def stations_filtered(
    *, kind: str = "", amenities: list[str] | None = None, open_now: bool = False, district: str = "",
    now: datetime | None = None,
) -> QuerySet[Station]:
    """Active stations with the public filters applied; unknown amenity codes are ignored by the callers'
    forms, never here (an unknown code raises KeyError-free: it is skipped)."""
    qs = Station.objects.filter(is_active=True)
    if kind:
        qs = qs.filter(kind=kind)
    if district:
        qs = qs.filter(district=district)
    for code in amenities or []:
        if code in AMENITY_CODES:
            qs = qs.filter(**{amenity_field(code): True})
    if open_now:
        qs = qs.filter(open_now_q(now))
    return qs


def text_search_q(text: str) -> Q:
    """Stations whose name, address or district hold each word of `text` (case-insensitive substrings; LIKE's
    wildcards escaped by the ORM). Words beyond SEARCH_MAX_WORDS are ignored; the callers bound the length."""
    condition = Q()
    for word in text.split()[:SEARCH_MAX_WORDS]:
        condition &= Q(name__icontains=word) | Q(address__icontains=word) | Q(district__icontains=word)
    return condition


@dataclass
class NearestResult:
    stations: list[Station]  # annotated, each with .distance_km, nearest first
    searched_km: float  # the radius finally searched
    candidate_queries: int  # SQL box queries; 0 when the in-memory index answered


# Compiled box queries of the plain filters (no open-now, which depends on the clock): key → (sql, params,
# slots of the box edges). Bounded: cleared when it grows past _BOX_SQL_CACHE_SIZE (district is free text).
_box_sql_cache: dict[tuple, tuple[str, list, list[int]]] = {}
_BOX_SQL_CACHE_SIZE = 256


def _box_sql(base: QuerySet[Station]) -> tuple[str, list, list[int]]:
    """The box query for `base`, with out-of-range sentinels where the box's edges go: the ORM compiles it
    once (its compile costs more than the indexed read); each round runs the same SQL with the edges
    swapped in."""
    boxed = base.filter(
        lat__gte=_SENTINELS[0], lat__lte=_SENTINELS[1], lng__gte=_SENTINELS[2], lng__lte=_SENTINELS[3]
    ).order_by().values_list("pk", "lat", "lng")
    sql, params = boxed.query.sql_with_params()
    params = list(params)
    return sql, params, [params.index(s) for s in _SENTINELS]


def _box_sql_for_filters(kind: str, amenities: tuple[str, ...], district: str) -> tuple[str, list, list[int]]:
    key = (kind, amenities, district)
    compiled = _box_sql_cache.get(key)
    if compiled is None:
        if len(_box_sql_cache) >= _BOX_SQL_CACHE_SIZE:
            _box_sql_cache.clear()
        compiled = _box_sql_cache[key] = _box_sql(
            stations_filtered(kind=kind, amenities=list(amenities), district=district)
        )
    return compiled


def _nearest_ids(
    *, lat: float, lng: float, limit: int, max_km: float, compiled: tuple[str, list, list[int]], using: str
) -> tuple[list[tuple[float, int]], float, int]:
    """[(distance_km, pk)] of the `limit` nearest within max_km (already clamped to the allowed range),
    nearest first; the radius searched; rounds.

    Each round reads only (id, lat, lng) of the stations in a bounding box — a range scan on the (lat, lng)
    index — and computes haversine distances on those few. Only stations inside the circle the box holds
    are certain to be ranked right; if fewer than `limit` lie there, the box is widened (sized from the
    density seen so far) and read again."""
    sql, template, slots = compiled
    params = list(template)
    radius = min(NEAREST_START_KM, max_km)
    haversine = geo.haversine_km
    rounds = 0
    with connections[using].cursor() as cursor:
        while True:
            rounds += 1
            for slot, edge in zip(slots, geo.bounding_box(lat, lng, radius), strict=True):
                params[slot] = edge
            cursor.execute(sql, params)
            inside = []
            for pk, s_lat, s_lng in cursor.fetchall():
                d = haversine(lat, lng, s_lat, s_lng)
                if d <= radius:
                    inside.append((d, pk))
            if len(inside) >= limit or radius >= max_km:
                break
            # Too few: widen. With n found in a circle of radius r, `limit` need about r·sqrt(limit/n);
            # at least triple, so sparse areas (or fewer than `limit` stations in all) take few rounds:
            # 2 → 6 → 18 → 50 km by default.
            grow = 3.0 if not inside else max(3.0, math.sqrt(limit / len(inside)) * 1.2)
            radius = min(max_km, radius * grow)
    inside.sort()
    return inside[:limit], radius, rounds


# station_rows' statement per (database alias, number of ids): the text is the same every time.
_station_rows_sql: dict[tuple[str, int], str] = {}


def _station_rows_statement(connection, n: int) -> str:
    """One statement, parts told apart by the first column: 0 the stations' columns with their rating
    average and count (correlated sub-selects on the rating's station index); 1 their weekly rows of two
    weekdays; 2 their exceptions of two dates. Each part fills its own columns and NULL in the others (one
    round trip instead of three: on a busy machine each costs the database server's CPU as well). PostgreSQL
    settles a UNION's column types branch by branch, hence the typed NULL dates."""
    key = (connection.alias, n)
    statement = _station_rows_sql.get(key)
    if statement is None:
        qn = connection.ops.quote_name
        station_t, rating_t = qn(Station._meta.db_table), qn(Rating._meta.db_table)
        hours_t, exceptions_t = qn(OpeningHours._meta.db_table), qn(HoursException._meta.db_table)
        marks = ", ".join(["%s"] * n)
        station_columns = ", ".join(f"s.{qn(c)}" for c in _LIST_COLUMNS[1:] + _AMENITY_COLUMNS)
        no_station_columns = ", ".join(["NULL"] * (len(_LIST_COLUMNS) - 1 + len(_AMENITY_COLUMNS) + 2))
        hours_columns = f"{qn('opens')}, {qn('closes')}, {qn('closes_next_day')}"
        no_date = "CAST(NULL AS DATE)"
        statement = (
            f"SELECT 0, s.{qn('id')}, {station_columns}, "  # noqa: S608 — names from the models; values bound
            f"(SELECT AVG(r.{qn('score')}) FROM {rating_t} r WHERE r.{qn('station_id')} = s.{qn('id')}), "
            f"(SELECT COUNT(*) FROM {rating_t} r WHERE r.{qn('station_id')} = s.{qn('id')}), "
            f"NULL, {no_date}, NULL, NULL, NULL, NULL FROM {station_t} s WHERE s.{qn('id')} IN ({marks}) "
            f"UNION ALL SELECT 1, {qn('station_id')}, {no_station_columns}, {qn('weekday')}, {no_date}, FALSE, "
            f"{hours_columns} FROM {hours_t} WHERE {qn('station_id')} IN ({marks}) AND {qn('weekday')} IN (%s, %s) "
            f"UNION ALL SELECT 2, {qn('station_id')}, {no_station_columns}, NULL, {qn('date')}, {qn('is_closed')}, "
            f"{hours_columns} FROM {exceptions_t} WHERE {qn('station_id')} IN ({marks}) AND {qn('date')} IN (%s, %s)"
        )
        if len(_station_rows_sql) >= 256:
            _station_rows_sql.clear()
        _station_rows_sql[key] = statement
    return statement


def station_rows(ids: list[int], now: datetime | None = None, *, using: str = "default") -> dict[int, dict]:
    """pk → what the search shows of each station (StationListSerializer's fields but distance_km), in one
    round trip for any number of stations (_station_rows_statement): the station's columns with its rating
    average and count, its weekly rows of today's and yesterday's weekday and its exceptions of those two
    dates. Open-now is hours.open_at on those rows — the same rule as everywhere else. Written as SQL: the
    ORM's compile of these queries cost several times their execution."""
    if not ids:
        return {}
    now = local_now(now)
    connection = connections[using]
    statement = _station_rows_statement(connection, len(ids))
    today = now.date()
    yesterday = today - timedelta(days=1)
    days = [connection.ops.adapt_datefield_value(today), connection.ops.adapt_datefield_value(yesterday)]
    rows: dict[int, dict] = {}
    hours: dict[int, list] = defaultdict(list)
    exceptions: dict[int, list] = defaultdict(list)
    n_list = len(_LIST_COLUMNS)
    n_station = 1 + n_list + len(_AMENITY_COLUMNS) + 2  # the part tag, then the station part's columns
    with connection.cursor() as cursor:
        # Prepared once per PostgreSQL connection: planning this UNION cost about as much as running it.
        execute_prepared(cursor, statement, [*ids, *ids, today.weekday(), yesterday.weekday(), *ids, *days])
        fetched = cursor.fetchall()
    for values in fetched:
        if values[0] == 0:
            row = dict(zip(_LIST_COLUMNS, values[1:1 + n_list], strict=True))
            flags = values[1 + n_list:n_station - 2]
            row["amenities"] = [code for code, flag in zip(AMENITY_CODES, flags, strict=True) if flag]
            avg, count = values[n_station - 2], values[n_station - 1]
            row["rating_avg"] = float(avg) if avg is not None else None
            row["rating_count"] = count
            row["open_now"] = False  # set below; here for the serializer's key order
            rows[row["id"]] = row
        else:
            station_id = values[1]
            weekday, day, is_closed, opens, closes, next_day = values[n_station:]
            hours_row = HoursRow(weekday, as_date(day), bool(is_closed), as_time(opens), as_time(closes),
                                 bool(next_day))
            (hours if values[0] == 1 else exceptions)[station_id].append(hours_row)
    for pk, row in rows.items():
        # No rows at all: closed (what open_at answers for nothing), without building its day's intervals.
        if pk in hours or pk in exceptions:
            row["open_now"] = open_at(hours.get(pk, ()), exceptions.get(pk, ()), now)
    return rows


def _nearest_database(
    *, lat: float, lng: float, limit: int, max_km: float, kind: str, amenities: list[str] | None, district: str,
    open_now: bool, now: datetime | None, base: QuerySet[Station] | None = None, using: str, q: str = "",
) -> tuple[list[tuple[float, int]], dict[int, dict], float, int]:
    """The database way: [(distance_km, pk)] of the winners, nearest first; their station_rows; the radius
    searched; the number of SQL box queries. Bounding boxes on the (lat, lng) index with the filters in SQL,
    widened until enough lie inside. What the search answers while its engine warms up, and for a caller's own
    queryset `base`; tests hold it to the engine's answers. A text query `q` draws from the stations whose
    name, address or district match it (text_search_q)."""
    if q:
        base = (base if base is not None else stations_filtered(
            kind=kind, amenities=amenities, open_now=open_now, district=district, now=now,
        )).filter(text_search_q(q))
    if base is not None:
        compiled = _box_sql(base)
    elif open_now:  # depends on the clock: compiled per search
        compiled = _box_sql(stations_filtered(kind=kind, amenities=amenities, district=district, open_now=True,
                                              now=now))
    else:
        compiled = _box_sql_for_filters(kind, tuple(sorted(set(amenities or []) & set(AMENITY_CODES))), district)
    chosen, radius, rounds = _nearest_ids(lat=lat, lng=lng, limit=limit, max_km=max_km, compiled=compiled,
                                          using=using)
    return chosen, station_rows([pk for _d, pk in chosen], now, using=using), radius, rounds


@dataclass
class StationSearchAnswer:
    """What the one search found: `hits` [(exact distance_km, pk)] nearest first, the radius searched and the
    number of SQL box queries (0 when the engine answered). `rows` are the stations as dicts with
    StationListSerializer's fields (distance_km rounded to metres); `body()` is the API's JSON page of them —
    from the engine straight from its cards' bytes. Unpacks as (rows, searched_km, box_queries)."""

    hits: list[tuple[float, int]]
    searched_km: float
    box_queries: int
    _parts: list[bytes] | None = field(default=None, repr=False)  # the engine's: each station's JSON
    _rows: list[dict] | None = field(default=None, repr=False)  # the database way's

    @property
    def rows(self) -> list[dict]:
        if self._rows is None:
            self._rows = [json.loads(part) for part in self._parts]
        return self._rows

    def body(self) -> bytes:
        if self._parts is not None:
            return answer_body(self._parts)
        text = json.dumps({"count": len(self.rows), "next": None, "previous": None, "results": self.rows},
                          ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        # As DRF's JSONRenderer writes them: compact, UTF-8, U+2028/2029 escaped.
        return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()

    def __iter__(self):
        return iter((self.rows, self.searched_km, self.box_queries))

    def __getitem__(self, position):
        return tuple(self)[position]


def station_search(
    *, lat: float, lng: float, limit: int = 10, max_km: float = NEAREST_DEFAULT_MAX_KM, kind: str = "",
    amenities: list[str] | None = None, district: str = "", open_now: bool = False, q: str = "",
    now: datetime | None = None, anywhere: bool = False, use_index: bool = True,
) -> StationSearchAnswer:
    """The one station search from a point, whatever its filters (kind, amenities, district, open-now, text):
    the `limit` nearest active stations matching them within max_km, nearest first. Every door calls it — the
    API (its plain path and its DRF view), the finder page (stations_find through stations_nearest) — and it
    answers from one engine: the process's cards and the index over them (cards.search_engine; no database
    round trip, or one poll of the change log). The database way (_nearest_database) answers only while the
    engine is not built yet (a worker's warm-up, another thread building it); `use_index=False` forces it, for
    the tests that hold the two to the same answers. `anywhere` lifts the radius's cap (NEAREST_MAX_KM) to the
    whole Earth, for "the nearest one beyond the radius"."""
    using = Station.objects.db
    max_km = max(0.01, min(max_km, ANYWHERE_KM if anywhere else NEAREST_MAX_KM))
    now = local_now(now)  # one moment for the filter and the rows
    engine = search_engine(using=using, now=now) if use_index else None
    if engine is not None:
        hits = engine.nearest(lat=lat, lng=lng, limit=limit, max_km=max_km, kind=kind, amenities=amenities or (),
                              district=district, open_now=open_now, q=q, now=now)
        if hits is not None:
            return StationSearchAnswer(hits=hits, searched_km=max_km, box_queries=0,
                                       _parts=engine.answer_parts(hits, now))
    hits, details, radius, rounds = _nearest_database(
        lat=lat, lng=lng, limit=limit, max_km=max_km, kind=kind, amenities=amenities, district=district,
        open_now=open_now, now=now, using=using, q=q,
    )
    rows = []
    for d, pk in hits:
        row = details.get(pk)
        if row is not None:
            row["distance_km"] = round(d, 3)
            rows.append(row)
    return StationSearchAnswer(hits=hits, searched_km=radius, box_queries=rounds, _rows=rows)


def stations_nearest(
    *, lat: float, lng: float, limit: int = 10, max_km: float = NEAREST_DEFAULT_MAX_KM, kind: str = "",
    amenities: list[str] | None = None, district: str = "", open_now: bool = False, q: str = "",
    base: QuerySet[Station] | None = None, now: datetime | None = None, anywhere: bool = False,
) -> NearestResult:
    """station_search's answer as Station objects for pages (name, place, amenities, rating, open-now, the exact
    distance; not their weekly hours). With `base`, a caller's own queryset, the stations are drawn from it
    instead, the database way (no door does). Same results on SQLite and PostgreSQL."""
    if base is not None:
        using = base.db
        hits, details, radius, rounds = _nearest_database(
            lat=lat, lng=lng, limit=limit, max_km=max(0.01, min(max_km, ANYWHERE_KM if anywhere else NEAREST_MAX_KM)),
            kind=kind, amenities=amenities, district=district, open_now=open_now, now=now, base=base, using=using,
            q=q,
        )
        rows = [details[pk] for _d, pk in hits if pk in details]
    else:
        using = Station.objects.db
        answer = station_search(lat=lat, lng=lng, limit=limit, max_km=max_km, kind=kind, amenities=amenities,
                                district=district, open_now=open_now, q=q, now=now, anywhere=anywhere)
        hits, rows, radius, rounds = answer.hits, answer.rows, answer.searched_km, answer.box_queries
    distances = {pk: d for d, pk in hits}
    stations = stations_from_rows(rows, using=using)
    for station in stations:
        station.distance_km = distances[station.pk]
    return NearestResult(stations=stations, searched_km=radius, candidate_queries=rounds)


def stations_from_rows(rows: list[dict], *, using: str = "default") -> list[Station]:
    """The searches' rows (StationListSerializer's fields) as Station objects for pages, with rating_avg,
    rating_count and open_now_cached set; no query."""
    stations = []
    for row in rows:
        amenity_set = set(row["amenities"])
        station = Station(
            **{c: row[c] for c in _LIST_COLUMNS},
            **{amenity_field(code): code in amenity_set for code in AMENITY_CODES},
        )
        station._state.adding, station._state.db = False, using
        station.rating_avg, station.rating_count = row["rating_avg"], row["rating_count"]
        station.open_now_cached = row["open_now"]
        stations.append(station)
    return stations


class StationListing:
    """The stations a list without a point shows, in list order (stations/cards.py says which): `len()` is how
    many match, and a slice is those stations as rows (dicts with StationListSerializer's fields, distance_km
    None), read for that slice only — what a paginator (Django's, DRF's) pages."""

    def __init__(self, ids: list[int], rows_of, *, from_engine: bool):
        self.ids = ids
        self._rows_of = rows_of
        self.from_engine = from_engine  # False: the database way answered

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._rows_of(self.ids[index])
        return self._rows_of([self.ids[index]])[0]


def _code_point_order(connection, column: str):
    """`column` ordered by code point, as Python compares strings (SQLite's BINARY collation already does)."""
    return Collate(F(column), "C") if connection.vendor == "postgresql" else F(column)


def station_list(
    *, kind: str = "", amenities: list[str] | None = None, district: str = "", open_now: bool = False, q: str = "",
    now: datetime | None = None, use_index: bool = True,
) -> StationListing:
    """The one list without a point, whatever its filters (kind, amenities, district, open-now, text): every
    matching active station in list order — district, then name, then id, by code point. The finder's paged list
    and the API without lat/lng call it. It answers from station_search's engine (cards.search_engine: the ids
    from the cards, each page's rows from their JSON); the database way answers only while the engine is not
    built yet, and `use_index=False` forces it, for the tests that hold the two to the same answers."""
    using = Station.objects.db
    now = local_now(now)
    engine = search_engine(using=using, now=now) if use_index else None
    if engine is not None:
        ids = engine.listing(kind=kind, amenities=amenities or (), district=district, open_now=open_now, q=q,
                             now=now)
        if ids is not None:
            return StationListing(ids, lambda page: [json.loads(part) for part in engine.answer_parts(
                [(None, pk) for pk in page], now)], from_engine=True)
    stations = stations_filtered(kind=kind, amenities=amenities, district=district, open_now=open_now, now=now)
    if q:
        stations = stations.filter(text_search_q(q))
    connection = connections[using]
    ids = list(stations.order_by(_code_point_order(connection, "district"), _code_point_order(connection, "name"),
                                 "id").values_list("pk", flat=True))

    def rows_of(page: list[int]) -> list[dict]:
        rows = station_rows(page, now, using=using)
        return [{**rows[pk], "distance_km": None} for pk in page if pk in rows]

    return StationListing(ids, rows_of, from_engine=False)


@dataclass
class FinderAnswer:
    stations: list[Station]  # nearest first, each with .distance_km and its hours (stations_hours_attach)
    # When none lie within the radius: the nearest station beyond it that matches the filters, or — when none
    # matches anywhere and filters are set — the nearest of all (beyond_matches False); None if there is none.
    beyond: Station | None = None
    beyond_matches: bool = True


def stations_find(
    *, lat: float, lng: float, radius_km: float, limit: int, kind: str = "", amenities: list[str] | None = None,
    open_now: bool = False, district: str = "", q: str = "", now: datetime | None = None,
) -> FinderAnswer:
    """The finder page's search from a point: the `limit` nearest matching stations within radius_km, and
    when there are none, the nearest one beyond; the one search (station_search's engine, as Station objects)."""

    def nearest(*, limit, max_km, anywhere=False, **filters):
        return stations_nearest(lat=lat, lng=lng, limit=limit, max_km=max_km, now=now, anywhere=anywhere,
                                **filters).stations

    filters = {"kind": kind, "amenities": list(amenities or []), "open_now": open_now, "district": district, "q": q}
    stations = nearest(limit=limit, max_km=radius_km, **filters)
    answer = FinderAnswer(stations=stations)
    if not stations:
        beyond = nearest(limit=1, max_km=ANYWHERE_KM, anywhere=True, **filters)
        if not beyond and any(filters.values()):
            answer.beyond_matches = False
            beyond = nearest(limit=1, max_km=ANYWHERE_KM, anywhere=True, kind="", amenities=[], open_now=False,
                             district="", q="")
        answer.beyond = beyond[0] if beyond else None
    stations_hours_attach([*answer.stations, *([answer.beyond] if answer.beyond else [])], now)
    return answer


def district_centre(district: str) -> tuple[float, float] | None:
    """Where "nearest in this district" measures from: the mean position of its active stations."""
    row = Station.objects.filter(is_active=True, district=district).aggregate(lat=Avg("lat"), lng=Avg("lng"))
    if row["lat"] is None:
        return None
    return row["lat"], row["lng"]


def districts() -> list[str]:
    return list(
        Station.objects.filter(is_active=True).order_by("district").values_list("district", flat=True).distinct()
    )


def stations_managed_by(user) -> QuerySet[Station]:
    """Stations a staff user manages: those of the branches in their scope (station manager or branch admin
    roles; superusers all). The one door for admin, API, exports and staff pages."""
    return Station.objects.filter(branch__in=branches_in_scope(user, roles=STATION_MANAGER_ROLES))


def visit_daily_counts(*, stations: QuerySet[Station], date_from, date_to) -> list[dict]:
    """Counted visits per station and local day: [{station_id, station__name, day, visits, people, unverified}].
    `people` counts verified numbers only (a signed-in user's); visits with a typed-in number, which anyone can
    make up, are `unverified`, counted apart."""
    return list(
        Visit.objects.filter(
            station__in=stations,
            visited_at__gte=datetime.combine(date_from, datetime.min.time(), tzinfo=LOCAL_TZ),
            visited_at__lt=datetime.combine(date_to + timedelta(days=1), datetime.min.time(), tzinfo=LOCAL_TZ),
        )
        .annotate(day=TruncDate("visited_at", tzinfo=LOCAL_TZ))
        .values("station_id", "station__name", "day")
        .annotate(visits=Count("pk"), people=Count("mobile", distinct=True, filter=Q(mobile_verified=True)),
                  unverified=Count("pk", filter=Q(mobile_verified=False)))
        .order_by("-day", "station__name")
    )


NAV_MODES = ("walk", "ride", "drive")
# Each map's word for the mode in its web URI.
AMAP_MODES = {"walk": "walk", "ride": "ride", "drive": "car"}
QQ_MODES = {"walk": "walk", "ride": "bike", "drive": "drive"}


def nav_links(station: Station) -> dict[str, str]:
    """Navigation to the station as web addresses that open in any browser and inside WeChat (where the posters
    send people, and where an app-only `baidumap://` link does nothing), each map app taking over if installed:
    AutoNavi (高德) and Tencent (腾讯) for walking, riding and driving, Baidu (百度) its place page, which offers
    the route. All take GCJ-02 coordinates. "amap" (walking) and "baidu" keep the API's earlier keys."""
    g_lat, g_lng = geo.wgs84_to_gcj02(station.lat, station.lng)
    name, address = quote(station.name), quote(station.address or station.name)
    links = {}
    for mode in NAV_MODES:
        links[f"amap_{mode}"] = (
            f"https://uri.amap.com/navigation?to={g_lng:.6f},{g_lat:.6f},{name}&mode={AMAP_MODES[mode]}"
            "&coordinate=gaode&callnative=1&src=union-portal"
        )
        links[f"qq_{mode}"] = (
            f"https://apis.map.qq.com/uri/v1/routeplan?type={QQ_MODES[mode]}&to={name}"
            f"&tocoord={g_lat:.6f},{g_lng:.6f}&referer=union-portal"
        )
    links["baidu"] = (
        f"https://api.map.baidu.com/marker?location={g_lat:.6f},{g_lng:.6f}&title={name}&content={address}"
        "&coord_type=gcj02&output=html&src=union-portal"
    )
    links["amap"] = links["amap_walk"]
    return links
