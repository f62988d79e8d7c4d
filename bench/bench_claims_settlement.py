"""Settlement records (免申即享, issue 20): an import of 50,000 hospital settlement records on PostgreSQL with a real
Celery worker — rows read and matched per second with flat memory, claims assessed per second while the import's
claims are filed, and the admin and staff pages answering meanwhile.

Goals: rows read and matched ≥ 2,000/s, memory flat (the 50,000-row import's peak RSS growth no more than the
10,000-row one's, plus a small allowance for the interpreter), claims assessed ≥ 100/s, pages answering normally
(median under 300 ms of server time, as the claims' admin queue goal).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/up_settle_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/13 python -m bench claims_settlement

The database is created if missing and emptied (a throw-away database). Memory: the import task's reading body runs
in this process for 10,000 and 50,000 records (so its peak memory is this process's to measure; the filing it would
queue is left out). Planner statistics are refreshed once a minute, as autovacuum does on a production server (the
test servers here run without it). Then a third file of
50,000 records is uploaded as staff upload it and a real worker (`celery -A portal worker -c 2`) does the rest: it
reads and matches the file, files every record's stay and assesses every line, while pages are timed; at most
BENCH_SETTLEMENT_WORKER_SECONDS (default 2,400). Without CELERY_BROKER_URL the worker part is skipped.
"""

import datetime
import os
import statistics
import tempfile
import time

from bench.bench_claims import (
    _empty_database,
    _ensure_postgres_database,
    _queue_timing,
    _speed_goal,
    _start_worker,
    bench_plan,
)
from bench.bench_members_import import _id_number, _PeakRss
from bench.report import record

GOAL_ROWS_PER_SECOND = 2000.0
GOAL_ASSESSED_PER_SECOND = 100.0
GOAL_PAGE_MS = 300.0
MEMORY_ALLOWANCE_MB = 8.0
RECORDS = int(os.environ.get("BENCH_SETTLEMENT_RECORDS", "50000"))
SMALL = RECORDS // 5
WORKER_SECONDS = float(os.environ.get("BENCH_SETTLEMENT_WORKER_SECONDS", "2400"))
HEADER = ["身份证号", "姓名", "医院", "入院日期", "出院日期", "医疗费用总额", "个人自付", "床位费", "结算单号",
          "诊断编码"]


def _world():
    from benefits.models import Enrolment
    from members.models import Branch, Member, StaffRole, User

    today = datetime.date.today()
    city = Branch.add_root(name="基准市总工会", kind="city")
    district = city.add_child(name="基准区总工会", kind="district")
    bases = [district.add_child(name=f"基准公司工会{i}", kind="base") for i in range(10)]
    plan, tier = bench_plan(city=city, code="bench-settlement", today=today)
    staff = User.objects.create_user(mobile="13800000002", password="bench-password", is_staff=True,
                                     name="基准审核员")
    StaffRole.objects.create(user=staff, branch=city, role="claims_reviewer")
    StaffRole.objects.create(user=staff, branch=city, role="branch_admin")
    started = time.perf_counter()
    for first in range(0, RECORDS, 5000):
        numbers = range(first, min(first + 5000, RECORDS))
        users = User.objects.bulk_create([User(mobile=f"139{i:08d}", name=f"职工{i}", password="!") for i in numbers])
        members = Member.objects.bulk_create([
            Member(user=user, name=f"职工{i}", id_number=_id_number(i), birth_date=datetime.date(1985, 3, 15),
                   gender="M", mobile=f"139{i:08d}", employer="基准公司", branch=bases[i % len(bases)],
                   status="active", member_number=f"C{i:09d}")
            for i, user in zip(numbers, users, strict=True)])
        Enrolment.objects.bulk_create([
            Enrolment(plan=plan, tier=tier, member=m, branch_id=m.branch_id, status="active", fee=tier.fee,
                      member_part=tier.fee, cover_start=plan.cover_starts, cover_end=plan.cover_ends)
            for m in members])
    print(f"  ({RECORDS:,} enrolled members in {time.perf_counter() - started:.1f} s)")
    return {"city": city, "staff": staff}


