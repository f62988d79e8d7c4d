"""The station search's engine: every active station's card, hours and searchable text, and the nearest index
built from the same rows, held in each process that searches. Every search from a point (selectors.station_search:
the API, the finder page; kind, amenities, district, open-now, text) answers from it without a database round
trip, or with one poll of the change log; so does the list without a point (selectors.station_list: the finder's
paged list, the API without lat/lng), in list order.

List order: district, then name, then id, each text compared by code point (for Chinese that is Unicode's
radical-and-stroke order), which Python, SQLite's BINARY collation and PostgreSQL's "C" collation all agree on;
the database's own collation (a locale's, pinyin or not) would differ from one server to the next.

What a card holds: the station's JSON as the API writes it (StationListSerializer's fields, compact, UTF-8,
U+2028/2029 escaped as DRF's JSONRenderer does) up to `"open_now":`, which the answer completes with open-now
and the distance; the station's weekly opening rows and its exceptions from yesterday on, from which open-now
is worked out at the moment of each answer with hours.open_at — the rule used everywhere else; its name,
address and district, lower-cased, for the text search. Stations with the same weekly hours share one tuple of
rows. The memory for 200,000 stations: docs/benchmarks.md (bench/bench_stations_nearest.py).

How it stays current: database triggers (migration 0004) log every write to a station, its hours, its
exceptions and its ratings in StationChange, in the writer's transaction. A process reads that log at most
every STATIONS_SEARCH_REFRESH_SECONDS (a poll: one statement that also reads the nearest-search index's
version token, which triggers of migration 0003 move when an indexed column changes), then reads again the
cards of the stations it names (only when there are some) and rebuilds the index if its token moved. So an
answer reflects every change committed more than that many seconds before it, and the searches between two
polls touch no database at all. Rows on PostgreSQL commit out of the order they were written: see migration
0004 for why the watermark is a snapshot's xmin there.

Why triggers rather than a version the station services bump: not every write that changes what a search shows
goes through the services — the admin's inline formsets and delete views (with their cascades to hours,
exceptions and ratings), bulk_create in the importer and the demo, data fixed in SQL — and a write that forgot
to bump would leave every process stale until a full rebuild; the triggers see them all, in the writer's
transaction (tests/stations/test_search.py writes by each path). docs/stations.md says more.

Inside a transaction (which may see its own uncommitted writes) the engine is built for that one search and
never shared (search_engine). While the shared engine is being built (a worker's warm-up, another thread), the
search answers the database way (selectors.station_search).
"""

import json
import logging
import sys
import threading
import time
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connections

from .hours import HoursRow, as_date, as_time, local_now, open_at
from .index import StationIndex, index_from_rows, station_index
from .models import (
    AMENITY_CODES,
    HoursException,
    OpeningHours,
    Rating,
    Station,
    StationChange,
    StationIndexVersion,
    amenity_field,
)

# What the search shows of a station (StationListSerializer's fields but amenities, rating, open-now and the
# distance), in the order the cards and selectors.station_rows read them.
LIST_COLUMNS = ["id", "code", "kind", "name", "partner_type", "partner_name", "district", "address", "lat", "lng",
                "phone"]
AMENITY_COLUMNS = [amenity_field(code) for code in AMENITY_CODES]
# The nearest search's largest radius (the API's bound); "the nearest beyond it" lifts it (selectors.ANYWHERE_KM).
NEAREST_MAX_KM = 500.0
# A text search: at most this many words, each a case-insensitive substring of the name, address or district.
SEARCH_MAX_WORDS = 5

# More stations changed than this since the last poll (an import): build everything again rather than read
# them by id.
FULL_BUILD_ABOVE = 5000
# A process that has not polled for this long builds everything again: the log it would read from may have
# been pruned meanwhile (stations.tasks.station_changes_prune keeps a day).
FULL_BUILD_AFTER_SECONDS = 6 * 3600
_IDS_PER_STATEMENT = 500  # SQLite's bound parameters per statement are limited

logger = logging.getLogger(__name__)


class _CardMissing(Exception):
    """The index holds a station the cards do not have yet (see SearchCards.nearest)."""


