"""Nearest stations at national scale (issue 7).

0. The in-memory index (stations/index.py): build time and memory for the 200,000 stations.
1. The nearest 10 of 200,000 stations: median server time of `station_search`, the one search every door calls
   (goal: under 10 ms), and its
   ratio to a full scan of the table (every row's coordinates read, haversine on each, the best 10 kept);
   the indexed answers checked equal to the full scan's.
2. The search API's requests per second against a minimal Django view, in-process and served by gunicorn on
   loopback in the same run (goal: ratio at least 0.5), with a load loop bounded in requests and time
   (LOAD_REQUESTS, LOAD_SECONDS). On one gunicorn, after a warm-up, LOAD_PASSES passes each run the minimal
   view then the search; each search pass has its own LOAD_POINTS distinct query points, no URL requested
   twice in the run (nor in the warm-up), so no per-URL cache could help. Each pass prints both req/s and
   their ratio; a last line gives the median ratio of the passes and its verdict.
   For each pass and endpoint (Linux, from /proc; left out elsewhere) the CPU time per request, split into
   the gunicorn workers, the PostgreSQL processes (all of the machine's, so another run's too; idle on
   SQLite) and the rest of the machine (mostly the load clients): on a shared machine the gunicorn figure moves
   less than req/s, which counts whatever else runs.
   gunicorn reads the repository's gunicorn.conf.py, as production does (JSON logs, no access log, the
   search built at each worker's start); its output goes to a log file in the temp dir, whose path is
   printed, and its tail is printed if the server stops early.

SQLite by default (BENCH_DATABASE_URL unset: /tmp/union-portal-bench.sqlite3); PostgreSQL with
BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/union_portal_bench_stations (created if missing).
The 200,000 stations are generated once (deterministically) and kept in that database for later runs.
"""

import heapq
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from http.client import HTTPConnection
from pathlib import Path
from typing import NoReturn

from bench.report import record

STATIONS = 200_000
NEAREST = 10
QUERIES = 200
LOAD_POINTS = 8000  # distinct query points of one search pass; each URL is requested once in the run
GOAL_MS = 10.0
GOAL_RPS_RATIO = 0.5
LOAD_REQUESTS = 8000  # per endpoint and pass, at most; not above LOAD_POINTS, or search URLs would repeat
LOAD_SECONDS = 20.0  # per endpoint and pass, at most
LOAD_PASSES = 3  # an odd number, so the median ratio is one pass's
LOAD_CLIENTS = 4
# A keep-alive connection stays with the gunicorn worker that accepted it, and 4 connections over 2 workers often
# split 3:1 — one worker then runs flat out on its GIL while the other idles half the time, whichever endpoint is
# measured (seen: 0.27 vs 0.95 cores). Each client opens a new connection every this many requests, so a pass
# spreads ~160 connections over the workers instead of 4.
RECONNECT_EVERY = 50
WARM_POINTS = 200  # search points of the warm-up, none of them in a measured pass
MINIMAL_PATH = "/__bench__/minimal"
SEED = 77


# --- a URLconf for the gunicorn run: the portal plus one minimal view -------------------------------------


def _minimal(request):
    from django.http import HttpResponse

    return HttpResponse(b"ok", content_type="text/plain")


def __getattr__(name):
    # PEP 562: `urlpatterns` is built on first use (inside gunicorn, after django.setup()), so importing this
    # module from `python -m bench` needs no URL machinery.
    if name == "urlpatterns":
        from django.urls import include, path

        return [path(MINIMAL_PATH.lstrip("/"), _minimal), path("", include("portal.urls"))]
    raise AttributeError(name)


