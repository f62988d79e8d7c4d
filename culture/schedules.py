"""Beat schedules of the cultural palace; the Celery app (portal/celery_app.py) collects BEAT_SCHEDULE."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # An offer not accepted in time passes to the next person in the queue.
    "culture-offers-expire": {"task": "culture.tasks.offers_expire", "schedule": 300.0},
    # The day-before reminder; idempotent, so an extra run sends nothing twice.
    "culture-reminders-send": {"task": "culture.tasks.reminders_send", "schedule": crontab(minute=0, hour="9,18")},
}
