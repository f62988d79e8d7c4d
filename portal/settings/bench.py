"""Benchmarks: the production-like stack minus HTTPS, on a throw-away database named by BENCH_DATABASE_URL."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "bench-only-not-a-secret"  # noqa: S105
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SMS_BACKEND = "members.notifications.sms.DatabaseSmsBackend"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DATABASES = {"default": env.db("BENCH_DATABASE_URL", default="sqlite:////tmp/union-portal-bench.sqlite3")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # As in production (base.py): a worker keeps its connection instead of opening one per task.
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
