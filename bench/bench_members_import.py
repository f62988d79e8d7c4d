"""Bulk import of workers: rows per second and memory, 10,000 vs 100,000 rows (goal ≥ 2,000 rows/s, flat memory).

Runs on the database in BENCH_DATABASE_URL (SQLite file by default); when that is SQLite it runs itself again on
PostgreSQL (database `union_portal_bench` at 127.0.0.1:5432, created if missing) unless BENCH_SKIP_POSTGRES=1.
Each measurement imports a freshly generated CSV into an empty branch through the real service and task body
(`import_job_create` → `import_job_run`): inspection, validation, SQL cross-checks, batched upsert. Memory is the
peak of the process's resident memory (sampled from /proc every 20 ms) during a 10,000-row and a 100,000-row
import, over the resident memory just before each.
"""

import csv
import os
import resource
import tempfile
import threading
import time

GOAL_ROWS_PER_SECOND = 2000
SIZES = (10_000, 100_000)


def _id_number(serial: int) -> str:
    from members.id_numbers import checksum_char

    # Distinct, valid ID numbers: region code and birth date vary with the serial, sequence number 001–999.
    day = 1 + (serial // 999) % 28
    month = 1 + (serial // (999 * 28)) % 12
    year = 1960 + (serial // (999 * 28 * 12)) % 40
    first17 = f"110105{year:04d}{month:02d}{day:02d}{serial % 999 + 1:03d}"
    return first17 + checksum_char(first17)


def _csv_file(rows: int, offset: int) -> str:
    """Writes the CSV to a temporary file, so the bench itself holds no copy of it in memory."""
    handle, path = tempfile.mkstemp(suffix=".csv")
    with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["姓名", "身份证号", "手机号", "工作单位", "就业形态"])
        kinds = ("标准劳动关系", "灵活就业", "platform")
        for i in range(offset, offset + rows):
            writer.writerow([f"职工{i}", _id_number(i), f"13{i % 1_000_000_000:09d}", "示范物流有限公司", kinds[i % 3]])
    return path


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 1024 / 1024


class _PeakRss:
    """Samples the process's resident memory every 20 ms while the import runs: peak minus the start."""

    def __enter__(self):
        self.start = self.peak = _rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss_mb())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mb())

    @property
    def growth(self) -> float:
        return self.peak - self.start


def _import(actor, branch, path: str):
    from django.core.files import File

    from members.data.imports import import_job_create, import_job_run

    started, cpu_started = time.perf_counter(), time.process_time()
    with open(path, "rb") as handle:
        job = import_job_create(actor=actor, branch=branch, uploaded_file=File(handle, name="workers.csv"),
                                mode="valid_only")
    # Outside a transaction the on-commit hook has already run the (eager) task; a queued job runs here.
    job = import_job_run(job_id=job.pk)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    job.refresh_from_db()
    assert job.status == "done" and job.error_count == 0, (job.status, job.message)
    return job, elapsed, cpu


def _clear(name: str) -> None:
    """Removes the members and jobs of earlier runs. The branches stay: the default SQLite bench file is shared
    with other apps' benchmarks, whose rows may point at any branch."""
    from members.models import Branch, ImportJob, Member

    roots = Branch.objects.filter(name__startswith=name, depth=1).values_list("path", flat=True)
    for path in roots:
        Member.objects.filter(branch__path__startswith=path)._raw_delete(Member.objects.db)
        ImportJob.objects.filter(branch__path__startswith=path).delete()


def _fresh_branch(name: str):
    """An empty branch of its own for one measurement."""
    from members.models import Branch

    _clear(name)
    return Branch.objects.add_root({"name": f"{name}{time.time_ns()}", "kind": "city"})


def run() -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from members.models import User

    call_command("migrate", verbosity=0)
    vendor = connection.vendor
    print(f"database: {vendor} ({settings.DATABASES['default']['NAME']})")
    actor, _ = User.objects.get_or_create(mobile="19900000001", defaults={"name": "bench", "is_superuser": True})

    # Warm-up (not reported): the first import loads modules and fills caches once per process.
    path = _csv_file(1000, offset=0)
    try:
        _import(actor, _fresh_branch("导入基准工会"), path)
    finally:
        os.unlink(path)

    # Memory: the peak of the process's resident memory during each import, over what it was just before.
    results = {}
    for rows in SIZES:
        branch = _fresh_branch("导入基准工会")
        path = _csv_file(rows, offset=0)
        try:
            with _PeakRss() as rss:
                job, elapsed, cpu = _import(actor, branch, path)
        finally:
            os.unlink(path)
        results[rows] = (elapsed, rss.growth, job, cpu)
        print(f"  {rows:>7,} rows: {elapsed:6.1f} s = {rows / elapsed:7,.0f} rows/s "
              f"({rows / cpu:,.0f} per CPU-second of this process); created {job.created_count:,}; "
              f"peak RSS during the import +{rss.growth:.1f} MB")
    small, large = results[SIZES[0]][1], results[SIZES[1]][1]
    print(f"memory: peak RSS +{small:.1f} MB at 10k rows, +{large:.1f} MB at 100k rows "
          f"(10x the rows; flat = the 100k figure close to the 10k one)")
    elapsed = results[SIZES[1]][0]
    rate = SIZES[1] / elapsed
    print(f"import 100,000 new members: {rate:,.0f} rows/s wall clock (goal {GOAL_ROWS_PER_SECOND:,}; "
          f"ratio {rate / GOAL_ROWS_PER_SECOND:.2f}x); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

    # The same 100,000-row file again: every row is an existing member of the branch, so nothing is created.
    path = _csv_file(SIZES[1], offset=0)
    try:
        job, elapsed, _cpu = _import(actor, branch, path)
    finally:
        os.unlink(path)
    rate_again = SIZES[1] / elapsed
    print(f"re-import of the same file: {rate_again:,.0f} rows/s (ratio {rate_again / GOAL_ROWS_PER_SECOND:.2f}x); "
          f"created {job.created_count}, updated {job.updated_count} — no duplicates")
    _clear("导入基准工会")
    from bench.report import record

    record(f"import of {SIZES[1]:,} new members", rate, "rows/s", goal=GOAL_ROWS_PER_SECOND, op="≥")
    record(f"re-import of the same {SIZES[1]:,} rows (all unchanged)", rate_again, "rows/s",
           goal=GOAL_ROWS_PER_SECOND, op="≥")
    # "Flat memory" taken literally: 10× the rows, no more memory than the 10,000-row import took.
    record(f"peak RSS growth during the {SIZES[1]:,}-row import", large, "MB", goal=small, op="≤",
           goal_note=f"as at {SIZES[0]:,} rows: flat")

    if vendor == "sqlite":
        from bench.postgres import rerun_on_postgres

        rerun_on_postgres(__name__)
