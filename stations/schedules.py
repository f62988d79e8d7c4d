"""Beat entries of the stations app, merged into CELERY_BEAT_SCHEDULE in portal/settings/base.py."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # The search's change log keeps a day (stations/cards.py); idempotent.
    "stations-changes-prune": {"task": "stations.tasks.station_changes_prune", "schedule": crontab(hour=4, minute=20)},
}
