"""The search's cards: what the search API shows of every active station, held in each process that searches, so
the common search (a position, a radius, a limit, a kind, amenities) answers from memory without a database
round trip.

What a card holds: the station's JSON as the API writes it (StationListSerializer's fields, compact, UTF-8,
U+2028/2029 escaped as DRF's JSONRenderer does) up to `"open_now":`, which the answer completes with open-now
and the distance; and the station's weekly opening rows and its exceptions from yesterday on, from which
open-now is worked out at the moment of each answer with hours.open_at — the rule used everywhere else.
Stations with the same weekly hours share one tuple of rows. About 80 MB for 200,000 stations
(bench/bench_stations_nearest.py).

How the cards stay current: database triggers (migration 0004) log every write to a station, its hours, its
exceptions and its ratings in StationChange, in the writer's transaction. A process reads that log at most
every STATIONS_SEARCH_REFRESH_SECONDS (a poll: one statement that also reads the nearest-search index's
version token), then reads again the cards of the stations it names (one more statement, only when there are
some) and rebuilds the index if its token moved. So an answer reflects every change committed more than that
many seconds before it, and the searches between two polls touch no database at all. Rows on PostgreSQL commit
out of the order they were written: see migration 0004 for why the watermark is a snapshot's xmin there.

Searches inside a transaction (which may see its own uncommitted writes), and a process whose cards are being
built by another thread, answer the database way instead (selectors.station_search).
"""

import json
import logging
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections

from .hours import open_at
from .index import StationIndex, station_index
from .models import (
    AMENITY_CODES,
    HoursException,
    OpeningHours,
    Rating,
    Station,
    StationChange,
    StationIndexVersion,
)
from .selectors import _AMENITY_COLUMNS, _LIST_COLUMNS, NEAREST_MAX_KM, _as_date, _as_time, _HoursRow, local_now

# More stations changed than this since the last poll (an import): build everything again rather than read
# them by id.
FULL_BUILD_ABOVE = 5000
# A process that has not polled for this long builds everything again: the log it would read from may have
# been pruned meanwhile (stations.tasks.station_changes_prune keeps a day).
FULL_BUILD_AFTER_SECONDS = 6 * 3600
_IDS_PER_STATEMENT = 500  # SQLite's bound parameters per statement are limited

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class SearchCards:
    """One process's cards for one database. The poller mutates it in place under _poll_lock; readers only
    read (dict lookups and attribute reads are atomic under the GIL)."""

    index: StationIndex
    cards: dict[int, bytes] = field(repr=False)
    weekly: dict[int, tuple[_HoursRow, ...]] = field(repr=False)  # stations with weekly rows only
    exceptions: dict[int, tuple[_HoursRow, ...]] = field(repr=False)  # stations with exceptions only
    watermark: int = 0
    polled_at: float = 0.0  # time.monotonic() of the poll the cards are current for

    def __len__(self) -> int:
        return len(self.cards)

    def nbytes(self) -> int:
        """Bytes of the cards' JSON (the bulk of what they hold)."""
        return sum(len(c) for c in self.cards.values())

    def memory_bytes(self) -> int:
        """Bytes held by the cards as Python counts them: the JSON objects, the dicts with their keys, and each
        distinct tuple of hours rows once (most are shared). Not the index, which has its own figure."""
        seen: set[int] = set()
        total = 0
        for table in (self.cards, self.weekly, self.exceptions):
            total += sys.getsizeof(table) + sum(sys.getsizeof(pk) for pk in table)
            for value in table.values():
                if id(value) in seen:
                    continue
                seen.add(id(value))
                total += sys.getsizeof(value)
                if isinstance(value, tuple):
                    total += sum(sys.getsizeof(row) for row in value if id(row) not in seen)
                    seen.update(id(row) for row in value)
        return total


_published: dict[str, SearchCards] = {}
_poll_lock = threading.Lock()


