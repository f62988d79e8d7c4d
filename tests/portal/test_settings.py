"""Settings come from the environment; production refuses to start half-configured."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Variables the settings read that the developer's shell (or CI) may have set: each test starts without them.
SETTINGS_VARS = [
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_DEBUG",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CACHE_URL",
    "REDIS_URL",
    "DJANGO_SECURE_SSL_REDIRECT",
    "DJANGO_SECURE_HSTS_SECONDS",
    "DJANGO_CSRF_TRUSTED_ORIGINS",
    "DJANGO_SECURE_COOKIES",
    "SMS_BACKEND",
    "SMS_ALLOW_CONSOLE_BACKEND",
    "SITE_URL",
]
SHOW_SETTINGS = """
import json
import django
django.setup()
from django.conf import settings
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": settings.DATABASES["default"]["NAME"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION", ""),
    "broker": settings.CELERY_BROKER_URL,
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "beat_scheduler": settings.CELERY_BEAT_SCHEDULER,
    "debug": settings.DEBUG,
}))
"""


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARS}
    environment["DJANGO_ENV_FILE"] = "/nonexistent/.env"  # a developer's .env must not fill in the blanks
    # Production refuses the console SMS backend; these tests are about other settings, so a gateway is named
    # (the refusal has its own test below).
    environment["SMS_BACKEND"] = "members.notifications.sms.DatabaseSmsBackend"
    environment.update(env)
    return subprocess.run(  # noqa: S603 — our own interpreter, fixed arguments
        [sys.executable, *args], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=120
    )


def _secret_key() -> str:
    return secrets.token_urlsafe(60)[:60]


def _show(**env: str) -> dict:
    result = _run(["-c", SHOW_SETTINGS], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


PRODUCTION = "portal.settings.production"


def test_production_refuses_to_start_without_a_secret_key():
    result = _run(["manage.py", "check"], DJANGO_SETTINGS_MODULE=PRODUCTION, DJANGO_ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = _run(
        ["manage.py", "check"],
        DJANGO_SETTINGS_MODULE=PRODUCTION,
        DJANGO_SECRET_KEY="too-short",
        DJANGO_ALLOWED_HOSTS="example.org",
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be a random string of at least 50 characters" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _run(["manage.py", "check"], DJANGO_SETTINGS_MODULE=PRODUCTION, DJANGO_SECRET_KEY=_secret_key())
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_ALLOWED_HOSTS is not set" in result.stderr


def test_production_passes_the_deployment_checklist_without_a_warning():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_SETTINGS_MODULE=PRODUCTION,
        DJANGO_SECRET_KEY=_secret_key(),
        DJANGO_ALLOWED_HOSTS="example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_without_urls_the_portal_is_embedded_sqlite_in_process_tasks_and_local_memory_cache():
    shown = _show(DJANGO_SETTINGS_MODULE="portal.settings.local")
    assert shown["engine"] == "django.db.backends.sqlite3"
    assert shown["db_name"] == str(BASE_DIR / "db.sqlite3")
    assert shown["eager"] is True
    assert shown["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert shown["debug"] is True


def test_with_urls_the_same_code_runs_on_postgresql_and_redis_with_a_shared_cache():
    shown = _show(
        DJANGO_SETTINGS_MODULE=PRODUCTION,
        DJANGO_SECRET_KEY=_secret_key(),
        DJANGO_ALLOWED_HOSTS="example.org",
        DATABASE_URL="postgres://portal:pw@db.internal:5432/union_portal",
        CELERY_BROKER_URL="redis://redis.internal:6379/0",
    )
    assert shown["engine"] == "django.db.backends.postgresql"
    assert shown["db_name"] == "union_portal"
    assert shown["broker"] == "redis://redis.internal:6379/0"
    assert shown["eager"] is False
    assert shown["beat_scheduler"] == "django_celery_beat.schedulers:DatabaseScheduler"
    # allauth's rate limits must hold across gunicorn workers: without CACHE_URL production caches in the broker's
    # Redis, through the wrapper that falls back to memory while Redis is away.
    assert shown["cache"] == "portal.cache.ResilientRedisCache"
    assert shown["cache_location"] == "redis://redis.internal:6379/0"
    assert shown["debug"] is False


@pytest.mark.parametrize(
    ("extra", "location"),
    [
        ({"CACHE_URL": "redis://cache.internal:6379/1"}, "redis://cache.internal:6379/1"),
        ({"REDIS_URL": "redis://redis.internal:6379/2"}, "redis://redis.internal:6379/2"),
    ],
)
def test_cache_url_or_redis_url_chooses_the_shared_cache(extra, location):
    shown = _show(DJANGO_SETTINGS_MODULE="portal.settings.local", CELERY_BROKER_URL="redis://other:6379/0", **extra)
    assert shown["cache"] == "portal.cache.ResilientRedisCache"
    assert shown["cache_location"] == location


def test_the_test_settings_keep_a_private_cache_even_with_a_redis_broker():
    shown = _show(DJANGO_SETTINGS_MODULE="portal.settings.test", CELERY_BROKER_URL="redis://127.0.0.1:6379/15")
    assert shown["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert shown["eager"] is False


def test_a_fresh_copy_of_env_example_runs_locally_and_names_every_production_requirement():
    shown = _show(DJANGO_SETTINGS_MODULE="portal.settings.local", DJANGO_ENV_FILE=str(BASE_DIR / ".env.example"))
    assert shown["engine"] == "django.db.backends.sqlite3"
    result = _run(
        ["manage.py", "check"], DJANGO_SETTINGS_MODULE=PRODUCTION, DJANGO_ENV_FILE=str(BASE_DIR / ".env.example")
    )
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_empty_database_and_cache_urls_count_as_unset():
    shown = _show(DJANGO_SETTINGS_MODULE="portal.settings.local", DATABASE_URL="", CACHE_URL="")
    assert shown["engine"] == "django.db.backends.sqlite3"
    assert shown["cache"] == "django.core.cache.backends.locmem.LocMemCache"


def test_production_refuses_the_console_sms_backend_unless_explicitly_allowed():
    refused = _run(
        ["manage.py", "check"],
        DJANGO_SETTINGS_MODULE=PRODUCTION,
        DJANGO_SECRET_KEY=_secret_key(),
        DJANGO_ALLOWED_HOSTS="example.org",
        SMS_BACKEND="members.notifications.sms.ConsoleSmsBackend",
    )
    assert refused.returncode != 0
    assert "SMS_BACKEND is the console backend" in refused.stderr
    allowed = _run(
        ["manage.py", "check"],
        DJANGO_SETTINGS_MODULE=PRODUCTION,
        DJANGO_SECRET_KEY=_secret_key(),
        DJANGO_ALLOWED_HOSTS="example.org",
        SMS_BACKEND="members.notifications.sms.ConsoleSmsBackend",
        SMS_ALLOW_CONSOLE_BACKEND="true",
    )
    assert allowed.returncode == 0, allowed.stderr


def test_the_stack_runs_production_settings_with_debug_off_and_site_url_on_its_port(tmp_path):
    """`make stack` as the Makefile runs it: production settings, DEBUG off, a generated secret, SITE_URL
    following STACK_PORT unless set."""
    result = subprocess.run(
        ["make", "-n", "stack", "STACK_PORT=8123"],  # noqa: S607 — make from PATH, fixed arguments
        cwd=BASE_DIR, capture_output=True, text=True, timeout=60
    )
    script = result.stdout
    assert "DJANGO_SETTINGS_MODULE=portal.settings.production" in script
    assert 'SITE_URL="${SITE_URL:-http://127.0.0.1:8123}"' in script
    assert "collectstatic" in script
    assert "DJANGO_DEBUG" not in script


def test_the_celery_app_collects_every_apps_beat_schedule():
    """Each app keeps its periodic tasks in its own schedules.py; the Celery app finds them (settings import no app),
    and every entry names a registered task."""
    from django.conf import settings

    from benefits.schedules import BEAT_SCHEDULE as benefits_schedule
    from core.schedules import BEAT_SCHEDULE as core_schedule
    from culture.schedules import BEAT_SCHEDULE as culture_schedule
    from portal.celery_app import app
    from stations.schedules import BEAT_SCHEDULE as stations_schedule
    from stats.schedules import BEAT_SCHEDULE as stats_schedule

    expected = {**core_schedule, **benefits_schedule, **culture_schedule, **stations_schedule, **stats_schedule}
    assert app.conf.beat_schedule == expected
    app.loader.import_default_modules()  # what a worker does at start: imports every app's tasks.py
    assert {entry["task"] for entry in expected.values()} <= set(app.tasks)
    assert not hasattr(settings, "CELERY_BEAT_SCHEDULE")
