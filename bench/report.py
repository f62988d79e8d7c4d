"""The benchmarks' figures as records, and bench/REPORT.md written from them.

Each bench module calls `record(...)` for every figure it judges (and some it only shows), beside its printed
lines. `python -m bench` collects them and writes bench/REPORT.md: one table of figure, database, goal,
measured, ratio and verdict, the machine and the date (Asia/Shanghai). The figures are also kept in
bench/REPORT.json, so that `python -m bench NAME` can replace only that benchmark's rows.

The ratio is oriented so that ≥ 1 means the goal is met: goal ÷ measured when lower is better ("< 10 ms"),
measured ÷ goal when higher is better ("≥ 5,000/s"). A goal of an exact count ("= 100") has no ratio.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

REPORT_PATH = Path(__file__).resolve().parent / "REPORT.md"
STATE_PATH = REPORT_PATH.with_suffix(".json")
# A benchmark re-run in a child `python -m bench` (on PostgreSQL) hands its figures back through this file.
FIGURES_FILE_ENV = "BENCH_FIGURES_FILE"
TIME_ZONE = ZoneInfo("Asia/Shanghai")
LOWER_IS_BETTER = ("<", "≤")
HIGHER_IS_BETTER = ("≥",)
EXACT = ("=",)
NO_DATABASE = "—"  # a figure that does not touch a database (the rules engine)


@dataclass
class Figure:
    """One measured figure. `goal` and `op` come from the benchmark's docstring or docs/benchmarks.md; a figure
    without them is shown with "no goal". `measured` is None when the benchmark could not measure it (`note`
    says why)."""

    name: str
    measured: float | None
    unit: str = ""
    goal: float | None = None
    op: str = ""  # "<" or "≤" (lower is better), "≥" (higher is better), "=" (exactly)
    goal_note: str = ""  # what the goal value is when it is itself measured, e.g. "as at 5,000 members"
    note: str = ""
    database: str = ""
    benchmark: str = ""

    def __post_init__(self):
        if (self.goal is None) != (not self.op):
            raise ValueError(f"{self.name}: a goal needs both a value and an operator")
        if self.op and self.op not in LOWER_IS_BETTER + HIGHER_IS_BETTER + EXACT:
            raise ValueError(f"{self.name}: unknown goal operator {self.op!r}")

    @property
    def has_goal(self) -> bool:
        return self.goal is not None

    @property
    def ratio(self) -> float | None:
        """≥ 1 when met: goal ÷ measured (lower is better) or measured ÷ goal (higher is better)."""
        if not self.has_goal or self.measured is None or self.op in EXACT:
            return None
        if self.op in LOWER_IS_BETTER:
            return math.inf if self.measured == 0 else self.goal / self.measured
        return math.inf if self.goal == 0 else self.measured / self.goal

    @property
    def met(self) -> bool | None:
        if not self.has_goal or self.measured is None:
            return None
        return {
            "<": self.measured < self.goal,
            "≤": self.measured <= self.goal,
            "≥": self.measured >= self.goal,
            "=": self.measured == self.goal,
        }[self.op]

    @property
    def verdict(self) -> str:
        if self.measured is None:
            return "not measured"
        if not self.has_goal:
            return "no goal"
        return "met" if self.met else "**not met**"

    @property
    def direction(self) -> str:
        if self.op in LOWER_IS_BETTER:
            return "lower is better"
        if self.op in HIGHER_IS_BETTER:
            return "higher is better"
        return "exact" if self.op else ""


@dataclass
class Run:
    """One benchmark module's run: when, how long, the machine's load as it began, and its error if it failed."""

    benchmark: str
    started: str  # ISO 8601, Asia/Shanghai
    seconds: float
    load_average: float
    error: str = ""
    databases: list[str] = field(default_factory=list)


# --- recording -----------------------------------------------------------------------------------------------

_figures: list[Figure] = []
_current = {"benchmark": ""}


def database_label() -> str:
    """The database the benchmark ran on: vendor and server version."""
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        version = connection.pg_version  # e.g. 150020 for 15.20
        return f"PostgreSQL {version // 10000}.{version % 100}"
    return connection.vendor


def record(name: str, measured: float | None, unit: str = "", *, goal: float | None = None, op: str = "",
           goal_note: str = "", note: str = "", database: str | None = None) -> Figure:
    """Adds a figure of the benchmark being run, on the database it is connected to unless `database` says."""
    figure = Figure(name=name, measured=None if measured is None else float(measured), unit=unit,
                    goal=None if goal is None else float(goal), op=op, goal_note=goal_note, note=note,
                    database=database_label() if database is None else database, benchmark=_current["benchmark"])
    _figures.append(figure)
    return figure


def recorded() -> list[Figure]:
    return list(_figures)


@contextlib.contextmanager
def benchmark(name: str):
    """Figures recorded inside belong to benchmark `name`."""
    before, _current["benchmark"] = _current["benchmark"], name
    try:
        yield
    finally:
        _current["benchmark"] = before


def run_child(name: str, env: dict[str, str], cwd: Path | None = None) -> None:
    """Runs `python -m bench NAME` in a child process (e.g. again on PostgreSQL) and adds its figures to this
    process's. Raises CalledProcessError when the child fails, as subprocess.run(check=True) does."""
    handle, path = tempfile.mkstemp(prefix="bench-figures-", suffix=".json")
    os.close(handle)
    try:
        child = subprocess.run([sys.executable, "-m", "bench", name], cwd=cwd,  # noqa: S603 (our interpreter)
                               env={**env, FIGURES_FILE_ENV: path}, check=False)
        # What the child measured before it failed is still real: kept, and the failure raised after.
        text = Path(path).read_text(encoding="utf-8")
        _figures.extend(Figure(**data) for data in (json.loads(text) if text else []))
        child.check_returncode()
    finally:
        os.unlink(path)


