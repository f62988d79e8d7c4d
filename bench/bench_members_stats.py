"""Subtree statistics (members, workers, base unions covered, unionisation rate) on 10,000 branches and
500,000 members: goal under 200 ms for the city's subtree with its direct children (what the staff page shows).

The tree is built directly with treebeard-compatible materialised paths and bulk_create (it is kept between runs:
a second run reuses it). On SQLite it runs again on PostgreSQL unless BENCH_SKIP_POSTGRES=1.
"""

import random
import statistics as stats
import time

GOAL_MS = 200
DISTRICTS, STREETS_PER_DISTRICT, BASES_PER_STREET = 10, 10, 99  # 1 + 10 + 100 + 9,900 = 10,011 branches
MEMBERS = 500_000
ROOT_NAME = "统计基准市总工会"


def _step(n: int) -> str:
    from members.models import Branch

    key = Branch.numconv_obj().int2str(n)
    return Branch.alphabet[0] * (Branch.steplen - len(key)) + key


def _build():
    """Branches level by level with their paths, depth and numchild as treebeard would write them; members
    spread over the base unions, nine in ten active."""
    import datetime

    from django.utils import timezone

    from members.models import Branch, Member

    last_root = Branch.objects.filter(depth=1).order_by("path").last()
    root_path = _step(Branch.numconv_obj().str2int(last_root.path) + 1 if last_root else 1)
    rng = random.Random(20261129)
    root = Branch(path=root_path, depth=1, numchild=DISTRICTS, name=ROOT_NAME, kind="city")
    branches = [root]
    bases = []
    for d in range(1, DISTRICTS + 1):
        d_path = root_path + _step(d)
        branches.append(Branch(path=d_path, depth=2, numchild=STREETS_PER_DISTRICT, name=f"区{d:02d}",
                               kind="district", worker_count=rng.randint(0, 200)))
        for s in range(1, STREETS_PER_DISTRICT + 1):
            s_path = d_path + _step(s)
            branches.append(Branch(path=s_path, depth=3, numchild=BASES_PER_STREET, name=f"区{d:02d}街道{s:02d}",
                                   kind="street", worker_count=rng.randint(0, 100)))
            for b in range(1, BASES_PER_STREET + 1):
                base = Branch(path=s_path + _step(b), depth=4, numchild=0, name=f"区{d:02d}街道{s:02d}企业{b:02d}",
                              kind="base", worker_count=rng.randint(20, 150))
                branches.append(base)
                bases.append(base)
    Branch.objects.bulk_create(branches, batch_size=2000)
    base_ids = list(Branch.objects.filter(path__startswith=root_path, kind="base").values_list("id", flat=True))
    born = datetime.date(1985, 1, 1)
    now = timezone.now()
    batch = []
    for i in range(MEMBERS):
        # A few base unions (one in twenty) have no member yet, so "covered" differs from "all".
        branch_id = base_ids[rng.randrange(len(base_ids) - len(base_ids) // 20)]
        active = i % 10 != 0
        batch.append(Member(
            name=f"会员{i}", id_number=f"S{i:017d}", birth_date=born, gender="M", mobile=f"13{i:09d}",
            branch_id=branch_id, status="active" if active else "left", member_number=f"B{i:010d}",
            joined_at=now,
        ))
        if len(batch) == 10_000:
            Member.objects.bulk_create(batch)
            batch = []
    Member.objects.bulk_create(batch)
    return Branch.objects.get(path=root_path)


def _time(fn, repeat: int = 7) -> tuple[float, float]:
    first = None
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        elapsed = (time.perf_counter() - started) * 1000
        first = elapsed if first is None else first
        timings.append(elapsed)
    return first, stats.median(timings)


def run() -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from members.data.statistics import branch_statistics
    from members.models import Branch, Member

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} ({settings.DATABASES['default']['NAME']})")
    root = Branch.objects.filter(name=ROOT_NAME, depth=1).order_by("-path").first()
    if root is None or Member.objects.filter(branch__path__startswith=root.path).count() != MEMBERS:
        if root is not None:
            # Members go; the old branches stay (the default SQLite bench file is shared with other apps'
            # benchmarks, whose rows may point at them) and are renamed out of the way.
            Member.objects.filter(branch__path__startswith=root.path)._raw_delete(Member.objects.db)
            Branch.objects.filter(pk=root.pk).update(name=f"{ROOT_NAME}（旧）")
        started = time.perf_counter()
        root = _build()
        print(f"built the tree in {time.perf_counter() - started:.1f} s")
    # Fresh statistics and (PostgreSQL) a visibility map for index-only scans, as autovacuum keeps them.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    branch_count = Branch.objects.filter(path__startswith=root.path).count()
    print(f"{branch_count:,} branches, {MEMBERS:,} members ({MEMBERS * 9 // 10:,} active)")

    children = list(Branch.objects.filter(path__startswith=root.path, depth=2).values_list("id", flat=True))
    district = Branch.objects.get(pk=children[0])
    streets = list(Branch.objects.filter(path__startswith=district.path, depth=3).values_list("id", flat=True))
    cases = [
        ("city subtree alone", [root.pk]),
        ("city + its 10 districts (staff page)", [root.pk, *children]),
        ("one district + its 10 streets", [district.pk, *streets]),
    ]
    worst = 0.0
    from bench.report import record

    for label, ids in cases:
        first, median = _time(lambda ids=ids: branch_statistics(ids))
        worst = max(worst, median)
        print(f"  {label:<40} first {first:7.1f} ms, median {median:7.1f} ms")
        record(f"subtree statistics, {label}, median of 7", median, "ms", goal=GOAL_MS, op="<")
    city = branch_statistics([root.pk])[0]
    print(f"city: {city.members:,} members / {city.workers:,} workers = {city.unionisation_rate}%, "
          f"{city.base_unions_covered:,} of {city.base_unions:,} base unions covered")
    print(f"slowest median {worst:.1f} ms (goal < {GOAL_MS} ms; ratio {worst / GOAL_MS:.2f} of the budget)")

    if connection.vendor == "sqlite":
        from bench.postgres import rerun_on_postgres

        rerun_on_postgres(__name__)