# --- reading cards --------------------------------------------------------------------------------------------


# As DRF's JSONRenderer writes (compact, UTF-8, no NaN); one encoder, not one per card.
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _encode_card(values, amenity_flags, rating_avg, rating_count) -> bytes:
    row = dict(zip(_LIST_COLUMNS, values, strict=True))
    row["amenities"] = [code for code, flag in zip(AMENITY_CODES, amenity_flags, strict=True) if flag]
    row["rating_avg"] = float(rating_avg) if rating_avg is not None else None
    row["rating_count"] = rating_count or 0
    text = _ENCODER.encode(row)[:-1] + ',"open_now":'
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()


def _read_cards(using: str, ids: list[int] | None, today) -> tuple[dict, dict, dict]:
    """(cards, weekly, exceptions) of the active stations among `ids`, or of all with ids None. Three statements
    (per 500 ids): the stations with their rating average and count, their weekly rows, their exceptions from
    yesterday on."""
    connection = connections[using]
    qn = connection.ops.quote_name
    station_t, rating_t = qn(Station._meta.db_table), qn(Rating._meta.db_table)
    hours_t, exceptions_t = qn(OpeningHours._meta.db_table), qn(HoursException._meta.db_table)
    columns = ", ".join(f"s.{qn(c)}" for c in _LIST_COLUMNS + _AMENITY_COLUMNS)
    times = f"{qn('opens')}, {qn('closes')}, {qn('closes_next_day')}"
    yesterday = connection.ops.adapt_datefield_value(today - timedelta(days=1))
    n_list = len(_LIST_COLUMNS)
    n_amenities = len(_AMENITY_COLUMNS)
    cards: dict[int, bytes] = {}
    weekly_rows: dict[int, list] = {}
    exception_rows: dict[int, list] = {}
    chunks = [None] if ids is None else [ids[i:i + _IDS_PER_STATEMENT] for i in range(0, len(ids), _IDS_PER_STATEMENT)]
    with connection.cursor() as cursor:
        for chunk in chunks:
            if chunk is None:
                # All of them: the ratings grouped once, not looked up station by station.
                cursor.execute(
                    f"SELECT {columns}, r.avg_score, r.n FROM {station_t} s LEFT JOIN ("  # noqa: S608 — names from models
                    f"SELECT {qn('station_id')} AS station_id, AVG({qn('score')}) AS avg_score, COUNT(*) AS n "
                    f"FROM {rating_t} GROUP BY {qn('station_id')}) r ON r.station_id = s.{qn('id')} "
                    f"WHERE s.{qn('is_active')}"
                )
                of_stations, params = "", []
            else:
                marks = ", ".join(["%s"] * len(chunk))
                of_stations, params = f"{qn('station_id')} IN ({marks})", chunk
                cursor.execute(
                    f"SELECT {columns}, "  # noqa: S608 — names from the models; values bound
                    f"(SELECT AVG(r.{qn('score')}) FROM {rating_t} r WHERE r.{qn('station_id')} = s.{qn('id')}), "
                    f"(SELECT COUNT(*) FROM {rating_t} r WHERE r.{qn('station_id')} = s.{qn('id')}) "
                    f"FROM {station_t} s WHERE s.{qn('is_active')} AND s.{qn('id')} IN ({marks})",
                    params,
                )
            while batch := cursor.fetchmany(10_000):
                for values in batch:
                    cards[values[0]] = _encode_card(values[:n_list], values[n_list:n_list + n_amenities],
                                                    values[-2], values[-1])
            cursor.execute(
                f"SELECT {qn('station_id')}, {qn('weekday')}, {times} FROM {hours_t}"  # noqa: S608
                + (f" WHERE {of_stations}" if of_stations else ""),
                params,
            )
            for station_id, weekday, opens, closes, next_day in cursor.fetchall():
                weekly_rows.setdefault(station_id, []).append(
                    _HoursRow(weekday, None, False, _as_time(opens), _as_time(closes), bool(next_day)))
            cursor.execute(
                f"SELECT {qn('station_id')}, {qn('date')}, {qn('is_closed')}, {times} FROM {exceptions_t} "  # noqa: S608
                f"WHERE {qn('date')} >= %s" + (f" AND {of_stations}" if of_stations else ""),
                [yesterday, *params],
            )
            for station_id, day, is_closed, opens, closes, next_day in cursor.fetchall():
                exception_rows.setdefault(station_id, []).append(
                    _HoursRow(None, _as_date(day), bool(is_closed), _as_time(opens), _as_time(closes),
                              bool(next_day)))
    shared: dict[tuple, tuple] = {}  # one tuple per distinct week: most stations keep common hours
    weekly = {}
    for station_id, rows in weekly_rows.items():
        if station_id in cards:
            key = tuple(sorted(rows, key=lambda r: (r.weekday, r.opens)))
            weekly[station_id] = shared.setdefault(key, key)
    exceptions = {pk: tuple(rows) for pk, rows in exception_rows.items() if pk in cards}
    return cards, weekly, exceptions


