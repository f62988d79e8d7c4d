"""`make bench`: runs every bench/bench_*.py module's `run()` and prints its figures and ratios.

Benchmarks are not tests: they measure speed and memory against the goals in the issues and print them.
Run one with `python -m bench NAME` (e.g. `python -m bench members_import`). They run on the database in
DATABASE_URL (SQLite by default); set it to PostgreSQL to measure there.
"""

import importlib
import os
import pkgutil
import sys
import time


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.bench")
    import django

    django.setup()
    import bench

    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    wanted = [f"bench_{a}" if not a.startswith("bench_") else a for a in argv]
    for name in names:
        if wanted and name not in wanted:
            continue
        module = importlib.import_module(f"bench.{name}")
        print(f"\n== {name} ==", flush=True)
        started = time.perf_counter()
        module.run()
        print(f"({name} took {time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
