"""The one Celery app, configured from Django settings (CELERY_* names)."""

import importlib
import importlib.util
import os
from pathlib import Path

from celery import Celery
from celery.signals import setup_logging, task_postrun, task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def beat_schedule_of_apps() -> dict:
    """Every installed app's periodic tasks: `<app>/schedules.py` holds `BEAT_SCHEDULE` (plain data, no models),
    found as `autodiscover_tasks` finds `<app>/tasks.py`. Entry names are prefixed with their app, so none collide;
    a duplicate would be a mistake and stops the start."""
    from django.conf import settings

    schedule: dict = {}
    project = Path(settings.BASE_DIR).resolve()
    for name in settings.INSTALLED_APPS:
        # Only the project's own apps: finding a module inside a third-party package would import that package
        # (django.contrib.admin's imports models) before the app registry is ready.
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None or not Path(spec.origin).resolve().is_relative_to(project):
            continue
        if importlib.util.find_spec(f"{name}.schedules") is None:
            continue
        entries = importlib.import_module(f"{name}.schedules").BEAT_SCHEDULE
        clash = set(entries) & set(schedule)
        if clash:
            raise RuntimeError(f"beat schedule entries defined twice: {sorted(clash)}")
        schedule.update(entries)
    return schedule


app.conf.beat_schedule = beat_schedule_of_apps()


def route_task(name, args, kwargs, options, task=None, **kw):
    """Messages (email, SMS deliveries) go to `<default queue>.notifications`, which a worker of their own consumes:
    a gateway that answers slowly holds up only other messages, never a claim assessment. Everything else stays
    on the default queue. Read at each send, so a test that gives its worker a queue of its own moves both."""
    from django.conf import settings

    if name in settings.NOTIFICATION_TASKS:
        return {"queue": notifications_queue()}
    return None


def notifications_queue() -> str:
    return f"{app.conf.task_default_queue}.notifications"


@setup_logging.connect
def _use_django_logging(**kwargs) -> None:
    """Worker and beat log through Django's LOGGING (JSON lines, redacted) instead of Celery's own handlers."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@task_prerun.connect
@task_postrun.connect
def _database_connections_as_for_requests(task=None, **kwargs) -> None:
    """Around every task, Django's own rule for connections (what it does around every web request): keep one
    younger than CONN_MAX_AGE, drop one that failed, health-check it before reuse (CONN_HEALTH_CHECKS).

    Celery's Django fixup instead closes every connection before and after each task unless CELERY_DB_REUSE_MAX
    is set (settings/base.py sets it), so a worker would open a new PostgreSQL connection per task: a backend
    fork and a login for every claim assessed, more than the assessment itself costs. Eager tasks (tests, the
    embedded default) run inside the caller's transaction and must not touch its connection."""
    if task is None or getattr(task.request, "is_eager", False):
        return
    close_old_connections()