@dataclass(eq=False)
class SearchCards:
    """One process's search engine for one database: the cards, the stations' hours and searchable text, and the
    nearest index over them. The poller mutates it in place under _poll_lock; readers only read (dict lookups
    and attribute reads are atomic under the GIL)."""

    index: StationIndex
    cards: dict[int, bytes] = field(repr=False)
    weekly: dict[int, tuple[HoursRow, ...]] = field(repr=False)  # stations with weekly rows only
    exceptions: dict[int, tuple[HoursRow, ...]] = field(repr=False)  # stations with exceptions only
    # name, address and district, lower-cased, as UTF-8 joined by U+001F (whitespace to str.split, so no search
    # word holds it and none matches across two fields): what a text search looks in
    texts: dict[int, bytes] = field(repr=False)
    # What the list without a point needs: (list_key(district, name), kind, amenity bits) of each station
    listed: dict[int, tuple[str, str, int]] = field(repr=False, default_factory=dict)
    # The stations in list order, built at the first list after the cards changed (_refresh resets it)
    # ids, their keys, and the ids left by each (district, kind, amenities) asked since
    _list_order: tuple[list[int], list[str], dict] | None = field(repr=False, default=None)
    watermark: int = 0
    polled_at: float = 0.0  # time.monotonic() of the poll the cards are current for
    token: int | None = None  # the index version the last poll read
    # The last poll found the index's version moved but could not rebuild it (another thread held the build):
    # until a poll does, searches answer the database way rather than from an index older than the cards.
    index_stale: bool = False
    using: str = "default"
    # The first date whose exceptions every card holds (the day before the last read of cards): open-now before
    # its next day is left to the database way.
    exceptions_from: date = date.min

    def __len__(self) -> int:
        return len(self.cards)

    def nbytes(self) -> int:
        """Bytes of the cards' JSON (the bulk of what they hold)."""
        return sum(len(c) for c in self.cards.values())

    def memory_bytes(self) -> int:
        """Bytes held by the cards as Python counts them: the JSON objects, the texts, the dicts with their keys,
        and each distinct tuple of hours rows once (most are shared). Not the index, which has its own figure."""
        seen: set[int] = set()
        total = 0
        for table in (self.cards, self.texts, self.listed, self.weekly, self.exceptions):
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

    # --- the search ---------------------------------------------------------------------------------------

    def is_open(self, pk: int, now: datetime) -> bool:
        """hours.open_at on the station's rows (`now` in Asia/Shanghai); no rows at all: closed."""
        week, days_off = self.weekly.get(pk), self.exceptions.get(pk)
        return (week is not None or days_off is not None) and open_at(week or (), days_off or (), now)

    def open_check(self, now: datetime):
        """is_open at `now` for one search or list: most stations share one tuple of weekly rows, so each shared
        week is decided once."""
        weeks: dict[int, bool] = {}
        weekly, exceptions = self.weekly, self.exceptions

        def check(pk: int) -> bool:
            week = weekly.get(pk)
            if pk in exceptions or week is None:
                return self.is_open(pk, now)
            known = weeks.get(id(week))
            if known is None:
                known = weeks[id(week)] = open_at(week, (), now)
            return known

        return check

    def nearest(
        self, *, lat: float, lng: float, limit: int, max_km: float, kind: str = "",
        amenities: list[str] | tuple = (), district: str = "", open_now: bool = False, q: str = "",
        now: datetime | None = None,
    ) -> list[tuple[float, int]] | None:
        """[(distance_km, pk)] of the `limit` nearest active stations within max_km matching every filter,
        nearest first, ties by id — what the database way (selectors.station_search with use_index=False)
        answers. The index filters kind, amenities and district itself; open-now (hours.open_at at `now`, the
        rule used everywhere) and the text (each of the first SEARCH_MAX_WORDS words a substring of the name,
        address or district, case-insensitive) are asked of the few stations that would enter the answer.

        None when these cards cannot answer: their index is stale (see index_stale), or it holds a station
        whose card is not read yet and open-now or text must be decided from it (the index is rebuilt from
        the database after the cards are read, so a station committed in between is in it first; the next
        poll reads its card)."""
        now = local_now(now)
        if self.index_stale or now.date() - timedelta(days=1) < self.exceptions_from:
            return None
        checks = []
        if open_now:
            checks.append(self.open_check(now))
        words = text_words(q)
        if words:
            texts = self.texts

            def text_check(pk: int) -> bool:
                text = texts[pk]
                return all(word in text for word in words)

            checks.append(text_check)
        accept = None
        if checks:
            cards = self.cards

            def accept(pk: int) -> bool:
                if pk not in cards:
                    raise _CardMissing
                return all(check(pk) for check in checks)

        try:
            return self.index.nearest(lat=lat, lng=lng, limit=limit, max_km=max_km, kind=kind, amenities=amenities,
                                      district=district, accept=accept)
        except _CardMissing:
            return None

    def listing(
        self, *, kind: str = "", amenities: list[str] | tuple = (), district: str = "", open_now: bool = False,
        q: str = "", now: datetime | None = None,
    ) -> list[int] | None:
        """The ids of the active stations matching every filter, in list order (see the module's docstring) —
        what the database way (selectors.station_list with use_index=False) answers; a list the caller must not
        change (it may be the one these cards keep). None when open-now must be decided on a day these cards do
        not hold the exceptions of (as nearest)."""
        now = local_now(now)
        if open_now and now.date() - timedelta(days=1) < self.exceptions_from:
            return None
        ordered = self._list_order
        if ordered is None:
            listed = self.listed
            pks = sorted(listed, key=lambda pk: (listed[pk][0], pk))
            ordered = self._list_order = (pks, [listed[pk][0] for pk in pks], {})
        order, keys, subsets = ordered
        mask = 0
        for code in amenities:
            if code in AMENITY_CODES:  # unknown codes are ignored, as stations_filtered does
                mask |= 1 << AMENITY_CODES.index(code)
        # The part of the list the filters that change only with the stations keep (district, kind, amenities):
        # worked out once per order and kept beside it (few combinations are asked), the list as it is without them.
        found = subsets.get((district, kind, mask))
        if found is None:
            found = order
            if district:
                # List order begins with the district: its stations are one run of it.
                found = found[bisect_left(keys, district + _LIST_KEY_SEPARATOR):bisect_left(keys, district + "\x01")]
            if kind or mask:
                listed = self.listed
                # .get: a poll may drop a station while a list reads an order sorted before it; it is gone.
                found = [pk for pk in found if (entry := listed.get(pk)) is not None
                         and (not kind or entry[1] == kind) and entry[2] & mask == mask]
            if len(subsets) >= _LIST_SUBSETS_KEPT:
                subsets.clear()
            subsets[(district, kind, mask)] = found
        texts = self.texts
        for word in text_words(q):
            found = [pk for pk in found if word in texts.get(pk, b"")]
        if open_now:
            is_open = self.open_check(now)
            found = [pk for pk in found if is_open(pk)]
        return found

    def answer_parts(self, chosen: list[tuple[float | None, int]], now: datetime | None = None) -> list[bytes]:
        """Each chosen station's JSON as the API writes it, open-now worked out at `now` and the distance
        rounded to metres, in the order given. A station the index holds but these cards lack yet is read for
        this answer only (one statement; the next poll stores it); one gone since the index was built is left
        out."""
        now = local_now(now)
        sources = [(self.cards, self.weekly, self.exceptions)]
        missing = [pk for _d, pk in chosen if pk not in self.cards]
        if missing:
            read = _read_cards(self.using, missing, now.date())
            sources.insert(0, read[:3])
        parts = []
        for d, pk in chosen:
            cards, weekly, exceptions = next((s for s in sources if pk in s[0]), sources[-1])
            card = cards.get(pk)
            if card is None:  # gone since the index was built
                continue
            week, days_off = weekly.get(pk), exceptions.get(pk)
            is_open = (week is not None or days_off is not None) and open_at(week or (), days_off or (), now)
            distance = b"null" if d is None else repr(round(d, 3)).encode()
            parts.append(b"%s%s,\"distance_km\":%s}" % (card, b"true" if is_open else b"false", distance))
        return parts


