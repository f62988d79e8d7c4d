"""Booking rush: 1,000 members try to book one seat each of a 100-seat session at once, on PostgreSQL.
Each attempt runs the real service (booking_or_waitlist: conditional UPDATE, ticket, audit, notification)
in a thread with its own database connection, THREADS at a time. Expected: exactly 100 confirmed, 900 on the
waiting list, none lost or doubled. Figure: attempts (bookings or waiting-list entries) per second.
"""

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from bench.bench_culture_menu import PG_URL, ensure_database
from bench.report import record, run_child

ATTEMPTS = 1_000
SEATS = 100
THREADS = 48  # below PostgreSQL's max_connections (100)
TITLE = "抢票压测：新年音乐会"
ROOT = Path(__file__).resolve().parent.parent


def prepare():
    from django.db import transaction
    from django.utils import timezone

    from culture.models import Booking, MenuItem, Session, Venue, WaitlistEntry
    from members.models import Branch, Member, Notification, User

    with transaction.atomic():
        old = MenuItem.objects.filter(title=TITLE)
        WaitlistEntry.objects.filter(session__item__in=old).delete()
        Booking.objects.filter(session__item__in=old).delete()
        Session.objects.filter(item__in=old).delete()
        old.delete()
        Notification.objects.filter(user__mobile__startswith="136").delete()

        city = Branch.objects.get_root_nodes().filter(name="压测市总工会").first() or Branch.objects.add_root(
            {"name": "压测市总工会", "kind": "city"}
        )
        venue = Venue.objects.create(branch=city, name="压测音乐厅", kind="hall", capacity=SEATS, address="压测路 2 号")
        item = MenuItem.objects.create(
            title=TITLE, branch=city, category="performance", venue=venue, status="published", max_seats_per_booking=1
        )
        start = timezone.now() + timedelta(days=3)
        session = Session.objects.create(
            item=item,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            capacity=SEATS,
            price=Decimal("100.00"),
            member_price=Decimal("50.00"),
        )
        users = list(User.objects.filter(mobile__startswith="136", member__isnull=False).order_by("mobile"))
        if len(users) < ATTEMPTS:  # the members are kept between runs (the audit log refers to them)
            users = User.objects.bulk_create(
                [
                    User(mobile=f"136{n:08d}", name=f"抢票职工{n}", mobile_verified=True, password="!")
                    for n in range(ATTEMPTS)
                ]
            )
            Member.objects.bulk_create(
                [
                    Member(
                        user=u,
                        name=u.name,
                        id_number=f"BENCH{n:013d}",
                        birth_date="1990-01-01",
                        gender="M",
                        mobile=u.mobile,
                        branch=city,
                        status="active",
                        member_number=f"R{n:09d}",
                        joined_at=timezone.now(),
                    )
                    for n, u in enumerate(users)
                ]
            )
    return session, users[:ATTEMPTS]


def run() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        print(f"re-running on PostgreSQL ({PG_URL})", flush=True)
        env = {**os.environ, "BENCH_DATABASE_URL": PG_URL, "DJANGO_SETTINGS_MODULE": "portal.settings.bench"}
        run_child("culture_rush", env, cwd=ROOT)  # its figures join this run's report
        return
    ensure_database(os.environ.get("BENCH_DATABASE_URL", PG_URL))
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    session, users = prepare()

    from django.db import connections

    from culture import services
    from culture.models import Booking, Session, WaitlistEntry

    outcomes: dict[str, int] = {"booked": 0, "waiting": 0}
    errors: list[str] = []
    lock = threading.Lock()
    gate = threading.Event()

    def attempt(user):
        gate.wait()
        try:
            booking, _entry = services.booking_or_waitlist(session_id=session.pk, seats=1, user=user)
            with lock:
                outcomes["booked" if booking else "waiting"] += 1
        except Exception as exc:  # counted: a lost attempt fails the run
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}")

    def close_connection(_):
        connections.close_all()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(attempt, u) for u in users]
        started = time.perf_counter()
        gate.set()
        for f in futures:
            f.result()
        elapsed = time.perf_counter() - started
        list(pool.map(close_connection, range(THREADS)))

    session = Session.objects.get(pk=session.pk)
    confirmed = Booking.objects.filter(session=session, status="confirmed")
    waiting = WaitlistEntry.objects.filter(session=session, status="waiting")
    people = set(confirmed.values_list("mobile", flat=True)) | set(waiting.values_list("mobile", flat=True))
    ok = (
        confirmed.count() == SEATS
        and session.seats_taken == SEATS
        and waiting.count() == ATTEMPTS - SEATS
        and len(people) == ATTEMPTS
        and not errors
        and outcomes["booked"] == SEATS
    )
    print(f"{ATTEMPTS} attempts on {SEATS} seats, {THREADS} threads with their own connections")
    print(
        f"confirmed: {confirmed.count()} (service said {outcomes['booked']}), seats_taken: {session.seats_taken}, "
        f"waiting list: {waiting.count()} (service said {outcomes['waiting']}), distinct people: {len(people)}, "
        f"errors: {len(errors)}"
    )
    if errors:
        print("first errors:", errors[:3])
    print(
        f"elapsed {elapsed:.2f} s → {ATTEMPTS / elapsed:.0f} attempts/s "
        f"(each: eligibility checks, conditional UPDATE or waiting-list insert, ticket, audit, inbox message)"
    )
    print(f"exactly {SEATS} confirmed, the rest waiting-listed, none lost or doubled: {'yes' if ok else 'NO'}")
    record(f"booking rush: {ATTEMPTS:,} attempts on {SEATS} seats, {THREADS} threads", ATTEMPTS / elapsed, "/s")
    record("confirmed bookings (and seats taken)", confirmed.count(), "", goal=SEATS, op="=",
           note="" if session.seats_taken == confirmed.count() else f"seats_taken {session.seats_taken}")
    record("waiting-list entries", waiting.count(), "", goal=ATTEMPTS - SEATS, op="=")
    record("people booked or waiting, each once", len(people), "", goal=ATTEMPTS, op="=",
           note=f"{len(errors)} errors" if errors else "")
