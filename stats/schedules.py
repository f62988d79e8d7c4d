"""Beat entries of the statistics app; the Celery app (portal/celery_app.py) collects BEAT_SCHEDULE.

Every five minutes: a full rebuild takes seconds at federation size (bench/bench_stats.py), so the dashboard is at
most a few minutes behind without any bookkeeping of what changed.
"""

BEAT_SCHEDULE = {
    "stats-refresh-figures": {"task": "stats.tasks.refresh_figures", "schedule": 300.0},
}