def hand_to_parent(path: str) -> None:
    """In a child run: the figures go to the parent's file instead of into the report."""
    Path(path).write_text(json.dumps([asdict(f) for f in _figures], ensure_ascii=False), encoding="utf-8")


# --- the machine ---------------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu_model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    return {
        "cpu": f"{cpu_model or platform.processor() or 'unknown model'}, {os.cpu_count()} CPUs",
        "memory": memory or "unknown",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "system": f"{platform.system()} {platform.release()}",
    }


def now() -> datetime.datetime:
    return datetime.datetime.now(TIME_ZONE)


# --- the report ----------------------------------------------------------------------------------------------


def _number(value: float) -> str:
    if math.isinf(value):
        return "∞"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 0.1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def _with_unit(value: float, unit: str) -> str:
    if not unit:
        return _number(value)
    return f"{_number(value)}{unit}" if unit.startswith(("/", "×", "%")) else f"{_number(value)} {unit}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def goal_text(figure: Figure) -> str:
    if not figure.has_goal:
        return "no goal"
    text = f"{figure.op} {_with_unit(figure.goal, figure.unit)}"
    return f"{text} ({figure.goal_note})" if figure.goal_note else text


def measured_text(figure: Figure) -> str:
    if figure.measured is None:
        return "not measured" + (f": {figure.note}" if figure.note else "")
    text = _with_unit(figure.measured, figure.unit)
    return f"{text} ({figure.note})" if figure.note else text


def ratio_text(figure: Figure) -> str:
    ratio = figure.ratio
    return "—" if ratio is None else _number(ratio) if math.isinf(ratio) else f"{ratio:.2f}"


