"""A per-process, in-memory spatial index of the active stations for the nearest search.

What it holds: for each active station its id, position, kind, amenities (a bitmask) and district (a number
into a list of names) — the columns the search filters on — in flat `array`s, sorted along a Z-order
(Morton) curve of a fine lat/lng grid. Every cell of every coarser level of that grid is then one contiguous
run of the arrays, so the index is an implicit quadtree: a cell's four quarters are found by three bisections
of the sorted keys, and empty cells never exist. 200,000 stations take ~12 MB.

How it searches (`StationIndex.nearest`): best-first over cells, nearest cell first. A heap holds cells keyed by
a lower bound of the distance from the query point to anything in them; a cell with few stations is read
station by station (exact haversine, the same arithmetic as `geo.haversine_km`, so the same floats), a larger
one is split into its non-empty quarters. The `limit` best (distance, id) seen are kept; the search stops when
the worst of them is nearer than the bound of the next cell (nothing unread can beat or tie it) or the next
cell lies beyond the radius. The result is exactly `sorted((haversine, id) for matching stations, d ≤
radius)[:limit]` — what a full scan gives, ties broken by id. Sparse areas cost little: an empty region is
no cell at all, and a 500 km search in the desert reads a few dozen coarse cells.

How it stays fresh (`station_index`): database triggers on `stations_station` (migration 0003) put a new,
never-repeated token in `StationIndexVersion` on every insert, delete and change of an indexed column —
whatever wrote it: the ORM, `bulk_create`, `queryset.update`, imports, raw SQL. The search reads the token in
the same statement as the winners' details (selectors._nearest_chosen); when it is not the index's, the
process builds a new index aside, swaps it in by one assignment (another thread never sees a half-built
one) and searches again. So every answer comes from an index of the version its details were read with.
"""

import bisect
import heapq
import math
import threading
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connections

from . import geo
from .models import AMENITY_CODES, Station, StationIndexVersion, amenity_field

# The finest grid: 2^GRID_BITS cells around the globe in longitude and the same cell size in latitude
# (0.00137°, ~150 m). Deeper levels are never reached in practice: a cell with LEAF_SIZE stations or fewer is
# read whole instead of split.
GRID_BITS = 18
CELL_DEG = 360.0 / (1 << GRID_BITS)
LEAF_SIZE = 32
# Taken off every cell's distance bound: the bound and the stations' distances are computed with different
# float operations, so a bound may come out a few 1e-12 km above a distance it should not exceed. A millimetre
# keeps the stopping rule conservative by orders of magnitude.
BOUND_SLACK_KM = 1e-6
KINDS = list(Station.Kind.values)
_DEG = math.pi / 180.0
_HALF_DEG = _DEG / 2


def _spread_table() -> list[int]:
    """x's bits moved to the even positions (bit k → bit 2k), for 0 ≤ x < 256."""
    table = []
    for x in range(256):
        spread = 0
        for bit in range(8):
            spread |= ((x >> bit) & 1) << (2 * bit)
        table.append(spread)
    return table


_SPREAD = _spread_table()


def _cell(lat: float, lng: float) -> tuple[int, int]:
    top = (1 << GRID_BITS) - 1
    row = min(top, max(0, int((lat + 90.0) / CELL_DEG)))
    column = min(top, max(0, int((lng + 180.0) / CELL_DEG)))
    return row, column


def _interleave(row: int, column: int) -> int:
    s = _SPREAD
    rows = s[row & 255] | s[(row >> 8) & 255] << 16 | s[row >> 16] << 32
    columns = s[column & 255] | s[(column >> 8) & 255] << 16 | s[column >> 16] << 32
    return rows << 1 | columns


def morton_key(lat: float, lng: float) -> int:
    """The Z-order key of the finest cell holding (lat, lng): row bits on odd positions, column bits on even
    ones, so a cell's key prefix at each level names its ancestor and its quarter (row half × 2 + column half)."""
    return _interleave(*_cell(lat, lng))