# --- polling --------------------------------------------------------------------------------------------------


def _poll(using: str, watermark: int | None) -> tuple[int | None, int, set[int]]:
    """(the index's version token or None, the new watermark, the stations logged at or after `watermark`)
    in one statement; with watermark None, no stations."""
    connection = connections[using]
    qn = connection.ops.quote_name
    version_t, log_t = qn(StationIndexVersion._meta.db_table), qn(StationChange._meta.db_table)
    if connection.vendor == "postgresql":
        mark = "SELECT 1, pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
        since = f"{qn('txid')} >= %s"
    else:
        mark = f"SELECT 1, COALESCE(MAX({qn('id')}), 0) + 1 FROM {log_t}"  # noqa: S608
        since = f"{qn('id')} >= %s"
    sql = f"SELECT 0, {qn('token')} FROM {version_t} WHERE {qn('id')} = 1 UNION ALL {mark}"  # noqa: S608
    params = []
    if watermark is not None:
        sql += f" UNION ALL SELECT DISTINCT 2, {qn('station_id')} FROM {log_t} WHERE {since}"  # noqa: S608
        params.append(watermark)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    token, new_watermark, changed = None, 0, set()
    for part, value in rows:
        if part == 0:
            token = value
        elif part == 1:
            new_watermark = value
        else:
            changed.add(value)
    return token, new_watermark, changed


def _build(using: str, started: float) -> SearchCards | None:
    token, watermark, _changed = _poll(using, None)  # before the reads: a change made meanwhile is read again
    if token is None:
        return None
    index = station_index(using=using, token=token)
    if index is None:
        return None
    cards, weekly, exceptions = _read_cards(using, None, local_now().date())
    return SearchCards(index=index, cards=cards, weekly=weekly, exceptions=exceptions, watermark=watermark,
                       polled_at=started)


def _refresh(current: SearchCards, using: str, started: float) -> SearchCards | None:
    """Brings `current` up to date in place; a new SearchCards (or None) when everything must be built again."""
    token, watermark, changed = _poll(using, current.watermark)
    if token is None:
        return None
    if 0 in changed or len(changed) > FULL_BUILD_ABOVE or watermark < current.watermark:
        # A TRUNCATE; an import; or SQLite's log emptied and its ids begun again (a flush).
        return _build(using, started)
    if changed:
        cards, weekly, exceptions = _read_cards(using, sorted(changed), local_now().date())
        # Set the new cards before dropping gone ones, so a reader never misses a station that is still there.
        for pk in changed:
            if pk in cards:
                current.cards[pk] = cards[pk]
        for pk in changed:
            if pk not in cards:
                current.cards.pop(pk, None)
            if pk in weekly:
                current.weekly[pk] = weekly[pk]
            else:
                current.weekly.pop(pk, None)
            if pk in exceptions:
                current.exceptions[pk] = exceptions[pk]
            else:
                current.exceptions.pop(pk, None)
    if token != current.index.token:
        # After the cards: a station the new index holds has its card (or is read for the answer, see below).
        # None when another thread is building it: the next poll tries again (the token still differs).
        current.index = station_index(using=using, token=token) or current.index
    current.watermark = watermark
    current.polled_at = started
    return current


