"""Beat schedule of the ground floor; settings merge it into CELERY_BEAT_SCHEDULE."""

BEAT_SCHEDULE = {
    # Work whose publish failed (broker away) and rows stuck between states are queued again.
    "core-outbox-sweep": {"task": "core.tasks.outbox_sweep", "schedule": 60.0},
}