def start_cell(lat: float, lng: float, max_km: float) -> tuple[int, int, int] | None:
    """(level, row, column) of the smallest cell of the quadtree that holds every point within max_km of
    (lat, lng), or None when only the whole world does (the circle reaches a pole or the antimeridian).

    The circle's latitude band and longitude span (asin(sin δ / cos φ), exact on the sphere), widened by
    0.1 %, give a box; the cell is the common ancestor of the finest cells of its two opposite corners.
    Searching from there skips the levels above, which near-always hold the query point anyway."""
    delta = max_km / geo.EARTH_RADIUS_KM * 1.001 + 1e-9
    if delta >= math.pi / 2:
        return None
    d_lat = math.degrees(delta)
    south, north = lat - d_lat, lat + d_lat
    if south <= -90.0 or north >= 90.0:
        return None
    spread = math.sin(delta) / math.cos(math.radians(lat))
    if spread >= 1.0:
        return None
    d_lng = math.degrees(math.asin(spread))
    west, east = lng - d_lng, lng + d_lng
    if west <= -180.0 or east >= 180.0:
        return None
    row0, column0 = _cell(south, west)
    row1, column1 = _cell(north, east)
    level = max((row0 ^ row1).bit_length(), (column0 ^ column1).bit_length())
    if level >= GRID_BITS:
        return None
    return level, row0 >> level, column0 >> level


def cell_bound(lat: float, lng: float, lat_cosine: float, level: int, row: int, column: int) -> float:
    """A lower bound of the distance in km from (lat, lng) — lat_cosine is cos(radians(lat)) — to any point of
    the cell (level, row, column): the haversine formula with each term at its least over the cell (the
    latitude gap to the cell's nearer edge, the longitude gap the short way round, the smaller cosine at the
    cell's pole-side edge), less BOUND_SLACK_KM."""
    size = CELL_DEG * (1 << level)
    south = row * size - 90.0
    north = south + size
    west = column * size - 180.0
    east = west + size
    gap_lat = south - lat if lat < south else (lat - north if lat > north else 0.0)
    if west <= lng <= east:
        # Straight north or south: the distance to the nearer edge along the meridian, no trigonometry.
        return geo.EARTH_RADIUS_KM * gap_lat * _DEG - BOUND_SLACK_KM
    gap_lng = min((west - lng) % 360.0, (lng - east) % 360.0)
    pole_side = min(90.0, max(abs(south), abs(north)))
    h = (math.sin(gap_lat * _HALF_DEG) ** 2
         + lat_cosine * math.cos(pole_side * _DEG) * math.sin(gap_lng * _HALF_DEG) ** 2)
    return 2 * geo.EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h))) - BOUND_SLACK_KM