def text_words(q: str) -> list[bytes]:
    """The words a text search matches, lower-cased, as UTF-8 (a substring of UTF-8 text is a substring of its
    characters): the first SEARCH_MAX_WORDS of `q`."""
    return [word.lower().encode() for word in q.split()[:SEARCH_MAX_WORDS]]


def _text(name: str, address: str, district: str) -> bytes:
    return f"{name}\x1f{address}\x1f{district}".lower().encode()


# Below every character a district or a name may hold (PostgreSQL's text holds no NUL), so that comparing two keys
# compares their districts first, then their names, as the database's ORDER BY district, name does.
_LIST_KEY_SEPARATOR = "\x00"


_LIST_SUBSETS_KEPT = 64


def list_key(district: str, name: str) -> str:
    return f"{district}{_LIST_KEY_SEPARATOR}{name}"



_published: dict[str, SearchCards] = {}
_poll_lock = threading.Lock()


# --- reading cards --------------------------------------------------------------------------------------------


# As DRF's JSONRenderer writes (compact, UTF-8, no NaN); one encoder, not one per card.
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _encode_card(values, amenity_flags, rating_avg, rating_count) -> bytes:
    row = dict(zip(LIST_COLUMNS, values, strict=True))
    row["amenities"] = [code for code, flag in zip(AMENITY_CODES, amenity_flags, strict=True) if flag]
    row["rating_avg"] = float(rating_avg) if rating_avg is not None else None
    row["rating_count"] = rating_count or 0
    text = _ENCODER.encode(row)[:-1] + ',"open_now":'
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()