def _records_file(count: int, *, prefix: str, days_ago: int) -> str:
    """A CSV of `count` records of members 0..count-1 (a temporary file: this process holds no copy)."""
    import csv

    start = datetime.date.today() - datetime.timedelta(days=days_ago)
    handle, path = tempfile.mkstemp(suffix=".csv")
    with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for i in range(count):
            writer.writerow([_id_number(i), f"职工{i}", "市第一医院", start.isoformat(),
                             (start + datetime.timedelta(days=1 + i % 6)).isoformat(), "8000.00", "3000.00",
                             "200.00", f"{prefix}{i:08d}", "K35.9"])
    return path


def _read_and_match(world, count: int, *, prefix: str, days_ago: int):
    """Creates the import as staff do and runs its reading task's body here; its filing tasks go to the broker."""
    from django.core.files import File

    from benefits.models import SettlementImport
    from benefits.settlement import services

    path = _records_file(count, prefix=prefix, days_ago=days_ago)
    try:
        with open(path, "rb") as handle:
            job = SettlementImport.objects.create(branch=world["city"], uploaded_by=world["staff"], file_format="csv",
                                                  encoding="utf-8-sig", original_name="bench.csv")
            job.file.save("bench.csv", File(handle), save=True)
        with _PeakRss() as rss:
            started = time.perf_counter()
            # The reading task's body without the filing it queues at the end: that would run here, in-process,
            # without a broker (the worker part below files a whole import).
            services._read(job)
            elapsed = time.perf_counter() - started
    finally:
        os.unlink(path)
    job.refresh_from_db()
    assert job.matched_count == count, (job.status, job.message, job.matched_count)
    return job, elapsed, rss.growth


def _analyze() -> None:
    """What autovacuum does on a production server (about once a minute on a table that changed): planner
    statistics. The test servers here run without autovacuum; an import that takes the claims table from none to
    100,000 rows would otherwise be planned as if it were empty."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE benefits_claim, benefits_claimstay, benefits_settlementrecord, "
                           "benefits_claimevent, benefits_enrolment, members_member")


def _assessed_rate(since) -> tuple[int, float]:
    """Claims from records assessed since `since`, and their rate from the first to the last assessment."""
    from benefits.models import Claim

    stamps = list(Claim.objects.filter(source="settlement", assessed_at__gte=since)
                  .values_list("assessed_at", flat=True).order_by("assessed_at"))
    if len(stamps) < 2:
        return len(stamps), 0.0
    return len(stamps), (len(stamps) - 1) / max((stamps[-1] - stamps[0]).total_seconds(), 1e-6)


def _upload(world, count: int, *, prefix: str, days_ago: int):
    """The import created as staff's upload creates it: its reading task goes to the worker through the outbox."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from benefits.settlement import services

    path = _records_file(count, prefix=prefix, days_ago=days_ago)
    try:
        with open(path, "rb") as handle:
            upload = SimpleUploadedFile("bench.csv", handle.read(), content_type="text/csv")
    finally:
        os.unlink(path)
    with transaction.atomic():
        return services.settlement_import_create(actor=world["staff"], branch_id=world["city"].pk,
                                                 uploaded_file=upload)