@dataclass(eq=False)
class StationIndex:
    """Active stations sorted by Morton key; the arrays are parallel (position n is one station)."""

    token: int | None
    keys: array = field(repr=False)  # Morton keys, ascending
    ids: array = field(repr=False)
    lats: array = field(repr=False)
    lngs: array = field(repr=False)
    lat_radians: array = field(repr=False)  # math.radians(lat): the same float geo.haversine_km computes
    lat_cosines: array = field(repr=False)  # math.cos(of it)
    kinds: array = field(repr=False)  # position in KINDS
    amenities: array = field(repr=False)  # bit i set: AMENITY_CODES[i] present
    districts: array = field(repr=False)  # position in district_names
    district_names: list[str] = field(repr=False)
    district_members: dict[int, array] = field(repr=False)  # district → its stations' positions
    built_seconds: float = 0.0

    def __len__(self) -> int:
        return len(self.ids)

    def nbytes(self) -> int:
        """Bytes held by the arrays (the bulk of the index; the district names and per-district lists of
        positions are counted too)."""
        arrays = [self.keys, self.ids, self.lats, self.lngs, self.lat_radians, self.lat_cosines, self.kinds,
                  self.amenities, self.districts, *self.district_members.values()]
        return sum(a.itemsize * len(a) for a in arrays) + sum(len(n.encode()) + 49 for n in self.district_names)

    # --- the search ---------------------------------------------------------------------------------------

    def nearest(
        self, *, lat: float, lng: float, limit: int, max_km: float, kind: str = "",
        amenities: list[str] | tuple[str, ...] = (), district: str = "", accept: Callable[[int], bool] | None = None,
    ) -> list[tuple[float, int]]:
        """[(distance_km, id)] of the `limit` nearest matching stations within max_km, nearest first, ties by
        id: exactly the first `limit` of a full scan sorted by (geo.haversine_km(lat, lng, s.lat, s.lng), id).

        `accept(id)`, when given, is a further filter on what the index does not hold (open now, text): it is
        asked only of a station that would enter the `limit` best, so a search asks it of few stations."""
        if limit <= 0:
            return []
        kind_code = -1
        if kind:
            if kind not in KINDS:
                return []
            kind_code = KINDS.index(kind)
        mask = 0
        for code in amenities:
            if code in AMENITY_CODES:  # unknown codes are ignored, as stations_filtered does
                mask |= 1 << AMENITY_CODES.index(code)
        district_code = -1
        if district:
            try:
                district_code = self.district_names.index(district)
            except ValueError:
                return []
            members = self.district_members[district_code]
            if len(members) <= 4096:
                # A district is small next to the country: read all of its stations.
                return self._scan(members, lat=lat, lng=lng, limit=limit, max_km=max_km, kind_code=kind_code,
                                  mask=mask, accept=accept)
        return self._best_first(lat=lat, lng=lng, limit=limit, max_km=max_km, kind_code=kind_code, mask=mask,
                                district_code=district_code, accept=accept)

    def _scan(self, positions, *, lat, lng, limit, max_km, kind_code, mask, accept) -> list[tuple[float, int]]:
        radians, sin, cos, asin, sqrt = math.radians, math.sin, math.cos, math.asin, math.sqrt
        p1 = radians(lat)
        c1 = cos(p1)
        two_r = 2 * geo.EARTH_RADIUS_KM
        ids, lngs, lat_radians, lat_cosines = self.ids, self.lngs, self.lat_radians, self.lat_cosines
        kinds, amenities = self.kinds, self.amenities
        found = []
        for n in positions:
            if (kind_code >= 0 and kinds[n] != kind_code) or (amenities[n] & mask) != mask:
                continue
            d_lat = lat_radians[n] - p1
            d_lng = radians(lngs[n] - lng)
            h = sin(d_lat / 2) ** 2 + c1 * lat_cosines[n] * sin(d_lng / 2) ** 2
            d = two_r * asin(min(1.0, sqrt(h)))
            if d <= max_km:
                found.append((d, ids[n]))
        found.sort()
        if accept is None:
            return found[:limit]
        chosen = []
        for d, pk in found:
            if accept(pk):
                chosen.append((d, pk))
                if len(chosen) == limit:
                    break
        return chosen

    def _best_first(
        self, *, lat, lng, limit, max_km, kind_code, mask, district_code, accept
    ) -> list[tuple[float, int]]:
        if not self.ids:
            return []
        radians, sin, cos, asin, sqrt = math.radians, math.sin, math.cos, math.asin, math.sqrt
        heappush, heappop, heappushpop = heapq.heappush, heapq.heappop, heapq.heappushpop
        bisect_left = bisect.bisect_left
        p1 = radians(lat)
        c1 = cos(p1)
        two_r = 2 * geo.EARTH_RADIUS_KM
        keys, ids, lngs = self.keys, self.ids, self.lngs
        lat_radians, lat_cosines = self.lat_radians, self.lat_cosines
        kinds, amenities, districts = self.kinds, self.amenities, self.districts
        filtered = kind_code >= 0 or mask or district_code >= 0

        # best: the `limit` best so far as a max-heap of (-distance, -id): its top is the worst kept.
        best: list[tuple[float, int]] = []
        # cells: (bound, level, row, column, key prefix, first position, end position)
        start = start_cell(lat, lng, max_km)
        if start is None:
            cells = [(0.0, GRID_BITS, 0, 0, 0, 0, len(ids))]
        else:
            level, row, column = start
            prefix = _interleave(row, column)
            first = bisect_left(keys, prefix << 2 * level)
            end = bisect_left(keys, (prefix + 1) << 2 * level, first)
            if first == end:
                return []
            cells = [(0.0, level, row, column, prefix, first, end)]
        while cells:
            nearest_possible, level, row, column, prefix, start, end = heappop(cells)
            if nearest_possible > max_km:
                break
            if len(best) == limit and nearest_possible > -best[0][0]:
                break
            if end - start > LEAF_SIZE and level > 0:
                # Split into the four quarters: quarter q covers keys [(4·prefix + q) << 2·(level−1), …).
                level -= 1
                shift = 2 * level
                base = prefix << 2
                lo = start
                for quarter in range(4):
                    hi = end if quarter == 3 else bisect_left(keys, (base + quarter + 1) << shift, lo, end)
                    if hi > lo:
                        q_row, q_column = row * 2 + (quarter >> 1), column * 2 + (quarter & 1)
                        b = cell_bound(lat, lng, c1, level, q_row, q_column)
                        if b <= max_km and (len(best) < limit or b <= -best[0][0]):
                            heappush(cells, (b, level, q_row, q_column, base + quarter, lo, hi))
                    lo = hi
                continue
            for n in range(start, end):
                if filtered and (
                    (kind_code >= 0 and kinds[n] != kind_code) or (amenities[n] & mask) != mask
                    or (district_code >= 0 and districts[n] != district_code)
                ):
                    continue
                d_lat = lat_radians[n] - p1
                d_lng = radians(lngs[n] - lng)
                h = sin(d_lat / 2) ** 2 + c1 * lat_cosines[n] * sin(d_lng / 2) ** 2
                d = two_r * asin(min(1.0, sqrt(h)))
                if d > max_km:
                    continue
                entry = (-d, -ids[n])
                if len(best) < limit:
                    if accept is None or accept(ids[n]):
                        heappush(best, entry)
                elif entry > best[0] and (accept is None or accept(ids[n])):
                    heappushpop(best, entry)
        return sorted((-d, -pk) for d, pk in best)