def render(figures: list[Figure], runs: list[Run], *, machine_info: dict[str, str],
           written: datetime.datetime) -> str:
    databases = sorted(({f.database for f in figures} | {d for r in runs for d in r.databases}) - {"", NO_DATABASE})
    goals = [f for f in figures if f.has_goal and f.measured is not None]
    met = sum(1 for f in goals if f.met)
    lines = [
        "# Benchmark report",
        "",
        f"Written by `python -m bench` (bench/report.py; `make bench` runs every benchmark, `python -m bench NAME` "
        f"one, replacing its rows) on {written:%Y-%m-%d %H:%M} (Asia/Shanghai); when each benchmark ran is under "
        "Runs. Do not edit by hand: run the benchmarks again. "
        "How each benchmark measures, with its command and goal: [docs/benchmarks.md](../docs/benchmarks.md) (earlier "
        "figures: its git history).",
        "",
        f"**{met} of {len(goals)} goals met.** Ratio: goal ÷ measured when lower is better (`<`, `≤`), "
        "measured ÷ goal when higher is better (`≥`), so a ratio ≥ 1 means the goal is met "
        "(a figure exactly at a `<` goal is not under it); goals of an exact count (`=`) have no ratio.",
        "",
        "## Machine",
        "",
        f"- CPU: {machine_info.get('cpu', 'unknown')}",
        f"- memory: {machine_info.get('memory', 'unknown')}",
        f"- Python: {machine_info.get('python', 'unknown')}; {machine_info.get('system', '')}".rstrip("; "),
        f"- databases: {', '.join(databases) or 'none recorded'}",
        "",
        "## Figures",
        "",
        "| benchmark | figure | database | goal | measured | ratio | verdict |",
        "|---|---|---|---|---:|---:|---|",
    ]
    for f in figures:
        lines.append("| " + " | ".join(_cell(c) for c in (
            f.benchmark, f.name, f.database, goal_text(f), measured_text(f), ratio_text(f), f.verdict)) + " |")
    if runs:
        lines += [
            "",
            "## Runs",
            "",
            "The machine may be shared: the load average as each benchmark began says how busy it was.",
            "",
            "| benchmark | databases | started (Asia/Shanghai) | took | load average at start | outcome |",
            "|---|---|---|---:|---:|---|",
        ]
        for r in runs:
            started = datetime.datetime.fromisoformat(r.started).astimezone(TIME_ZONE)
            outcome = f"**failed**: {r.error}" if r.error else "ran"
            lines.append("| " + " | ".join(_cell(c) for c in (
                r.benchmark, ", ".join(r.databases) or "—", f"{started:%Y-%m-%d %H:%M}", f"{r.seconds:,.0f} s",
                f"{r.load_average:.1f}", outcome)) + " |")
    return "\n".join(lines) + "\n"


def merge(old: dict, figures: list[Figure], runs: list[Run]) -> tuple[list[Figure], list[Run]]:
    """The state after a run of some benchmarks: their new rows replace the old rows of the same benchmark on
    the same database; rows of benchmarks not run stay as they were."""
    replaced = {(f.benchmark, f.database) for f in figures}
    kept = [Figure(**d) for d in old.get("figures", []) if (d["benchmark"], d["database"]) not in replaced]
    new_runs = {(r.benchmark, tuple(r.databases)) for r in runs}
    kept_runs = [Run(**d) for d in old.get("runs", []) if (d["benchmark"], tuple(d["databases"])) not in new_runs]
    order = {name: n for n, name in enumerate(dict.fromkeys(
        [f.benchmark for f in kept] + [f.benchmark for f in figures] + [r.benchmark for r in kept_runs + runs]))}
    merged = sorted(kept + figures, key=lambda f: order[f.benchmark])  # stable: a benchmark's rows keep their order
    return merged, sorted(kept_runs + runs, key=lambda r: order[r.benchmark])


def write(figures: list[Figure], runs: list[Run], *, only_these: bool = False, report_path: Path = REPORT_PATH,
          state_path: Path = STATE_PATH, machine_info: dict[str, str] | None = None,
          written: datetime.datetime | None = None) -> Path:
    """Writes the report. A run of every benchmark starts afresh; with `only_these` (some benchmarks named) the
    rows of the others are kept from the last report."""
    for r in runs:
        r.databases = sorted({f.database for f in figures if f.benchmark == r.benchmark} - {"", NO_DATABASE})
    if only_these and state_path.exists():
        figures, runs = merge(json.loads(state_path.read_text(encoding="utf-8")), figures, runs)
    machine_info = machine_info or machine()
    written = written or now()
    report_path.write_text(render(figures, runs, machine_info=machine_info, written=written), encoding="utf-8")
    state = {"written": written.isoformat(), "machine": machine_info,
             "figures": [asdict(f) for f in figures], "runs": [asdict(r) for r in runs]}
    state_path.write_text(json.dumps(state, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return report_path
