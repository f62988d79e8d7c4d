"""The public cultural-palace menu under load: 20,000 items and 100,000 sessions on PostgreSQL, served by
gunicorn on loopback. Figure: requests per second of the menu list, as a ratio to a minimal Django view
(HttpResponse("ok") through the same middleware) in the same run. Goal: at least 0.5.

The menu body (and the events list) is cached for 30 s per query; the load runs after a warm-up in which
every connection has fetched every page once, so it measures the steady state of a busy menu. The client
keeps cookies like a browser. Cache misses are timed separately at the end (in-process, queries only).

Runs on PostgreSQL: when the bench database is not PostgreSQL it re-runs itself with
BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/union_portal_bench_culture (created if missing).
"""

import http.client
import os
import random
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.http import HttpResponse
from django.urls import include, path

from bench.report import record, run_child

PG_URL = "postgres://postgres@127.0.0.1:5432/union_portal_bench_culture"
ITEMS = 20_000
SESSIONS = 100_000
RATED_ITEMS = 2_000
SECONDS = 12.0
ROUNDS = 4
CLIENT_THREADS = 4
GUNICORN_WORKERS = max(2, os.cpu_count() or 2)
GOAL = 0.5
ROOT = Path(__file__).resolve().parent.parent


# --- The bench's URLconf: the portal plus a minimal view to compare with ------------------------------------


def minimal(request):
    return HttpResponse("ok")


def __getattr__(name: str):
    """The URLconf's `urlpatterns`, built on first use (the portal's urls import apps, so not at import time)."""
    if name == "urlpatterns":
        return [path("bench/minimal/", minimal), path("", include("portal.urls"))]
    raise AttributeError(name)