def gunicorn_app():
    """gunicorn 'bench.bench_stations_nearest:gunicorn_app()': the portal's WSGI app with this URLconf."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.bench")
    import django
    from django.conf import settings

    django.setup()
    settings.ROOT_URLCONF = __name__
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        # As in production (portal/settings/base.py): persistent connections on PostgreSQL. The bench
        # settings' DATABASES leaves them out, which would time a new connection per request.
        settings.DATABASES["default"]["CONN_MAX_AGE"] = 60
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


# --- data ------------------------------------------------------------------------------------------------


def _ensure_postgres_database() -> None:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        return
    import psycopg2

    conn = psycopg2.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                            password=db["PASSWORD"] or None, dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{db["NAME"]}"')
    conn.close()


def _china_points(rng: random.Random, count: int):
    """Stations where people are: around 400 towns (dense centres, most in the east) plus some countryside."""
    from stations.geo import out_of_china

    def inside(lat, lng):
        return not out_of_china(lat, lng)

    towns = []
    while len(towns) < 400:
        lat, lng = rng.uniform(20.0, 46.0), rng.triangular(85.0, 126.0, 117.0)
        if inside(lat, lng):
            towns.append((lat, lng, rng.uniform(3.0, 25.0)))
    produced = 0
    while produced < count:
        if rng.random() < 0.9:
            t_lat, t_lng, spread_km = rng.choice(towns)
            lat = t_lat + rng.gauss(0, spread_km) / 111.2
            lng = t_lng + rng.gauss(0, spread_km) / (111.2 * math.cos(math.radians(t_lat)))
        else:
            lat, lng = rng.uniform(18.0, 50.0), rng.uniform(75.0, 134.0)
        if inside(lat, lng):
            produced += 1
            yield lat, lng


def _seed_stations() -> None:
    from members.models import Branch
    from stations.models import Station

    if Station.objects.count() >= STATIONS:
        return
    Station.objects.all().delete()
    branch = Branch.objects.filter(depth=1).first() or Branch.add_root(name="基准测试总工会", kind="city")
    rng = random.Random(SEED)
    batch = []
    started = time.perf_counter()
    for i, (lat, lng) in enumerate(_china_points(rng, STATIONS)):
        batch.append(Station(
            kind="rest", name=f"邮政驿站{i}", partner_type="post_office", branch=branch, district="某区",
            address=f"某路{i}号", lat=lat, lng=lng, has_water=True, has_toilet=i % 3 == 0,
        ))
        if len(batch) == 5000:
            Station.objects.bulk_create(batch)
            batch = []
    Station.objects.bulk_create(batch)
    print(f"  generated {STATIONS:,} stations in {time.perf_counter() - started:.1f} s")


def _query_points(rng: random.Random, count: int = QUERIES) -> list[tuple[float, float]]:
    """`count` points, half next to existing stations (cities), half anywhere in China (sparse areas need
    wider boxes); no point twice (as its URL prints it, to 5 decimals)."""
    from stations.models import Station

    sample = list(Station.objects.order_by("?").values_list("lat", "lng")[: count // 2])
    points = [(lat + rng.uniform(-0.01, 0.01), lng + rng.uniform(-0.01, 0.01)) for lat, lng in sample]
    points += list(_china_points(rng, count - len(points)))
    rng.shuffle(points)
    seen, distinct = set(), []
    while True:
        for lat, lng in points:
            if _search_path(lat, lng) not in seen:
                seen.add(_search_path(lat, lng))
                distinct.append((lat, lng))
        if len(distinct) == count:
            return distinct
        # Callers slice the result into passes of a fixed size: replace the duplicates dropped.
        points = list(_china_points(rng, count - len(distinct)))


def _search_path(lat: float, lng: float) -> str:
    return f"/api/v1/stations/?lat={lat:.5f}&lng={lng:.5f}&limit={NEAREST}"


# --- 0. the index ----------------------------------------------------------------------------------------


def _measure_index() -> None:
    import tracemalloc

    from stations import index

    builds = []
    for _ in range(3):
        index.index_forget()
        started = time.perf_counter()
        index.station_index()  # outside a transaction: builds and publishes the process's index
        builds.append(time.perf_counter() - started)
    index.index_forget()
    tracemalloc.start()
    built = index.index_build(token=index.version_token())
    retained, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  index of {len(built):,} active stations: build {min(builds):.2f}–{max(builds):.2f} s "
          f"(3 builds, with the version read), memory {retained / 1e6:.1f} MB held "
          f"(arrays {built.nbytes() / 1e6:.1f} MB), {peak / 1e6:.1f} MB peak while building")
    del built
    index.station_index()
    _measure_cards()


def _measure_cards() -> None:
    """The search's cards (stations/cards.py): build time and the memory they hold, as Python counts it
    (tracemalloc would slow the build several times over, and this process's resident size says little after
    earlier benchmarks' memory was freed: `make bench` runs them in one process)."""
    from stations import cards

    builds = []
    for _ in range(2):
        cards.cards_forget()
        started = time.perf_counter()
        built = cards.search_cards()
        builds.append(time.perf_counter() - started)
    print(f"  search cards of {len(built):,} stations: build {min(builds):.2f}–{max(builds):.2f} s (2 builds), "
          f"{built.memory_bytes() / 1e6:.0f} MB held ({built.nbytes() / 1e6:.0f} MB of it the JSON itself)")


def _measure_list() -> None:
    """The list without a point (selectors.station_list: the finder's paged list, the API without lat/lng), from
    the engine and the database way: the first list after a change sorts every card; a page then reads its ids
    and its 20 rows. No goal: shown so that the one engine's cost for the list is known."""
    from stations import selectors

    engine = selectors.search_engine()
    engine._list_order = None  # as after a poll that read changes
    started = time.perf_counter()
    first = selectors.station_list()
    first[:20]
    sort_ms = (time.perf_counter() - started) * 1000
    assert first.from_engine
    print(f"  list without a point, {len(first):,} stations: the first list after a change (sorts them) "
          f"{sort_ms:.0f} ms")
    for label, filters in (("page 2, no filter", {}), ("page 2, an amenity (1 in 3)", {"amenities": ["toilet"]}),
                           ("page 2, text matching every station (“邮政”)", {"q": "邮政"}),
                           ("page 2, open now (none is)", {"open_now": True})):
        times = {}
        for use_index in (True, False):
            runs = []
            for _ in range(5):
                started = time.perf_counter()
                listing = selectors.station_list(use_index=use_index, **filters)
                listing[20:40]
                runs.append((time.perf_counter() - started) * 1000)
            times[use_index] = statistics.median(runs)
        print(f"  list {label}: engine median {times[True]:.1f} ms, database way {times[False]:.1f} ms")
        record(f"list without a point, {label}, engine", times[True], "ms",
               note=f"database way {times[False]:.1f} ms; no goal")


# --- 1. server time ---------------------------------------------------------------------------------------


def _full_scan(lat: float, lng: float, **filters):
    from stations.geo import haversine_km
    from stations.models import Station

    rows = Station.objects.filter(is_active=True, **filters).values_list("pk", "lat", "lng").iterator(
        chunk_size=20000)
    return heapq.nsmallest(NEAREST, ((haversine_km(lat, lng, a, b), pk) for pk, a, b in rows))


def _measure_server_time(points) -> tuple[float, float]:
    from stations import selectors

    def timed(some=None, **kwargs):
        times, cpu, rounds = [], [], []
        for lat, lng in points[:some]:
            started, cpu_started = time.perf_counter(), time.process_time()
            _rows, _radius, box_queries = selectors.station_search(lat=lat, lng=lng, limit=NEAREST, max_km=500,
                                                                   **kwargs)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            rounds.append(box_queries)
        return times, cpu, rounds

    times, cpu, rounds = timed()
    # Exactness: the indexed search returns the full scan's 10 (same stations, same order), also filtered.
    for lat, lng in points[:20]:
        fast = [r["id"] for r in selectors.station_search(lat=lat, lng=lng, limit=NEAREST, max_km=500)[0]]
        slow = [pk for d, pk in _full_scan(lat, lng) if d <= 500]
        assert fast == slow, (lat, lng, fast, slow)
    for lat, lng in points[:5]:
        fast = [r["id"] for r in selectors.station_search(lat=lat, lng=lng, limit=NEAREST, max_km=500,
                                                          amenities=["toilet"])[0]]
        slow = [pk for d, pk in _full_scan(lat, lng, has_toilet=True) if d <= 500]
        assert fast == slow, (lat, lng, fast, slow)
    print("  exactness: 20 searches (and 5 with an amenity filter) equal the full scan's answers")
    scan_times = []
    for lat, lng in points[:10]:
        started = time.perf_counter()
        _full_scan(lat, lng)
        scan_times.append((time.perf_counter() - started) * 1000)
    median, scan = statistics.median(times), statistics.median(scan_times)
    p95 = sorted(times)[int(len(times) * 0.95) - 1]
    print(f"  load average now: {_load()} (other work shares this machine)")
    print(f"  nearest {NEAREST} of {STATIONS:,} (the engine: cards and index in memory): median {median:.2f} ms "
          f"(CPU of this process "
          f"{statistics.median(cpu):.2f} ms), p95 {p95:.2f} ms, SQL box queries {max(rounds)}")
    verdict = "MET" if median < GOAL_MS else "NOT MET"
    print(f"  goal < {GOAL_MS:.0f} ms: {verdict} (ratio to goal {median / GOAL_MS:.2f})")
    print(f"  full scan (read all, haversine each, keep 10): median {scan:.0f} ms → indexed search is "
          f"{scan / median:.0f}× faster (time ratio {median / scan:.4f})")
    record(f"nearest {NEAREST} of {STATIONS:,} stations, median ({len(points)} points)", median, "ms", goal=GOAL_MS,
           op="<", note=f"p95 {p95:.2f} ms")
    record("full scan ÷ indexed search, median times", scan / median, "×", note=f"full scan {scan:.0f} ms")
    from stations import cards

    answers, answer_cpu = [], []
    for lat, lng in points:
        started, cpu_started = time.perf_counter(), time.process_time()
        assert cards.nearest_answer(lat=lat, lng=lng, limit=NEAREST, max_km=500) is not None
        answers.append((time.perf_counter() - started) * 1000)
        answer_cpu.append((time.process_time() - cpu_started) * 1000)
    print(f"  the same from the search's cards (the API's common search, no database): median "
          f"{statistics.median(answers):.2f} ms (CPU {statistics.median(answer_cpu):.2f} ms), the answer's bytes "
          f"included")
    filtered, _cpu, _rounds = timed(amenities=["toilet"])
    print(f"  with amenity filter (1 in 3 stations): median {statistics.median(filtered):.2f} ms")
    # Open-now and text, from the same engine: the generated stations have no hours, so open-now is its worst
    # case (every station within the radius asked, none open); so is a text that one station matches.
    for label, filters in (("open now (none is: every station in 500 km asked)", {"open_now": True}),
                           ("text matching every station (“邮政”)", {"q": "邮政"}),
                           ("text matching one station (“某路4321号”: every station in 500 km asked)",
                            {"q": "某路4321号"})):
        engine_times, _cpu, engine_rounds = timed(50, **filters)
        database_times, _cpu, _rounds = timed(50, use_index=False, **filters)
        assert max(engine_rounds) == 0
        print(f"  {label}, 50 points: engine median {statistics.median(engine_times):.2f} ms "
              f"(p95 {sorted(engine_times)[46]:.2f} ms), database way median {statistics.median(database_times):.2f} "
              f"ms (p95 {sorted(database_times)[46]:.2f} ms)")
    sql_times, sql_cpu, sql_rounds = timed(use_index=False)
    print(f"  the database fallback (bounding boxes; only while the engine warms up): median "
          f"{statistics.median(sql_times):.2f} ms (CPU {statistics.median(sql_cpu):.2f} ms), boxes per search "
          f"median {statistics.median(sql_rounds):.0f} / max {max(sql_rounds)}")
    return median, scan


def _load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"{one:.1f} (5 min {five:.1f}) on {os.cpu_count()} CPUs"


# --- 2. requests per second -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _load_worker(args) -> tuple[int, int, str]:
    port, paths, max_requests, deadline = args
    done = errors = 0
    first_error = ""
    conn = HTTPConnection("127.0.0.1", port, timeout=10)
    while done < max_requests and time.time() < deadline:
        path = paths[done % len(paths)]
        try:
            conn.request("GET", path, headers={"Connection": "keep-alive"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
                first_error = first_error or f"{response.status} on {path}"
            if response.getheader("Connection", "").lower() == "close" or (done + 1) % RECONNECT_EVERY == 0:
                conn.close()
                conn = HTTPConnection("127.0.0.1", port, timeout=10)
        except OSError as e:
            errors += 1
            first_error = first_error or f"{e!r} on {path}"
            conn.close()
            conn = HTTPConnection("127.0.0.1", port, timeout=10)
        done += 1
    conn.close()
    return done, errors, first_error


def _rps(port: int, paths: list[str]) -> tuple[float, int, str]:
    """Requests per second, requests done and the errors' summary of one endpoint's load."""
    deadline = time.time() + LOAD_SECONDS
    per_client = LOAD_REQUESTS // LOAD_CLIENTS
    started = time.perf_counter()
    with ProcessPoolExecutor(LOAD_CLIENTS) as pool:
        results = list(pool.map(_load_worker, [(port, paths[i::LOAD_CLIENTS] or paths, per_client, deadline)
                                               for i in range(LOAD_CLIENTS)]))
    elapsed = time.perf_counter() - started
    done = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    first_error = next((r[2] for r in results if r[2]), "")
    return done / elapsed, done, f"{errors} errors" + (f", first: {first_error}" if first_error else "")


# CPU time by process group, from /proc (Linux). On a shared machine req/s also counts whatever else runs;
# the CPU each request costs the server moves much less.


def _cpu_snapshot(master_pid: int) -> tuple[int, dict[int, int], dict[int, int]] | None:
    """Clock ticks of CPU so far: the whole machine's busy time, each gunicorn worker's and each PostgreSQL
    process's, by pid. None without /proc."""
    try:
        with open("/proc/stat") as f:
            # cpu user nice system idle iowait irq softirq steal (guest time is already in user)
            user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in f.readline().split()[1:9])
    except (OSError, ValueError):
        return None
    workers, postgres = {}, {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
            # The command name (field 2) may hold spaces and ")": count the fields from its last ")".
            fields = stat[stat.rindex(b")") + 2:].split()
            ppid, ticks = int(fields[1]), int(fields[11]) + int(fields[12])  # fields 4, 14 utime, 15 stime
            if ppid == master_pid:
                workers[int(entry.name)] = ticks
            else:
                with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                    if f.read(9) == b"postgres:":  # backends and PostgreSQL's own helpers set this title
                        postgres[int(entry.name)] = ticks
        except (OSError, ValueError):
            continue  # ended since the listing, or not readable: nothing to count
    return user + nice + system + irq + softirq + steal, workers, postgres


def _cpu_per_request(before, after, requests: int) -> str:
    if before is None or after is None:
        return "not measured (needs Linux's /proc)"
    if not requests:
        return "no requests done"
    ms_per_tick = 1000 / os.sysconf("SC_CLK_TCK")

    def grown(group_before: dict[int, int], group_after: dict[int, int]) -> int:
        # A process that started during the pass counts whole; one that ended during it is lost (rare: a
        # gunicorn worker restarted, a PostgreSQL connection closed).
        return sum(ticks - group_before.get(pid, 0) for pid, ticks in group_after.items())

    machine = after[0] - before[0]
    gunicorn, postgres = grown(before[1], after[1]), grown(before[2], after[2])
    per = ms_per_tick / requests
    return (f"gunicorn {gunicorn * per:.2f} ms, PostgreSQL {postgres * per:.2f} ms, clients and the rest "
            f"{(machine - gunicorn - postgres) * per:.2f} ms (machine {machine * per:.2f} ms)")


def _measured_pass(master_pid: int, port: int, paths: list[str]) -> tuple[float, str, str]:
    """One endpoint's load: req/s, the errors' summary and the CPU per request by process group."""
    before = _cpu_snapshot(master_pid)
    rps, done, errors = _rps(port, paths)
    return rps, errors, _cpu_per_request(before, _cpu_snapshot(master_pid), done)


def _log_tail(path: str, lines: int = 30) -> str:
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - 32768))  # the log holds every request: read only its end
        return b"\n".join(f.read().splitlines()[-lines:]).decode(errors="replace")


def _server_stopped(server: subprocess.Popen, log_path: str, why: str = "stopped early") -> NoReturn:
    print(f"  gunicorn {why} (exit code {server.returncode}); the end of {log_path}:", file=sys.stderr)
    print(_log_tail(log_path), file=sys.stderr, flush=True)
    raise RuntimeError(f"gunicorn {why}, exit code {server.returncode}")


def _start_gunicorn() -> tuple[subprocess.Popen, int, str]:
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.bench"}
    root = Path(__file__).resolve().parent.parent
    workers = max(2, os.cpu_count() or 2)
    # gunicorn.conf.py configures the server as in production; its output goes to a file, not among the bench's
    # own lines (with --access-logfile added here, every request's line would).
    fd, log_path = tempfile.mkstemp(prefix="union-portal-bench-gunicorn-", suffix=".log")
    os.close(fd)
    # Append mode: the workers share the file, and O_APPEND keeps their lines from overwriting each other.
    with open(log_path, "ab") as log:
        server = subprocess.Popen(  # noqa: S603 — our own gunicorn, fixed arguments
            [sys.executable, "-m", "gunicorn", "bench.bench_stations_nearest:gunicorn_app()", "--bind",
             f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "gthread", "--threads", "2",
             "--keep-alive", "5", "--log-level", "warning"],
            cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )
    print(f"  gunicorn server log: {log_path}", flush=True)
    for _ in range(100):
        if server.poll() is not None:
            _server_stopped(server, log_path)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server, port, log_path
        except OSError:
            time.sleep(0.1)
    server.terminate()
    server.wait(timeout=10)
    _server_stopped(server, log_path, "did not accept connections within 10 s")


def _measure_rps(load_passes, warm_points) -> None:
    """Minimal view and search in turn, LOAD_PASSES times (the machine's other work comes and goes), on one
    gunicorn; each search pass with its own LOAD_POINTS distinct URLs. Each worker builds its index and cards as
    it starts (gunicorn.conf.py); the warm-up then runs on points not in the measured sets."""
    warm_paths = [_search_path(lat, lng) for lat, lng in warm_points]
    workers = max(2, os.cpu_count() or 2)
    server, port, log_path = _start_gunicorn()
    print(f"  gunicorn {workers} workers × 2 threads, {LOAD_CLIENTS} keep-alive clients on loopback, "
          f"≤{LOAD_REQUESTS} requests / ≤{LOAD_SECONDS:.0f} s each, {len(load_passes[0]):,} distinct search URLs "
          f"a pass, none repeated", flush=True)
    ratios = []
    try:
        _wait_for_workers_warm(server.pid)
        deadline = time.time() + 60
        with ProcessPoolExecutor(LOAD_CLIENTS) as pool:
            list(pool.map(_load_worker, [(port, [MINIMAL_PATH, *warm_paths[i::LOAD_CLIENTS]], 40, deadline)
                                         for i in range(LOAD_CLIENTS)]))
        for n, points in enumerate(load_passes, 1):
            minimal_rps, minimal_errors, minimal_cpu = _measured_pass(server.pid, port, [MINIMAL_PATH])
            search_rps, search_errors, search_cpu = _measured_pass(
                server.pid, port, [_search_path(lat, lng) for lat, lng in points])
            if server.poll() is not None:
                _server_stopped(server, log_path)
            ratios.append(search_rps / minimal_rps)
            verdict = "MET" if ratios[-1] >= GOAL_RPS_RATIO else "NOT MET"
            print(f"  pass {n}: minimal Django view {minimal_rps:.0f} req/s ({minimal_errors}); "
                  f"/api/v1/stations/?lat=&lng=&limit=10 {search_rps:.0f} req/s ({search_errors}) → ratio search "
                  f"/ minimal = {ratios[-1]:.2f} (goal ≥ {GOAL_RPS_RATIO}: {verdict}); load average {_load()}")
            print(f"    minimal view, CPU per request: {minimal_cpu}")
            print(f"    search,       CPU per request: {search_cpu}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=10)
    median = statistics.median(ratios)
    verdict = "MET" if median >= GOAL_RPS_RATIO else "NOT MET"
    print(f"  median of {len(ratios)} passes: ratio search / minimal = {median:.2f} (goal ≥ {GOAL_RPS_RATIO}: "
          f"{verdict})")
    record(f"search API req/s ÷ minimal Django view req/s, gunicorn, median of {len(ratios)} passes", median, "",
           goal=GOAL_RPS_RATIO, op="≥", note="passes " + ", ".join(f"{r:.2f}" for r in ratios))


def _wait_for_workers_warm(master_pid: int, limit_seconds: float = 120.0) -> None:
    """Each worker builds the search's index and cards in a background thread as it starts (gunicorn.conf.py):
    wait until the workers' CPU stands still for a second, so that no build falls inside a measured pass.
    Without /proc, a fixed wait."""
    started = time.time()
    last = None
    while time.time() - started < limit_seconds:
        time.sleep(1.0)
        snapshot = _cpu_snapshot(master_pid)
        if snapshot is None:
            time.sleep(10)
            return
        busy = sum(snapshot[1].values())
        if last is not None and busy - last <= 5 and snapshot[1]:  # ≤ 0.05 s of CPU in the last second
            print(f"  workers warm after {time.time() - started:.0f} s (index and cards built at start)")
            return
        last = busy
    print(f"  workers still busy after {limit_seconds:.0f} s: measuring anyway")


def _measure_in_process(load_points, warm_point) -> None:
    """The same two endpoints through django.test.Client in this process: no sockets, no other workers —
    a steadier figure on a shared machine (CPU time of this process per request). The search's URLs are all
    distinct."""
    from django.test import Client
    from django.test.utils import override_settings

    paths = [_search_path(lat, lng) for lat, lng in load_points]
    with override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"]):
        client = Client()
        client.get(MINIMAL_PATH)
        client.get(_search_path(*warm_point))  # the cards are built on a process's first search
        results = {}
        for label, urls in (("minimal", [MINIMAL_PATH] * len(paths)), ("search", paths)):
            started = time.process_time()
            for url in urls:
                assert client.get(url).status_code == 200
            results[label] = (time.process_time() - started) * 1000 / len(urls)
    ratio = results["minimal"] / results["search"]
    print(f"  in-process (django.test.Client), CPU per request, {len(paths):,} distinct search URLs: minimal "
          f"{results['minimal']:.3f} ms, search {results['search']:.3f} ms → CPU ratio {ratio:.2f} (Django's own work "
          f"only, no HTTP server: the goal is judged on the served passes below)")


def run() -> None:
    from django.conf import settings
    from django.core.management import call_command

    _ensure_postgres_database()
    from django.db import connection

    call_command("migrate", verbosity=0)
    print(f"  database: {connection.vendor} ({settings.DATABASES['default']['NAME']})")
    _seed_stations()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE stations_station")
    _measure_index()
    rng = random.Random(SEED + 1)
    points = _query_points(rng)
    _measure_server_time(points)
    _measure_list()
    # One draw for every pass and the warm-up, so that no URL is in two of them.
    load_points = _query_points(random.Random(SEED + 2), LOAD_PASSES * LOAD_POINTS + WARM_POINTS)
    passes = [load_points[n * LOAD_POINTS:(n + 1) * LOAD_POINTS] for n in range(LOAD_PASSES)]
    _measure_in_process(passes[0], load_points[-1])
    _measure_rps(passes, load_points[LOAD_PASSES * LOAD_POINTS:])