def bench_worker(world, client) -> None:
    """A whole import of RECORDS records by a real worker (-c 2), from the upload to the last claim assessed: the
    worker reads and matches the file, files every record's stay and assesses every line, while the admin's
    review queue and the settlement page are timed."""
    from django.utils import timezone

    from benefits.models import Claim, SettlementImport, SettlementRecord
    from portal.celery_app import app

    app.control.purge()  # the in-process imports' filing tasks: not part of this run
    pages = {"admin review queue": "/admin/benefits/claim/?level=base",
             "settlement imports page": "/benefits/staff/settlement/"}
    timings: dict[str, list[float]] = {name: [] for name in pages}
    worker = _start_worker(2)
    try:
        since = timezone.now()
        started = time.monotonic()
        job = _upload(world, RECORDS, prefix="F", days_ago=30)
        read_at = filed_at = None
        next_page, next_analyze = 0.0, 60.0
        while time.monotonic() - started < WORKER_SECONDS:
            status = SettlementImport.objects.filter(pk=job.pk).values_list("status", flat=True).get()
            now = time.monotonic() - started
            if read_at is None and status in (SettlementImport.Status.FILING, SettlementImport.Status.DONE):
                read_at = now
            if status == SettlementImport.Status.FAILED:
                raise RuntimeError(SettlementImport.objects.get(pk=job.pk).message)
            if filed_at is None and status == SettlementImport.Status.DONE:
                filed_at = now
            # (By the state index: this poll must not cost the worker what it measures.)
            if filed_at is not None and not Claim.objects.filter(state=Claim.State.SUBMITTED).exists():
                break
            if now >= next_analyze:
                _analyze()
                next_analyze = now + 60.0
            if now >= next_page:  # each page every 5 s while the worker works: staff following the import
                for name, url in pages.items():
                    median, _worst, _queries = _queue_timing(client, url, repeats=1)
                    timings[name].append(median)
                next_page = now + 5.0
            time.sleep(0.5)
        elapsed = time.monotonic() - started
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except Exception:
            worker.kill()
        app.control.purge()
    job.refresh_from_db()
    filed = SettlementRecord.objects.filter(job=job, stay__isnull=False).count()
    lines = Claim.objects.filter(source="settlement", submitted_at__gte=since)
    total_lines, assessed_lines = lines.count(), lines.filter(assessed_at__isnull=False).count()
    assessed, rate = _assessed_rate(since)
    last_filed = lines.order_by("-submitted_at").values_list("submitted_at", flat=True).first()
    assessed_alone, rate_alone = _assessed_rate(last_filed or since)
    read_seconds = None
    if job.started_at and read_at:
        # From the moment the worker took the job to the first poll that saw it filing (polls 0.2 s apart).
        read_seconds = read_at - (job.started_at - since).total_seconds()
    print(f"worker (-c 2), {RECORDS:,} records uploaded at once; job {job.status}, matched {job.matched_count:,}, "
          f"{filed:,} stays filed with {total_lines:,} lines, {assessed_lines:,} assessed; {elapsed:.0f} s in all")
    if read_seconds:
        read_rate = job.total_rows / read_seconds
        print(f"  read and matched by the worker: {read_seconds:.1f} s = {read_rate:,.0f} rows/s "
              f"(goal {GOAL_ROWS_PER_SECOND:,.0f}; ratio {read_rate / GOAL_ROWS_PER_SECOND:.2f}x)")
        record(f"settlement records read and matched by the worker, {job.total_rows:,}", read_rate, "rows/s",
               **_speed_goal(GOAL_ROWS_PER_SECOND, "≥"))
    if filed_at and read_at:
        filing_rate = filed / (filed_at - read_at)
        print(f"  filed as stays: {filed_at - read_at:.0f} s = {filing_rate:,.0f} records/s "
              f"({filing_rate * total_lines / max(filed, 1):,.0f} lines/s), the worker assessing meanwhile")
        record(f"records filed as stays (lines submitted) by the worker (-c 2), {filed:,}", filing_rate, "/s",
               note="informational: no goal in the issue; the worker assesses meanwhile")
    end_to_end = assessed_lines / elapsed
    print(f"  claims assessed: {assessed:,} at {rate:,.1f}/s from the first to the last assessment "
          f"(goal {GOAL_ASSESSED_PER_SECOND:.0f}; ratio {rate / GOAL_ASSESSED_PER_SECOND:.2f}x); "
          f"{end_to_end:,.1f}/s from the upload to the last (ratio {end_to_end / GOAL_ASSESSED_PER_SECOND:.2f}x)")
    print(f"  of which {assessed_alone:,} after the last stay was filed (the worker assessing only): "
          f"{rate_alone:,.1f}/s (ratio {rate_alone / GOAL_ASSESSED_PER_SECOND:.2f}x)")
    record(f"claims from settlement records assessed by the worker (-c 2, filing meanwhile), {assessed:,}", rate,
           "/s", **_speed_goal(GOAL_ASSESSED_PER_SECOND, "≥"))
    record(f"the same from the upload to the last claim assessed, {assessed_lines:,} of {total_lines:,}",
           end_to_end, "/s", **_speed_goal(GOAL_ASSESSED_PER_SECOND, "≥"))
    record(f"the same once every stay was filed (assessing only), {assessed_alone:,}", rate_alone, "/s",
           **_speed_goal(GOAL_ASSESSED_PER_SECOND, "≥"))
    for name, values in timings.items():
        median, worst = statistics.median(values), max(values)
        print(f"{name} while the worker reads, files and assesses: median {median:.1f} ms, max {worst:.1f} ms over "
              f"{len(values)} requests (goal < {GOAL_PAGE_MS:.0f} ms; ratio {median / GOAL_PAGE_MS:.2f})")
        record(f"{name} during the import, median", median, "ms", **_speed_goal(GOAL_PAGE_MS, "<"))