def _read_cards(using: str, ids: list[int] | None, today) -> tuple[dict, dict, dict, dict, list, dict]:
    """(cards, weekly, exceptions, texts, index rows, listed) of the active stations among `ids`, or of all with ids
    None. Three statements (per 500 ids): the stations with their rating average and count, their weekly rows,
    their exceptions from yesterday on. The index rows — (id, lat, lng, kind, district, amenity bits), what
    index.index_from_rows takes — come from the same statement as the cards."""
    connection = connections[using]
    qn = connection.ops.quote_name
    station_t, rating_t = qn(Station._meta.db_table), qn(Rating._meta.db_table)
    hours_t, exceptions_t = qn(OpeningHours._meta.db_table), qn(HoursException._meta.db_table)
    columns = ", ".join(f"s.{qn(c)}" for c in LIST_COLUMNS + AMENITY_COLUMNS)
    times = f"{qn('opens')}, {qn('closes')}, {qn('closes_next_day')}"
    yesterday = connection.ops.adapt_datefield_value(today - timedelta(days=1))
    n_list = len(LIST_COLUMNS)
    n_amenities = len(AMENITY_COLUMNS)
    cards: dict[int, bytes] = {}
    texts: dict[int, bytes] = {}
    listed: dict[int, tuple[str, str, int]] = {}
    index_rows: list[tuple] = []
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
                    pk, flags = values[0], values[n_list:n_list + n_amenities]
                    cards[pk] = _encode_card(values[:n_list], flags, values[-2], values[-1])
                    texts[pk] = _text(values[3], values[7], values[6])
                    bits = sum(1 << bit for bit, flag in enumerate(flags) if flag)
                    listed[pk] = (list_key(values[6], values[3]), sys.intern(values[2]), bits)
                    index_rows.append((pk, values[8], values[9], values[2], values[6], bits))
            cursor.execute(
                f"SELECT {qn('station_id')}, {qn('weekday')}, {times} FROM {hours_t}"  # noqa: S608
                + (f" WHERE {of_stations}" if of_stations else ""),
                params,
            )
            for station_id, weekday, opens, closes, next_day in cursor.fetchall():
                weekly_rows.setdefault(station_id, []).append(
                    HoursRow(weekday, None, False, as_time(opens), as_time(closes), bool(next_day)))
            cursor.execute(
                f"SELECT {qn('station_id')}, {qn('date')}, {qn('is_closed')}, {times} FROM {exceptions_t} "  # noqa: S608
                f"WHERE {qn('date')} >= %s" + (f" AND {of_stations}" if of_stations else ""),
                [yesterday, *params],
            )
            for station_id, day, is_closed, opens, closes, next_day in cursor.fetchall():
                exception_rows.setdefault(station_id, []).append(
                    HoursRow(None, as_date(day), bool(is_closed), as_time(opens), as_time(closes),
                              bool(next_day)))
    shared: dict[tuple, tuple] = {}  # one tuple per distinct week: most stations keep common hours
    weekly = {}
    for station_id, rows in weekly_rows.items():
        if station_id in cards:
            key = tuple(sorted(rows, key=lambda r: (r.weekday, r.opens)))
            weekly[station_id] = shared.setdefault(key, key)
    exceptions = {pk: tuple(rows) for pk, rows in exception_rows.items() if pk in cards}
    return cards, weekly, exceptions, texts, index_rows, listed


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