def search_cards(*, using: str = "default") -> SearchCards | None:
    """The process's cards, brought up to date first if STATIONS_SEARCH_REFRESH_SECONDS have passed since they
    were; None when the search should go the database way: inside a transaction, before the first build has
    finished (another thread is doing it), or without the index's version row."""
    connection = connections[using]
    if connection.in_atomic_block:
        return None
    current = _published.get(using)
    now = time.monotonic()
    if current is not None and now - current.polled_at < settings.STATIONS_SEARCH_REFRESH_SECONDS:
        return current
    if not _poll_lock.acquire(blocking=False):
        return current  # another thread is polling: these cards are at most one poll behind
    try:
        current = _published.get(using)
        if current is None or now - current.polled_at > FULL_BUILD_AFTER_SECONDS:
            fresh = _build(using, now)
        else:
            fresh = _refresh(current, using, now)
        if fresh is None:
            _published.pop(using, None)
        else:
            _published[using] = fresh
        return fresh
    finally:
        _poll_lock.release()


def warm_in_background(*, using: str = "default") -> threading.Thread:
    """Builds the process's index and cards in a thread of their own (gunicorn.conf.py's post_worker_init), so
    that no request waits seconds for them; requests meanwhile answer the database way. A failure here only
    means the first search builds them."""

    def warm():
        try:
            search_cards(using=using)
        except Exception:
            logger.exception("stations: building the search's cards at start failed")
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=warm, name="stations-search-warm", daemon=True)
    thread.start()
    return thread


def cards_forget(*, using: str = "default") -> None:
    """Drops the process's cards (tests; a memory measurement)."""
    _published.pop(using, None)


# --- answering ------------------------------------------------------------------------------------------------


def nearest_answer(
    *, lat: float, lng: float, limit: int, max_km: float, kind: str = "", amenities: list[str] | tuple = (),
    using: str = "default", now: datetime | None = None,
) -> bytes | None:
    """The search API's answer body for the `limit` nearest active stations of `kind` with all `amenities`
    within max_km — the bytes the DRF view would write for selectors.station_search — or None when the cards
    cannot answer (search_cards)."""
    current = search_cards(using=using)
    if current is None:
        return None
    chosen = current.index.nearest(lat=lat, lng=lng, limit=limit, max_km=max(0.01, min(max_km, NEAREST_MAX_KM)),
                                   kind=kind, amenities=amenities)
    if not chosen:
        return b'{"count":0,"next":null,"previous":null,"results":[]}'
    now = local_now(now)
    sources = [(current.cards, current.weekly, current.exceptions)]
    missing = [pk for _d, pk in chosen if pk not in current.cards]
    if missing:
        # The index moved ahead of the cards (rebuilt by another search after this process's last poll): read
        # those few for this answer only; the next poll stores them.
        sources.insert(0, _read_cards(using, missing, now.date()))
    parts = []
    for d, pk in chosen:
        cards, weekly, exceptions = next((s for s in sources if pk in s[0]), sources[-1])
        card = cards.get(pk)
        if card is None:  # gone since the index was built
            continue
        week, days_off = weekly.get(pk), exceptions.get(pk)
        is_open = (week is not None or days_off is not None) and open_at(week or (), days_off or (), now)
        parts.append(b"%s%s,\"distance_km\":%s}" % (card, b"true" if is_open else b"false",
                                                    repr(round(d, 3)).encode()))
    return b'{"count":%d,"next":null,"previous":null,"results":[%s]}' % (len(parts), b",".join(parts))