def run() -> None:
    _ensure_postgres_database()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    _empty_database()
    print(f"database: {connection.vendor}; broker: {settings.CELERY_BROKER_URL or 'none (in-process only)'}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    world = _world()
    _analyze()
    if settings.CELERY_BROKER_URL:
        from portal.celery_app import app

        app.control.purge()
    # Warm-up (not reported): modules and caches, once per process.
    _read_and_match(world, 500, prefix="W", days_ago=150)
    results, job = {}, None
    for count, prefix, days_ago in ((SMALL, "S", 120), (RECORDS, "L", 60)):
        job, elapsed, growth = _read_and_match(world, count, prefix=prefix, days_ago=days_ago)
        results[count] = (elapsed, growth)
        print(f"  {count:>7,} records read and matched: {elapsed:6.1f} s = {count / elapsed:7,.0f} rows/s; "
              f"matched {job.matched_count:,}; peak RSS during the read +{growth:.1f} MB")
    rate = RECORDS / results[RECORDS][0]
    print(f"read and match {RECORDS:,} records: {rate:,.0f} rows/s (goal {GOAL_ROWS_PER_SECOND:,.0f}; "
          f"ratio {rate / GOAL_ROWS_PER_SECOND:.2f}x)")
    small, large = results[SMALL][1], results[RECORDS][1]
    print(f"memory: peak RSS +{small:.1f} MB at {SMALL:,} records, +{large:.1f} MB at {RECORDS:,} (flat = close)")
    record(f"settlement records read and matched, {RECORDS:,}", rate, "rows/s",
           **_speed_goal(GOAL_ROWS_PER_SECOND, "≥"))
    record(f"peak RSS growth reading {RECORDS:,} records", large, "MB", goal=small + MEMORY_ALLOWANCE_MB, op="≤",
           goal_note=f"as at {SMALL:,} records (+{MEMORY_ALLOWANCE_MB:.0f} MB): flat")

    storages = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(STORAGES=storages):
        client = Client()
        client.force_login(world["staff"])
        if settings.CELERY_BROKER_URL:
            bench_worker(world, client)
        else:
            print("worker part skipped: set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/13) to measure it")
            record("claims from settlement records assessed by the worker", None, "/s",
                   goal=GOAL_ASSESSED_PER_SECOND, op="≥", note="no CELERY_BROKER_URL, no worker")