# --- building -----------------------------------------------------------------------------------------------


def index_build(*, using: str = "default", token: int | None = None) -> StationIndex:
    """A new index of the active stations as the connection `using` sees them now, tagged with `token` (read
    before the rows, so a change committed in between only makes the next check rebuild again)."""
    started = time.perf_counter()
    connection = connections[using]
    qn = connection.ops.quote_name
    # The amenities as one integer, bit i for AMENITY_CODES[i] (CASE: portable over SQLite's 0/1 and
    # PostgreSQL's booleans).
    mask_sql = " + ".join(
        f"(CASE WHEN {qn(amenity_field(code))} THEN {1 << bit} ELSE 0 END)" for bit, code in enumerate(AMENITY_CODES)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {qn('id')}, {qn('lat')}, {qn('lng')}, {qn('kind')}, {qn('district')}, {mask_sql} "  # noqa: S608
            f"FROM {qn(Station._meta.db_table)} WHERE {qn('is_active')}",
        )
        index = index_from_rows(_chunks(cursor), token=token)
    index.built_seconds = time.perf_counter() - started
    return index


def _chunks(cursor):
    while chunk := cursor.fetchmany(10_000):
        yield from chunk


def index_from_rows(rows, *, token: int | None = None) -> StationIndex:
    """An index of (id, lat, lng, kind, district, amenity bitmask) rows, in any order.

    Read into unsorted arrays, then put in Morton order through one sorted permutation: the peak memory stays
    a few times the index's own size instead of a list of tuples per station."""
    kind_codes = {kind: n for n, kind in enumerate(KINDS)}
    district_codes: dict[str, int] = {}
    keys, ids, lats, lngs = array("Q"), array("q"), array("d"), array("d")
    kinds, amenities, districts = array("B"), array("H"), array("I")
    top = (1 << GRID_BITS) - 1
    s = _SPREAD
    for pk, lat, lng, kind, district, mask in rows:
        row = min(top, max(0, int((lat + 90.0) / CELL_DEG)))  # as morton_key, inlined for speed
        column = min(top, max(0, int((lng + 180.0) / CELL_DEG)))
        keys.append((s[row & 255] | s[(row >> 8) & 255] << 16 | s[row >> 16] << 32) << 1
                    | s[column & 255] | s[(column >> 8) & 255] << 16 | s[column >> 16] << 32)
        ids.append(pk)
        lats.append(lat)
        lngs.append(lng)
        kinds.append(kind_codes.get(kind, 255))
        amenities.append(mask)
        code = district_codes.get(district)
        if code is None:
            code = district_codes[district] = len(district_codes)
        districts.append(code)
    order = sorted(range(len(ids)), key=keys.__getitem__)

    keys, ids, lats, lngs = (array(a.typecode, map(a.__getitem__, order)) for a in (keys, ids, lats, lngs))
    kinds, amenities, districts = (array(a.typecode, map(a.__getitem__, order)) for a in (kinds, amenities, districts))
    del order
    lat_radians = array("d", map(math.radians, lats))
    members: dict[int, array] = {}
    for position, code in enumerate(districts):
        if code not in members:
            members[code] = array("I")
        members[code].append(position)
    return StationIndex(
        token=token, keys=keys, ids=ids, lats=lats, lngs=lngs, lat_radians=lat_radians,
        lat_cosines=array("d", map(math.cos, lat_radians)), kinds=kinds, amenities=amenities,
        districts=districts, district_names=list(district_codes), district_members=members,
    )


