"""`make bench`: runs every bench/bench_*.py module's `run()`, prints its figures and writes bench/REPORT.md.

Benchmarks are not tests: they measure speed and memory against the goals in the issues, print them, and record
them (bench/report.py) for the report: figure, goal, measured, ratio, verdict, the machine and the date. Run one
with `python -m bench NAME` (e.g. `python -m bench members_import`): only its rows of the report are replaced.
They run on the database in BENCH_DATABASE_URL (SQLite by default); set it to PostgreSQL to measure there. A
benchmark that fails is reported as failed and the others still run; the exit status is then 1.
"""

import importlib
import os
import pkgutil
import sys
import time
import traceback


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.bench")
    import django

    django.setup()
    import bench
    from bench import report

    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    wanted = [f"bench_{a}" if not a.startswith("bench_") else a for a in argv]
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        print(f"no such benchmark: {', '.join(unknown)}; there are {', '.join(names)}", file=sys.stderr)
        return 2
    runs = []
    for name in names:
        if wanted and name not in wanted:
            continue
        short = name.removeprefix("bench_")
        print(f"\n== {name} ==", flush=True)
        began, load, started = report.now(), os.getloadavg()[0], time.perf_counter()
        error = ""
        with report.benchmark(short):
            try:
                importlib.import_module(f"bench.{name}").run()
            except Exception as e:  # the report says it failed; the other benchmarks still run
                traceback.print_exc()
                error = f"{type(e).__name__}: {e}"
        elapsed = time.perf_counter() - started
        print(f"({name} took {elapsed:.1f} s{', FAILED' if error else ''})", flush=True)
        runs.append(report.Run(benchmark=short, started=began.isoformat(), seconds=elapsed, load_average=load,
                               error=error[:300]))
    child_file = os.environ.get(report.FIGURES_FILE_ENV)
    if child_file:
        report.hand_to_parent(child_file)  # a re-run on PostgreSQL: the parent writes the report
    else:
        path = report.write(report.recorded(), runs, only_these=bool(wanted))
        print(f"\nreport: {path.relative_to(path.parent.parent)}")
    return 1 if any(r.error for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
