"""Beat entries of the statistics app; the Celery app (portal/celery_app.py) collects BEAT_SCHEDULE.

Every five minutes the rollups catch up with what changed (only the months or days touched since the previous run
are grouped again: seconds at federation size, bench/bench_stats.py); once a night they are rebuilt whole, which also
takes in what no change column shows (a member moved to another branch, a corrected date).
"""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "stats-refresh-figures": {"task": "stats.tasks.refresh_figures", "schedule": 300.0},
    "stats-rebuild-figures-nightly": {
        "task": "stats.tasks.refresh_figures", "schedule": crontab(hour=3, minute=30), "kwargs": {"full": True},
    },
}
