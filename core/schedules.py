"""Beat schedule of the ground floor; the Celery app (portal/celery_app.py) collects it."""

BEAT_SCHEDULE = {
    # Work whose publish failed (broker away) and rows stuck between states are queued again.
    "core-outbox-sweep": {"task": "core.tasks.outbox_sweep", "schedule": 60.0},
}
