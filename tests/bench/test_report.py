"""bench/REPORT.md's writer: the table, and the verdict in both directions. No benchmark runs here."""

import datetime
import json

import pytest

from bench.report import Figure, Run, render, write

WRITTEN = datetime.datetime(2026, 12, 4, 16, 30, tzinfo=datetime.UTC)
MACHINE = {"cpu": "Test CPU, 2 CPUs", "memory": "4.0 GiB", "python": "CPython 3.11.7", "system": "Linux"}


def _rows(text: str) -> dict[str, list[str]]:
    """The figures table as {figure name: its cells}."""
    table = text.split("## Figures", 1)[1].split("## Runs", 1)[0]
    rows = [line.strip("|").split(" | ") for line in table.splitlines() if line.startswith("| ")]
    header, *body = rows
    assert [c.strip() for c in header] == ["benchmark", "figure", "database", "goal", "measured", "ratio", "verdict"]
    return {cells[1].strip(): [c.strip() for c in cells] for cells in body}


def _figure(name, measured, **kwargs):
    return Figure(name=name, measured=measured, benchmark="demo", database="SQLite 3.40.1", **kwargs)


FIGURES = [
    _figure("fast enough", 8.0, unit="ms", goal=10.0, op="<"),
    _figure("too slow", 12.5, unit="ms", goal=10.0, op="<"),
    _figure("exactly at a strict limit", 10.0, unit="ms", goal=10.0, op="<"),
    _figure("queries not growing", 9.0, goal=9.0, op="≤", goal_note="as at 10 rows"),
    _figure("many per second", 7_500.0, unit="/s", goal=5_000.0, op="≥"),
    _figure("too few per second", 40.0, unit="/s", goal=100.0, op="≥"),
    _figure("all booked", 100.0, goal=100.0, op="="),
    _figure("one short", 99.0, goal=100.0, op="="),
    _figure("shown only", 3.0, unit="×"),
    _figure("worker rate", None, unit="/s", goal=100.0, op="≥", note="no broker"),
]


def test_the_table_has_one_row_per_figure_with_goal_measured_ratio_and_verdict():
    rows = _rows(render(FIGURES, [], machine_info=MACHINE, written=WRITTEN))
    assert len(rows) == len(FIGURES)
    assert rows["fast enough"][2:] == ["SQLite 3.40.1", "< 10 ms", "8 ms", "1.25", "met"]
    assert rows["queries not growing"][3:] == ["≤ 9 (as at 10 rows)", "9", "1.00", "met"]
    assert rows["many per second"][3:] == ["≥ 5,000/s", "7,500/s", "1.50", "met"]


@pytest.mark.parametrize(("name", "ratio", "verdict"), [
    # lower is better: goal ÷ measured
    ("fast enough", "1.25", "met"),
    ("too slow", "0.80", "**not met**"),
    ("exactly at a strict limit", "1.00", "**not met**"),  # "< 10 ms" is not met by 10 ms
    ("queries not growing", "1.00", "met"),
    # higher is better: measured ÷ goal
    ("many per second", "1.50", "met"),
    ("too few per second", "0.40", "**not met**"),
    # exact counts: no ratio
    ("all booked", "—", "met"),
    ("one short", "—", "**not met**"),
    ("shown only", "—", "no goal"),
    ("worker rate", "—", "not measured"),
])
def test_the_verdict_and_ratio_follow_the_goals_direction(name, ratio, verdict):
    row = _rows(render(FIGURES, [], machine_info=MACHINE, written=WRITTEN))[name]
    assert (row[5], row[6]) == (ratio, verdict)


def test_met_and_direction_of_each_figure():
    assert [f.met for f in FIGURES] == [True, False, False, True, True, False, True, False, None, None]
    assert FIGURES[0].direction == "lower is better" and FIGURES[4].direction == "higher is better"


def test_a_goal_needs_a_value_and_an_operator():
    with pytest.raises(ValueError, match="goal"):
        Figure(name="half a goal", measured=1.0, goal=2.0)
    with pytest.raises(ValueError, match="operator"):
        Figure(name="odd operator", measured=1.0, goal=2.0, op=">>")


def test_the_header_gives_the_count_of_goals_met_the_machine_and_the_date_in_shanghai():
    text = render(FIGURES, [], machine_info=MACHINE, written=WRITTEN.astimezone(datetime.UTC))
    assert "**4 of 8 goals met.**" in text  # rows "no goal" and "not measured" are not counted as goals
    assert "CPU: Test CPU, 2 CPUs" in text and "memory: 4.0 GiB" in text and "CPython 3.11.7" in text
    assert "databases: SQLite 3.40.1" in text
    runs = [Run(benchmark="demo", started=WRITTEN.isoformat(), seconds=12.0, load_average=1.5,
                databases=["SQLite 3.40.1"]),
            Run(benchmark="broken", started=WRITTEN.isoformat(), seconds=1.0, load_average=1.5, error="boom")]
    text = render(FIGURES, runs, machine_info=MACHINE, written=WRITTEN)
    assert "2026-12-05 00:30" in text  # 16:30 UTC is half past midnight in Shanghai, the next day
    assert "| broken | — | 2026-12-05 00:30 | 1 s | 1.5 | **failed**: boom |" in text


def test_running_one_benchmark_replaces_only_its_rows(tmp_path):
    report, state = tmp_path / "REPORT.md", tmp_path / "REPORT.json"
    old = [Figure(name="a", measured=1.0, benchmark="one", database="SQLite 3.40.1"),
           Figure(name="b", measured=2.0, benchmark="two", database="SQLite 3.40.1"),
           Figure(name="b", measured=3.0, benchmark="two", database="PostgreSQL 15.20")]
    write(old, [], report_path=report, state_path=state, machine_info=MACHINE, written=WRITTEN)
    new = [Figure(name="b", measured=4.0, benchmark="two", database="PostgreSQL 15.20")]
    write(new, [], only_these=True, report_path=report, state_path=state, machine_info=MACHINE, written=WRITTEN)
    kept = [(f["benchmark"], f["database"], f["measured"]) for f in json.loads(state.read_text())["figures"]]
    assert kept == [("one", "SQLite 3.40.1", 1.0), ("two", "SQLite 3.40.1", 2.0), ("two", "PostgreSQL 15.20", 4.0)]
    # A run of every benchmark starts afresh.
    write(new, [], report_path=report, state_path=state, machine_info=MACHINE, written=WRITTEN)
    assert len(json.loads(state.read_text())["figures"]) == 1
    assert "| two | b | PostgreSQL 15.20 | no goal | 4 | — | no goal |" in report.read_text()