def wsgi_app():
    """gunicorn 'bench.bench_culture_menu:wsgi_app()': the portal's WSGI app with this module as URLconf."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.bench")
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    settings.ROOT_URLCONF = "bench.bench_culture_menu"
    return application


# --- Database ----------------------------------------------------------------------------------------------


def ensure_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    name = url.rsplit("/", 1)[1]
    conn = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conn.close()


def seed() -> None:
    from django.db import transaction
    from django.utils import timezone

    from culture.models import Booking, Category, MenuItem, Rating, Session, Venue
    from members.models import Branch, User

    if MenuItem.objects.filter(title__startswith="压测项目").count() >= ITEMS:
        return
    started = time.perf_counter()
    rng = random.Random(42)
    with transaction.atomic():
        city = Branch.objects.get_root_nodes().filter(name="压测市总工会").first() or Branch.objects.add_root(
            {"name": "压测市总工会", "kind": "city"}
        )
        venues = Venue.objects.bulk_create(
            [
                Venue(branch=city, name=f"压测场馆{i}", kind="hall", capacity=500, address="压测路 1 号")
                for i in range(40)
            ]
        )
        categories = [c for c, _ in Category.choices]
        now = timezone.now()
        words = ["职工", "合唱", "书法", "电影", "篮球", "非遗", "摄影", "舞蹈", "讲座", "亲子", "技能", "法律"]
        items = MenuItem.objects.bulk_create(
            [
                MenuItem(
                    title=f"压测项目{i} {rng.choice(words)}{rng.choice(words)}",
                    description="压测用服务项目。" * 5,
                    branch=city,
                    category=categories[i % len(categories)],
                    venue=venues[i % len(venues)],
                    tags=" ".join(rng.sample(words, 3)),
                    status="published",
                    entry_mode="team" if categories[i % len(categories)] == "contest" else "",
                    created_at=now - timedelta(minutes=i),
                )
                for i in range(ITEMS)
            ],
            batch_size=5000,
        )
        sessions = []
        for n in range(SESSIONS):
            item = items[n % ITEMS]
            start = now + timedelta(hours=1 + (n * 7) % (24 * 60))
            price = Decimal(rng.choice(["0", "20", "50", "80"]))
            sessions.append(
                Session(
                    item=item,
                    starts_at=start,
                    ends_at=start + timedelta(hours=2),
                    capacity=100,
                    seats_taken=rng.randint(0, 100),
                    price=price,
                    member_price=price / 2,
                )
            )
        Session.objects.bulk_create(sessions, batch_size=10000)
        rated = Session.objects.filter(item__in=items[:RATED_ITEMS]).order_by("id")[:RATED_ITEMS]
        bookings = Booking.objects.bulk_create(
            [
                Booking(
                    session=s,
                    mobile=f"137{k:08d}",
                    seats=1,
                    unit_price=0,
                    total_price=0,
                    code=f"bench-{k}",
                    short_code=f"B{k:07d}",
                    checked_in_at=now,
                )
                for k, s in enumerate(rated)
            ],
            batch_size=5000,
        )
        rater, _ = User.objects.get_or_create(mobile="13799999999", defaults={"name": "压测评价人"})
        Rating.objects.bulk_create(
            [
                Rating(
                    booking=b,
                    session_id=b.session_id,
                    item_id=b.session.item_id,
                    user=rater,
                    score=rng.randint(3, 5),
                    created_at=now,
                )
                for b in Booking.objects.filter(pk__in=[b.pk for b in bookings]).select_related("session")
            ],
            batch_size=5000,
        )
    print(f"seeded {ITEMS} items, {SESSIONS} sessions in {time.perf_counter() - started:.1f} s", flush=True)


# --- Load --------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(port: int, paths: list[str], seconds: float) -> tuple[float, int, int]:
    """Closed-loop load from CLIENT_THREADS keep-alive connections; returns (rps, ok, errors)."""
    deadline = time.perf_counter() + seconds
    counts = {"ok": 0, "err": 0}
    lock = threading.Lock()

    def worker(seed: int):
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        ok = err = 0
        cookies: dict[str, str] = {}  # like a browser: the CSRF cookie set by the first page is sent back
        while time.perf_counter() < deadline:
            try:
                headers = {"Host": "127.0.0.1"}
                if cookies:
                    headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
                conn.request("GET", rng.choice(paths), headers=headers)
                response = conn.getresponse()
                response.read()
                for header in response.headers.get_all("Set-Cookie") or []:
                    name, _, rest = header.partition("=")
                    cookies[name.strip()] = rest.split(";", 1)[0]
                if response.status == 200:
                    ok += 1
                else:
                    err += 1
            except (OSError, http.client.HTTPException):
                err += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()
        with lock:
            counts["ok"] += ok
            counts["err"] += err

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CLIENT_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return counts["ok"] / elapsed, counts["ok"], counts["err"]


def warm(port: int, paths: list[str]) -> None:
    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for p in paths:
            conn.request("GET", p, headers={"Host": "127.0.0.1"})
            conn.getresponse().read()
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(CLIENT_THREADS * 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/bench/minimal/", headers={"Host": "127.0.0.1"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not start")


def run() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        print(f"re-running on PostgreSQL ({PG_URL})", flush=True)
        env = {**os.environ, "BENCH_DATABASE_URL": PG_URL, "DJANGO_SETTINGS_MODULE": "portal.settings.bench"}
        run_child("culture_menu", env, cwd=ROOT)  # its figures join this run's report
        return
    ensure_database(os.environ.get("BENCH_DATABASE_URL", PG_URL))
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest storage needs it
    seed()
    from django.db import connection as db

    with db.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # planner statistics and visibility map after the bulk load
    from culture.models import MenuItem, Session

    print(f"database: {MenuItem.objects.count()} items, {Session.objects.count()} sessions", flush=True)

    port = free_port()
    # The API's throttles would answer most of the load with 429: the bench measures the pages' cost, not the
    # throttle, so both are lifted for this server. Both count an anonymous client: DRF's UserRateThrottle falls
    # back to the client's address when nobody is signed in, so lifting only the anonymous rate left 600/min.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.bench",
           "API_THROTTLE_ANON": "100000000/min", "API_THROTTLE_USER": "100000000/min"}
    server = subprocess.Popen(  # noqa: S603 — fixed arguments
        [
            sys.executable,
            "-m",
            "gunicorn",
            "bench.bench_culture_menu:wsgi_app()",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(GUNICORN_WORKERS),
            "--worker-class",
            "gthread",
            "--threads",
            "2",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for(port)
        menu_paths = [f"/culture/?page={p}" for p in range(1, 51)] + [
            "/culture/?category=film",
            "/culture/?price=free&page=2",
            "/culture/?q=%E5%90%88%E5%94%B1",
            "/culture/?seats_left=on",
        ]
        load(port, ["/bench/minimal/"], 1.5)  # warm-up: workers loaded, connections open
        # Interleaved rounds, so that other load on the machine weighs on both sides alike.
        menu_rps, minimal_rps, api_rps = [], [], []
        api_paths = [f"/api/v1/events/?page={p}" for p in range(1, 51)]
        for _ in range(ROUNDS):
            warm(port, menu_paths)  # every connection (so every worker) has the pages cached (30 s)
            warm(port, api_paths)
            menu_rps.append(load(port, menu_paths, SECONDS / ROUNDS))
            minimal_rps.append(load(port, ["/bench/minimal/"], SECONDS / ROUNDS))
            api_rps.append(load(port, api_paths, SECONDS / ROUNDS))
    finally:
        server.terminate()
        server.wait(timeout=20)

    def total(rounds):
        return sum(r[0] for r in rounds) / len(rounds), sum(r[1] for r in rounds), sum(r[2] for r in rounds)

    (menu, menu_ok, menu_err), (minimal, minimal_ok, minimal_err), (api, api_ok, api_err) = (
        total(menu_rps),
        total(minimal_rps),
        total(api_rps),
    )
    ratio = menu / minimal if minimal else 0.0
    print(
        f"gunicorn {GUNICORN_WORKERS} workers × 2 threads, {CLIENT_THREADS} client threads, {ROUNDS} interleaved "
        f"rounds of {SECONDS / ROUNDS:.1f} s each, {os.cpu_count()} CPUs shared by client and server"
    )
    print(f"minimal Django view: {minimal:8.1f} req/s ({minimal_ok} ok, {minimal_err} errors)")
    print(f"menu list /culture/: {menu:8.1f} req/s ({menu_ok} ok, {menu_err} errors)")
    print(f"API /api/v1/events/: {api:8.1f} req/s ({api_ok} ok, {api_err} errors)")
    rounds = zip(menu_rps, minimal_rps, strict=True)
    print("per round, menu/minimal: " + ", ".join(f"{m[0] / n[0]:.2f}" for m, n in rounds))
    print(f"menu / minimal ratio: {ratio:.2f} (goal ≥ {GOAL}) → {'met' if ratio >= GOAL else 'NOT met'}")
    print(f"API  / minimal ratio: {api / minimal if minimal else 0:.2f} (informational)")
    rounds_text = ", ".join(f"{m[0] / n[0]:.2f}" for m, n in zip(menu_rps, minimal_rps, strict=True))
    def errors(count: int, ok: int) -> str:
        # Only answers 200 count as done; any other (e.g. 429 from the API's throttle) is an error.
        return f"; {count:,} of {count + ok:,} answers not 200" if count else ""

    record("menu list /culture/ req/s ÷ minimal Django view req/s, gunicorn", ratio, "", goal=GOAL, op="≥",
           note=f"{menu:,.0f} / {minimal:,.0f} req/s; rounds {rounds_text}{errors(menu_err, menu_ok)}"
                f"{errors(minimal_err, minimal_ok)}")
    record("API /api/v1/events/ req/s ÷ minimal view req/s", api / minimal if minimal else 0.0, "",
           note=f"{api:,.0f} req/s{errors(api_err, api_ok)}")
    print_uncached_timings()


def print_uncached_timings() -> None:
    """What a cache miss costs: the menu's queries for the first, a middle and a filtered page, in-process."""
    from culture import selectors

    cases = [
        ("page 1", selectors.MenuFilters(), 1),
        ("page 500", selectors.MenuFilters(), 500),
        ("q=合唱 page 2", selectors.MenuFilters(q="合唱"), 2),
        ("free, seats left", selectors.MenuFilters(price="free", seats_left=True), 1),
    ]
    from django.core.paginator import Paginator

    for label, filters, number in cases:
        started = time.perf_counter()
        for _ in range(5):
            page = Paginator(selectors.menu_item_ids(filters), 20).get_page(number)
            selectors.menu_items_for_ids(list(page.object_list), filters)
        print(f"uncached menu queries, {label}: {(time.perf_counter() - started) / 5 * 1000:.1f} ms")