def _build(using: str, started: float, *, private_now: datetime | None = None) -> SearchCards | None:
    """Everything read again: the cards and, from the same rows, the index. Shared cards take the index's
    version first (a change committed meanwhile is read again by the next poll). Private ones (private_now: the
    moment of the one search they are for, inside a transaction that may see its own uncommitted writes) need
    no version, hold the exceptions from that moment's day before, and are never shared."""
    token, watermark = None, 0
    today = local_now().date()
    if private_now is None:
        token, watermark, _changed = _poll(using, None)  # before the reads: a change made meanwhile is read again
        if token is None:
            return None
    else:
        today = min(today, local_now(private_now).date())
    cards, weekly, exceptions, texts, index_rows, listed = _read_cards(using, None, today)
    index = index_from_rows(index_rows, token=token)
    del index_rows
    return SearchCards(index=index, cards=cards, weekly=weekly, exceptions=exceptions, texts=texts, listed=listed,
                       watermark=watermark, polled_at=started, token=token, using=using,
                       exceptions_from=today - timedelta(days=1))


def _refresh(current: SearchCards, using: str, started: float) -> SearchCards | None:
    """Brings `current` up to date in place; a new SearchCards (or None) when everything must be built again."""
    token, watermark, changed = _poll(using, current.watermark)
    if token is None:
        return None
    if 0 in changed or len(changed) > FULL_BUILD_ABOVE or watermark < current.watermark:
        # A TRUNCATE; an import; or SQLite's log emptied and its ids begun again (a flush).
        return _build(using, started)
    if changed:
        today = local_now().date()
        cards, weekly, exceptions, texts, _index_rows, listed = _read_cards(using, sorted(changed), today)
        current.exceptions_from = max(current.exceptions_from, today - timedelta(days=1))
        # Set the new cards before dropping gone ones, so a reader never misses a station that is still there.
        for pk in changed:
            if pk in cards:
                current.texts[pk] = texts[pk]
                current.listed[pk] = listed[pk]
                current.cards[pk] = cards[pk]
        # A list already begun keeps the order it read; the next one sorts again (a name or district may have
        # changed, a station come or gone).
        current._list_order = None
        for pk in changed:
            if pk not in cards:
                current.cards.pop(pk, None)
                current.texts.pop(pk, None)
                current.listed.pop(pk, None)
            if pk in weekly:
                current.weekly[pk] = weekly[pk]
            else:
                current.weekly.pop(pk, None)
            if pk in exceptions:
                current.exceptions[pk] = exceptions[pk]
            else:
                current.exceptions.pop(pk, None)
    current.token = token
    if token != current.index.token:
        # After the cards: a station the new index holds has its card (or is read for the answer, see
        # SearchCards.nearest). None when another thread is building it: until a poll succeeds, searches answer
        # the database way (index_stale) rather than from an index that lacks what the cards already show.
        index = station_index(using=using, token=token)
        current.index_stale = index is None
        if index is not None:
            current.index = index
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


def search_engine(*, using: str = "default", now: datetime | None = None) -> SearchCards | None:
    """The engine every search answers from (selectors.station_search): the process's shared cards (search_cards);
    inside a transaction, which may see its own uncommitted writes (tests, a shell; the search doors run outside
    transactions), cards of what it sees built for this one search and never shared. None while the shared
    cards are being built (a worker's warm-up) or without the index's version row: the search then answers the
    database way."""
    if connections[using].in_atomic_block:
        return _build(using, time.monotonic(), private_now=now or local_now())
    return search_cards(using=using)


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
    """The search API's answer body from the process's shared cards for the `limit` nearest active stations of
    `kind` with all `amenities` within max_km — the bytes the DRF view would write
    for selectors.station_search — or None when the shared cards cannot answer (search_cards)."""
    current = search_cards(using=using)
    if current is None:
        return None
    chosen = current.nearest(lat=lat, lng=lng, limit=limit, max_km=max(0.01, min(max_km, NEAREST_MAX_KM)), kind=kind,
                             amenities=amenities)
    if chosen is None:
        return None
    return answer_body(current.answer_parts(chosen, now))


def answer_body(parts: list[bytes]) -> bytes:
    """The API's page around the stations' JSON."""
    return b'{"count":%d,"next":null,"previous":null,"results":[%s]}' % (len(parts), b",".join(parts))