# --- the one current index per process and database -----------------------------------------------------------

_published: dict[str, StationIndex] = {}
_build_lock = threading.Lock()


def version_token(*, using: str = "default") -> int | None:
    """The stations' current version token as this connection sees it; None when its row is missing (a
    freshly flushed database: the next change to the stations writes it again)."""
    connection = connections[using]
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {qn('token')} FROM {qn(StationIndexVersion._meta.db_table)} WHERE {qn('id')} = 1"  # noqa: S608
        )
        row = cursor.fetchone()
    return row[0] if row else None


def published_index(*, using: str = "default") -> StationIndex | None:
    """The process's shared index as it stands, without asking the database whether it is current: the
    caller checks its token against the one read with the winners' details (selectors._nearest_chosen)."""
    return _published.get(using)


def station_index(*, using: str = "default", token: int | None = None) -> StationIndex | None:
    """An index current for the connection `using` — for `token` when the caller has just read it, else for the
    token read here — or None when there is none to give: the version row is missing, or another thread is
    building the new index. Then the caller searches with SQL.

    Outside a transaction the index is the process's shared one, rebuilt when the token moved (by one thread
    at a time; the others search with SQL meanwhile). Inside a transaction the token may be one this
    transaction wrote itself and might roll back: an index of what it sees is built for this call only and
    never shared. (The search doors — the API and the station list — run outside transactions.)"""
    connection = connections[using]
    if token is None:
        token = version_token(using=using)
        if token is None:
            return None
    current = _published.get(using)
    if current is not None and current.token == token:
        return current
    if connection.in_atomic_block:
        return index_build(using=using, token=token)
    if not _build_lock.acquire(blocking=False):
        # Another thread of this process is building: answer this search with SQL rather than wait for it
        # (a build of 200,000 stations takes seconds) or answer from the index it is replacing.
        return None
    try:
        current = _published.get(using)
        if current is None or current.token != token:
            current = index_build(using=using, token=token)
            _published[using] = current  # one assignment: other threads see the old index or the new one
    finally:
        _build_lock.release()
    return current


def index_forget(*, using: str = "default") -> None:
    """Drops the process's index (tests; a memory measurement)."""
    _published.pop(using, None)
