"""Beat entries of the benefits app; the Celery app (portal/celery_app.py) collects BEAT_SCHEDULE.

Every task is idempotent (a PlanNotice row per member, plan and kind; a reminder row or date per occasion), so
running them more often is harmless.
"""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "benefits-window-open-notices": {
        "task": "benefits.tasks.notify_open_windows",
        "schedule": crontab(hour=9, minute=0),
    },
    "benefits-cover-ending-notices": {
        "task": "benefits.tasks.notify_cover_ending",
        "schedule": crontab(hour=9, minute=30),
    },
    # WeChat payments whose notification never came are settled from WeChat's record, expired ones closed.
    "benefits-payments-reconcile": {"task": "benefits.tasks.payments_reconcile", "schedule": 300.0},
    # Members: a draft left, a return unanswered, a deadline near (each occasion once).
    "benefits-claims-member-reminders": {
        "task": "benefits.tasks.remind_members_of_claims",
        "schedule": crontab(hour=10, minute=0),
    },
    "benefits-claims-overdue-reminders": {
        "task": "benefits.tasks.remind_overdue_claims",
        "schedule": crontab(hour="8-18", minute=15),
    },
    # Education aid waiting in review longer than its campaign's service time (each at most once a day).
    "benefits-aid-overdue-reminders": {
        "task": "benefits.tasks.remind_overdue_aid",
        "schedule": crontab(hour="8-18", minute=20),
    },
    # The hardship register: yearly re-checks coming due (staff and member), care visits due (branch staff).
    "benefits-hardship-recheck-reminders": {
        "task": "benefits.tasks.remind_hardship_rechecks",
        "schedule": crontab(hour=9, minute=45),
    },
    "benefits-hardship-care-visit-reminders": {
        "task": "benefits.tasks.remind_care_visits",
        "schedule": crontab(hour=8, minute=30),
    },
}
