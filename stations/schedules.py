"""Beat entries of the stations app, collected by the Celery app (portal/celery_app.py)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # The search's change log keeps a day (stations/cards.py); idempotent.
    "stations-changes-prune": {"task": "stations.tasks.station_changes_prune", "schedule": crontab(hour=4, minute=20)},
}
