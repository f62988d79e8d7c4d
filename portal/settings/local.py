"""The embedded default for `make run`: DEBUG on, SQLite and in-process tasks unless the environment says otherwise."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# An empty DJANGO_SECRET_KEY= line (as in a fresh copy of .env.example) counts as unset.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="") or "local-development-only-not-a-secret"
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
# `make run` pays enrolment fees on the local sandbox gateway (off in production).
BENEFITS_SANDBOX_PAYMENTS = env.bool("BENEFITS_SANDBOX_PAYMENTS", default=True)
