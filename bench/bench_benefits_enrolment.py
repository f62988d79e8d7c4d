"""Group enrolment of all members of one branch: time and queries at 5,000 and 50,000 members.

Goal (issue 4): 50,000 members in under 30 s on PostgreSQL, with a number of queries that does not grow with
the members. Run on PostgreSQL with
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/union_portal_bench_benefits python -m bench benefits_enrolment
(the database is created if missing, then flushed and migrated: it is a throw-away database).
"""

import datetime
import time
from decimal import Decimal

GOAL_SECONDS = 30.0
SIZES = (5_000, 50_000)


def _ensure_postgres_database() -> None:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        return
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(dbname="postgres", user=db.get("USER") or "postgres", host=db.get("HOST") or None,
                            port=db.get("PORT") or None, password=db.get("PASSWORD") or None)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if cur.fetchone() is None:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
    conn.close()


def _members(branch, count: int, offset: int):
    from members.id_numbers import checksum_char
    from members.models import Member

    birth = datetime.date(1985, 3, 15)
    rows = []
    for i in range(offset, offset + count):
        first17 = f"{350000 + i // 1000:06d}19850315{i % 1000:03d}"
        rows.append(Member(
            name=f"职工{i}", id_number=first17 + checksum_char(first17), birth_date=birth, gender="M",
            mobile=f"137{i:08d}", employer="基准测试有限公司", branch=branch, status="active",
            member_number=f"B{i:09d}",
        ))
    Member.objects.bulk_create(rows, batch_size=5000)


def run() -> None:
    _ensure_postgres_database()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from benefits.models import Plan, SubsidyRule, Tier
    from benefits.services import group_enrolment_create
    from members.models import Branch, StaffRole, User

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    today = timezone.localdate()
    city = Branch.objects.add_root({"name": "基准市总工会", "kind": "city"})
    district = Branch.objects.add_child(city, {"name": "基准区总工会", "kind": "district"})
    staff = User.objects.create_user(mobile="13800000001", password="bench-password", is_staff=True)
    StaffRole.objects.create(user=staff, branch=city, role="finance")
    plan = Plan.objects.create(
        code="bench", year=today.year, name="基准方案", federation=city,
        enrol_opens=today - datetime.timedelta(days=1), enrol_closes=today + datetime.timedelta(days=1),
        cover_starts=today, cover_ends=today + datetime.timedelta(days=365), waiting_days=90,
    )
    tier = Tier.objects.create(plan=plan, code="basic", name="基础档", fee=Decimal("36.00"))
    SubsidyRule.objects.create(plan=plan, paying_branch=district, share=Decimal("0.5"), non_public_only=True)
    from django.contrib.contenttypes.models import ContentType

    from benefits.models import Payment

    ContentType.objects.get_for_model(Payment)  # warm the audit log's cache: the first run would count it
    offset = 0
    print(f"database: {connection.vendor}")
    results = {}
    for size in SIZES:
        district.refresh_from_db()
        branch = Branch.objects.add_child(district, {"name": f"基准公司工会{size}", "kind": "base"})
        _members(branch, size, offset)
        offset += size
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = group_enrolment_create(actor=staff, plan_id=plan.pk, tier_id=tier.pk, branch_id=branch.pk,
                                            employer_non_public=True, amount=Decimal("18.00") * size)
            elapsed = time.perf_counter() - started
        assert result.enrolled == size
        slowest = sorted(queries.captured_queries, key=lambda q: float(q["time"]), reverse=True)[:3]
        for q in slowest:
            print(f"    {float(q['time']):6.2f} s  {q['sql'][:110]}")
        results[size] = (elapsed, len(queries))
        print(f"group enrolment of {size:>6} members: {elapsed:6.2f} s, {len(queries)} queries, "
              f"{size / elapsed:,.0f} members/s")
    elapsed, _ = results[SIZES[-1]]
    print(f"goal: {SIZES[-1]} members under {GOAL_SECONDS:.0f} s — {elapsed:.2f} s "
          f"(ratio to goal {elapsed / GOAL_SECONDS:.2f}; below 1 meets it)")
    small, large = results[SIZES[0]][1], results[SIZES[-1]][1]
    # The goal is "not growing": fewer queries at the larger size meet it too.
    print(f"queries at {SIZES[0]} and {SIZES[-1]}: {small} and {large} — "
          f"{'constant' if small == large else 'fewer' if large < small else 'GROWING'}")
    from bench.report import record

    record(f"group enrolment of {SIZES[-1]:,} members", elapsed, "s", goal=GOAL_SECONDS, op="<",
           note="" if connection.vendor == "postgresql" else "the goal is stated on PostgreSQL")
    record("queries of that enrolment", large, "", goal=small, op="≤",
           goal_note=f"as at {SIZES[0]:,} members: not growing")
