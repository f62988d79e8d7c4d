"""Production: refuses to start without a secret key and allowed hosts; HTTPS everywhere.

Required: DJANGO_SECRET_KEY (a random string of at least 50 characters) and DJANGO_ALLOWED_HOSTS
(comma-separated host names). Usually also DATABASE_URL (postgres://…) and CELERY_BROKER_URL (redis://…);
the cache then defaults to that Redis (see base.py), which allauth's rate limits need across processes.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set. Production needs a random string of at least 50 characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a random string of at least 50 characters.")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS is not set. Name the hosts the portal answers on, comma-separated, e.g. "
        "DJANGO_ALLOWED_HOSTS=portal.example.org."
    )

CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[f"https://{h}" for h in ALLOWED_HOSTS])
# TLS ends at the reverse proxy, which says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes speak plain HTTP inside the network
# Cookies travel over HTTPS only. `make stack` turns this off: it serves plain HTTP on the loopback address.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

# The console SMS backend only prints: in production every code and ticket link would go nowhere. Refuse it
# unless explicitly allowed (`make stack` allows it; it masks codes when it prints).
SMS_ALLOW_CONSOLE_BACKEND = env.bool("SMS_ALLOW_CONSOLE_BACKEND", default=False)
if SMS_BACKEND == "members.notifications.sms.ConsoleSmsBackend" and not SMS_ALLOW_CONSOLE_BACKEND:  # noqa: F405
    raise ImproperlyConfigured(
        "SMS_BACKEND is the console backend, which sends nothing. Set SMS_BACKEND to a real gateway's backend, "
        "or SMS_ALLOW_CONSOLE_BACKEND=true to run without one (a trial, not a deployment)."
    )

# Staff sign in with a password and an authenticator app's code: set up before any admin or staff page.
STAFF_REQUIRE_TWO_FACTOR = env.bool("STAFF_REQUIRE_TWO_FACTOR", default=True)
