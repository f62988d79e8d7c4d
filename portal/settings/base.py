"""Settings shared by every environment; every value that differs between machines comes from the environment.

Without DATABASE_URL the portal runs on a SQLite file in the project; without CELERY_BROKER_URL tasks run
in-process (eagerly). With both set it runs on PostgreSQL and Redis with a real Celery worker and beat.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from portal.logging import JSON_FORMATTER

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A .env file (see .env.example) fills in variables the environment does not set; DJANGO_ENV_FILE names another.
ENV_FILE = Path(env("DJANGO_ENV_FILE", default=str(BASE_DIR / ".env")))
if ENV_FILE.is_file():
    environ.Env.read_env(ENV_FILE)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.headless",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "treebeard",
    "core",
    "members",
    "benefits",
    "culture",
    "stations",
    "stats",
    "portal",
]

MIDDLEWARE = [
    # /healthz is answered here, before anything below can touch the database or the cache (portal/health.py).
    "portal.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "members.accounts.middleware.RateLimitedMiddleware",
    "members.accounts.middleware.StaffTwoFactorMiddleware",
    "portal.middleware.PrivatePagesNoStoreMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "members.notifications.context_processors.inbox",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
# An empty value counts as unset, as in a .env line `DATABASE_URL=`.
DATABASES = {"default": env.db_url_config(env("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer instead of failing at once; IMMEDIATE makes a transaction take the write lock
    # at its start, so select_for_update-style sections serialise on SQLite too.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Hot fixed statements (the claims assessment's) are prepared once per PostgreSQL connection (core/sql.py).
# Turn off behind a pooler that shares server sessions between clients (PgBouncer in transaction mode).
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- Accounts -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Date formats per language (portal/formats/<lang>/formats.py); templates use the names, never a spelled format.
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and private files ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (claim documents, import files) are private: there is no MEDIA_URL route; each is
# served by a view that checks who asks.
MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private-media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_PERMISSIONS = 0o640
# The most pixels an uploaded image may have (about 40 million: a 48-megapixel phone photo is refused, a 12- or
# 24-megapixel one passes), checked from the header before decoding (members/uploads.py): one decoded image
# costs a web worker about 3 bytes a pixel.
UPLOAD_IMAGE_MAX_PIXELS = env.int("UPLOAD_IMAGE_MAX_PIXELS", default=40_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Email and SMS --------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# Seconds an SMTP connection or send may take before the delivery counts as failed (and is retried).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="工会服务门户 <noreply@union-portal.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The sandbox payment gateway's HMAC key; empty derives one from SECRET_KEY (see benefits/payments.py).
BENEFITS_SANDBOX_PAYMENT_SECRET = env("BENEFITS_SANDBOX_PAYMENT_SECRET", default="")
SMS_BACKEND = env("SMS_BACKEND", default="members.notifications.sms.ConsoleSmsBackend")
# A failed email/SMS delivery is retried after about base·2^n seconds (with jitter), at most max apart. Keep
# max below the broker's visibility timeout (CELERY_BROKER_VISIBILITY_TIMEOUT), or a waiting retry is handed out
# a second time (portal/checks.py refuses such settings).
NOTIFICATION_RETRY_BASE_SECONDS = env.int("NOTIFICATION_RETRY_BASE_SECONDS", default=30)
NOTIFICATION_RETRY_MAX_SECONDS = env.int("NOTIFICATION_RETRY_MAX_SECONDS", default=600)

# --- Services' own knobs -------------------------------------------------------------------------------
# Map tiles for the stations map. The default is AutoNavi's (高德) raster tiles: served in mainland China, fast there,
# in GCJ-02 (so markers are shifted: GCJ02=True). OpenStreetMap's tiles are slow or unreachable there and would send
# every visitor's map area abroad. `{s}` takes each of STATION_MAP_TILE_SUBDOMAINS.
STATION_MAP_TILE_URL = env(
    "STATION_MAP_TILE_URL",
    default="https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
)
STATION_MAP_TILE_SUBDOMAINS = env("STATION_MAP_TILE_SUBDOMAINS", default="1234")
STATION_MAP_TILE_ATTRIBUTION = env("STATION_MAP_TILE_ATTRIBUTION", default="© 高德地图 AutoNavi")
STATION_MAP_TILE_GCJ02 = env.bool("STATION_MAP_TILE_GCJ02", default=True)
# The station search answers from each process's memory (stations/cards.py), reading the stations' change log at
# most this often: a change shows in searches within this many seconds. 0 reads it before every search.
STATIONS_SEARCH_REFRESH_SECONDS = env.float("STATIONS_SEARCH_REFRESH_SECONDS", default=1.0)
CULTURE_WAITLIST_OFFER_HOURS = env.int("CULTURE_WAITLIST_OFFER_HOURS", default=12)
# Local clock times (HH:MM): a waiting-list offer that would expire from QUIET_FROM in the evening until
# QUIET_UNTIL in the morning lasts until QUIET_UNTIL instead, so nobody loses seats while asleep.
CULTURE_OFFER_QUIET_FROM = env.str("CULTURE_OFFER_QUIET_FROM", default="21:00")
CULTURE_OFFER_QUIET_UNTIL = env.str("CULTURE_OFFER_QUIET_UNTIL", default="09:00")
CULTURE_MENU_CACHE_SECONDS = env.int("CULTURE_MENU_CACHE_SECONDS", default=30)

# --- Celery ---------------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes the database connection around every task unless this is set; it then closes it
# every DB_REUSE_MAX tasks only, and portal/celery_app.py applies Django's CONN_MAX_AGE rule around each task.
CELERY_DB_REUSE_MAX = 1000
# Each app keeps its periodic tasks in <app>/schedules.py (plain data, no models); the Celery app
# (portal/celery_app.py) collects them from INSTALLED_APPS, as it finds their tasks: settings import no app.

# Late acknowledgement that survives a killed worker: a message is acknowledged only when its task has finished,
# and a pool child killed mid-task (kill -9, out of memory, the hard time limit) gives its message back to the
# broker instead of acknowledging it. Every task is idempotent, so a message run twice changes nothing twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A worker that loses the broker cancels what it is running: those messages are redelivered anyway.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Time limits of every task: the soft one raises SoftTimeLimitExceeded inside the task (its transaction rolls
# back; the message is retried or left to the sweep); the hard one kills the pool child. A task that needs
# longer (the member import) says so on its decorator, and stays under the visibility timeout below.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
MEMBER_IMPORT_TIME_LIMIT = env.int("MEMBER_IMPORT_TIME_LIMIT", default=660)
# Reading a settlement file (200,000 rows at most, a few thousand a second): its own limit, like the member import.
SETTLEMENT_IMPORT_TIME_LIMIT = env.int("SETTLEMENT_IMPORT_TIME_LIMIT", default=660)
# Redis hands a message its worker took but never acknowledged (the worker's main process died) to another worker
# after this many seconds. It must be longer than any task may run (its hard time limit) and than the longest
# retry countdown (NOTIFICATION_RETRY_MAX_SECONDS): a message still waiting out its countdown in a live worker
# would otherwise be handed out a second time. A system check (portal/checks.py) holds both.
CELERY_BROKER_VISIBILITY_TIMEOUT = env.int("CELERY_BROKER_VISIBILITY_TIMEOUT", default=900)
# A web request that queues a task must never wait long on a broker that refuses or hangs: connect and socket
# timeouts of about a second, one quick publish retry, then the caller gives up (the outbox keeps the work and
# its sweep sends it later). Workers reconnect by themselves whatever these say.
CELERY_BROKER_TIMEOUT_SECONDS = env.float("CELERY_BROKER_TIMEOUT_SECONDS", default=1.0)
CELERY_BROKER_CONNECTION_TIMEOUT = CELERY_BROKER_TIMEOUT_SECONDS
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": CELERY_BROKER_TIMEOUT_SECONDS,
    "socket_timeout": CELERY_BROKER_TIMEOUT_SECONDS * 2,
    "socket_keepalive": True,
    "health_check_interval": 25,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# Messages (email, SMS) go to a queue of their own, consumed by a worker of their own (Procfile.stack,
# docker-compose.yml): a slow or failing gateway never delays claim assessments or other work. Its name follows the
# default queue's (`<default>.notifications`), so a test worker on a queue of its own gets its own of both.
CELERY_TASK_ROUTES = ("portal.celery_app.route_task",)
NOTIFICATION_TASKS = frozenset({"members.tasks.deliver_notification", "members.tasks.sms_send"})

# --- Cache ----------------------------------------------------------------------------------------
# The cache is shared by all processes when it lives in Redis: allauth's rate limits (failed logins, SMS codes)
# only hold across gunicorn workers that way. CACHE_URL wins (docker-compose.yml gives the cache a Redis of its
# own, apart from the broker); otherwise REDIS_URL, otherwise a redis:// CELERY_BROKER_URL (Django's keys are
# prefixed, so they do not mix with Celery's); otherwise per-process memory. A Redis cache is wrapped
# (portal.cache.ResilientRedisCache): short timeouts, and while Redis is down the process uses its own memory for
# CACHE_RETRY_SECONDS at a time instead of failing the request, so sign-in and pages keep working.
REDIS_URL = env("REDIS_URL", default="")
_redis_url = REDIS_URL or (CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else "")
CACHES = {"default": env.cache_url_config(env("CACHE_URL", default="") or _redis_url or "locmemcache://")}
CACHES["default"].setdefault("KEY_PREFIX", "portal")
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "portal.cache.ResilientRedisCache"
    CACHES["default"].setdefault("OPTIONS", {})
    CACHES["default"]["OPTIONS"].setdefault("socket_connect_timeout", 0.5)
    CACHES["default"]["OPTIONS"].setdefault("socket_timeout", 0.5)
CACHE_RETRY_SECONDS = env.int("CACHE_RETRY_SECONDS", default=10)
# /healthz waits at most this long for the database and the broker together before it says "hanging" (503).
HEALTH_TIMEOUT_SECONDS = env.float("HEALTH_TIMEOUT_SECONDS", default=0.8)

# --- API ------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "allauth.headless.contrib.rest_framework.authentication.XSessionTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.StandardPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # A JSON body must be an object; any other shape answers 400 (core.parsers.ObjectJSONParser).
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.ObjectJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Every API request counts against its client's rate: per address when anonymous, per user when signed in.
    # Beyond it: 429 in the error envelope with Retry-After. Counted in the cache (Redis in production).
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="120/min"),
        "user": env("API_THROTTLE_USER", default="600/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Union Portal API · 工会服务门户接口",
    "DESCRIPTION": "See docs/api.md for pagination, filtering and the error format.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # validatorUrl None: Swagger UI would otherwise send the schema to validator.swagger.io for its badge.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    # Every answer an operation can give is in its schema: the error codes too (core/openapi.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.document_error_responses",
    ],
    # Several models have a `status` field with their own choices; name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "MemberStatusEnum": "members.models.Member.Status",
        "NotificationDeliveryStatusEnum": "members.models.NotificationDelivery.Status",
        "BranchKindEnum": "members.models.Branch.Kind",
        "StationKindEnum": "stations.models.Station.Kind",
        "StationResourceKindEnum": "stations.models.StationResource.Kind",
        "BenefitKindEnum": "benefits.models.BenefitKind",
        "ClaimDocumentKindEnum": "benefits.models.DocumentKind",
        "ClaimRejectReasonEnum": "benefits.models.RejectReason",
        "ClaimStateEnum": "benefits.models.Claim.State",  # every reviewed application's states (ReviewState)
        "AidRejectReasonEnum": "benefits.models.AidRejectReason",
        "AidDocumentKindEnum": "benefits.models.AidDocumentKind",
        "AidBasisEnum": "benefits.models.AidBasis",
        "SchoolStageEnum": "benefits.models.SchoolStage",
        "AwardCategoryEnum": "members.models.data.Award.Category",
        "StationServiceCategoryEnum": "stations.models.ServiceCategory",
        "HardshipFamilyStatusEnum": "benefits.models.HardshipFamily.Status",
        "HardshipDocumentKindEnum": "benefits.models.HardshipDocument.Kind",
        "HardshipCareVisitKindEnum": "benefits.models.CareVisit.Kind",
    },
}

# --- Security -------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Logging: JSON lines; the redaction filter strips passwords, codes, tokens and ID numbers -------
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "portal.logging.RedactSecretsFilter"}},
    "formatters": {
        "json": JSON_FORMATTER,
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["redact"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's defaults give the "django" logger a plain console handler (when DEBUG) and mail_admins
        # (which would mail POST data): neither is redacted, so both go and records propagate to root.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.server": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        "celery": {"level": LOG_LEVEL},
    },
}

# --- allauth: sign up and log in by mobile number or email; the mobile number is verified by SMS code --
# allauth stores no phone numbers: members.accounts.adapters.AccountAdapter maps them onto User.mobile (11 digits;
# the headless API may send 11 digits or E.164 "+86…" (members/accounts/headless.py), which clean_phone() turns into
# the same 11).
ACCOUNT_ADAPTER = "members.accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"phone", "email"}
ACCOUNT_SIGNUP_FIELDS = ["phone*", "email", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "members.accounts.forms.SignupExtraFields"  # adds the name, on the web and in the API
ACCOUNT_FORMS = {
    "signup": "members.accounts.allauth_forms.SignupForm",
    "login": "members.accounts.allauth_forms.LoginForm",
    "reset_password": "members.accounts.allauth_forms.ResetPasswordForm",  # mobile number (SMS code) or email
    "reset_password_from_key": "members.accounts.allauth_forms.ResetPasswordKeyForm",
    "change_password": "members.accounts.allauth_forms.ChangePasswordForm",
    "confirm_password_reset_code": "members.accounts.allauth_forms.ConfirmPasswordResetCodeForm",
    "verify_phone": "members.accounts.allauth_forms.VerifyPhoneForm",
    "reauthenticate": "members.accounts.allauth_forms.ReauthenticateForm",
}
# A taken mobile number or email is said plainly at sign-up (a member must learn to log in instead); the
# rate limits below keep anyone from probing many numbers.
ACCOUNT_PREVENT_ENUMERATION = False
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = 10 * 60
ACCOUNT_PHONE_VERIFICATION_MAX_ATTEMPTS = 3
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True  # twice
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_CHANGE = True  # a mistyped number can be corrected while signing up (twice)
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True  # at most one email per account (User.email); a new one replaces it once verified
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
ACCOUNT_PASSWORD_RESET_BY_CODE_TIMEOUT = 10 * 60
ACCOUNT_PASSWORD_RESET_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_PASSWORD_RESET_BY_CODE_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SESSION_REMEMBER = None
# templates/429.html and the code pages state these limits and timeouts in words; keep them in step.
ACCOUNT_RATE_LIMITS = {
    # Per client address and per account (mobile number or email): wrong passwords.
    "login_failed": "10/5m/ip,5/5m/key",
    # Per client address: generous, as a union event may sign up dozens of workers behind one venue Wi-Fi.
    "signup": "60/h/ip",
    "confirm_email": "1/3m/key",
    # A reset by mobile number sends an SMS: at most one a minute and five an hour to one number.
    "reset_password": "20/h/ip,1/m/key,5/h/key",
    "reset_password_from_key": "20/m/ip",
    "change_phone": "1/m/user",
    # Sign-up and phone-change codes: one SMS a minute, five an hour to one number; sixty an hour per client.
    "verify_phone": "1/m/key,5/h/key,60/h/ip",
    # Applying to join answers "this ID number is already a member": an oracle for whose number belongs to a member.
    # A person applies a few times at most (members/organisation/views.py and api.py).
    "member_id_lookup": "10/h/user,30/h/ip",
}
MFA_ADAPTER = "members.accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "工会服务门户"
HEADLESS_ONLY = False
HEADLESS_CLIENTS = ("app", "browser")


# --- Content-Security-Policy (django-csp) ---------------------------------------------------------------
# Every page: scripts, styles, fonts and requests from the portal itself only; no inline script or style attribute
# anywhere in our templates (behaviour lives in static/*.js), no plugins, no framing. Images may also come from the
# map's tile server (its origin, read from STATION_MAP_TILE_URL) and data: URIs (QR codes). The API's browsable
# docs (Swagger UI, ReDoc) inject their own <style> elements; their views add 'unsafe-inline' for styles only
# (portal/urls.py). Uploaded documents carry a stricter policy of their own (sandbox).
def _tile_origins(url_template: str, subdomains: str) -> list[str]:
    """The origins the map's tiles come from: one per subdomain letter when the URL has `{s}` (a CSP host may
    only start with a wildcard, so "webrd0*" would not do)."""
    from urllib.parse import urlsplit

    origins = []
    for sub in (subdomains or "a") if "{s}" in url_template else [""]:
        parts = urlsplit(url_template.replace("{s}", sub))
        if parts.scheme and parts.netloc and f"{parts.scheme}://{parts.netloc}" not in origins:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return origins


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *_tile_origins(STATION_MAP_TILE_URL, STATION_MAP_TILE_SUBDOMAINS)],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}


# --- Transactional outbox (core/) -----------------------------------------------------------------------
# Work a change needs is stored with the change and published after commit; the beat sweep (every minute)
# publishes again what is still pending this many seconds later, and queues work for rows stuck between states.
OUTBOX_GRACE_SECONDS = env.int("OUTBOX_GRACE_SECONDS", default=60)
# Sent messages are kept this long for staff to look at in the admin, then pruned by the sweep.
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=7)


# --- Online payments (benefits/payments.py, benefits/wechatpay.py) ----------------------------------------------
# The sandbox gateway (a local page that pretends to take the money) exists only where this is on: local and test
# settings turn it on; in production it is off and its routes answer 404.
BENEFITS_SANDBOX_PAYMENTS = env.bool("BENEFITS_SANDBOX_PAYMENTS", default=False)
# WeChat Pay (API v3, H5). Online payment uses it when WECHATPAY_MCHID is set. Keys are PEM text or a file's path.
WECHATPAY_MCHID = env("WECHATPAY_MCHID", default="")
WECHATPAY_APPID = env("WECHATPAY_APPID", default="")
WECHATPAY_APIV3_KEY = env("WECHATPAY_APIV3_KEY", default="")
WECHATPAY_CERT_SERIAL_NO = env("WECHATPAY_CERT_SERIAL_NO", default="")
WECHATPAY_PRIVATE_KEY = env("WECHATPAY_PRIVATE_KEY", default="")
WECHATPAY_PUBLIC_KEY = env("WECHATPAY_PUBLIC_KEY", default="")
WECHATPAY_PUBLIC_KEY_ID = env("WECHATPAY_PUBLIC_KEY_ID", default="")
WECHATPAY_API_BASE_URL = env("WECHATPAY_API_BASE_URL", default="https://api.mch.weixin.qq.com")
WECHATPAY_TIMEOUT_SECONDS = env.float("WECHATPAY_TIMEOUT_SECONDS", default=5.0)
WECHATPAY_ORDER_MINUTES = env.int("WECHATPAY_ORDER_MINUTES", default=15)


# --- Behind a reverse proxy -------------------------------------------------------------------------------------
# How many proxies in front of the portal append to X-Forwarded-For (docker-compose.yml's reverse proxy: 1). The
# client's address is then the entry that many places from the right; a client's own forged entries, further left,
# are ignored. 0 (no proxy): REMOTE_ADDR, and X-Forwarded-For is ignored altogether. Rate limits (allauth's, the
# API's throttles) and the login lockout count by this address: behind a proxy with 0 here every client would share
# the proxy's address, and failed logins on some accounts would lock everyone's.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT


# --- Text messages a person can make the portal send (members/notifications/sms_limits.py) --------------------------
# Codes by SMS (sign-up, login, reset, a visitor's verification): at most this many per number, per client address
# and in all, per window ("count/h"). Beyond: 429 with a message; nothing is sent.
SMS_RATE_LIMIT_PER_NUMBER = env("SMS_RATE_LIMIT_PER_NUMBER", default="5/h")
SMS_RATE_LIMIT_PER_CLIENT = env("SMS_RATE_LIMIT_PER_CLIENT", default="20/h")
SMS_RATE_LIMIT_GLOBAL = env("SMS_RATE_LIMIT_GLOBAL", default="2000/h")


# --- Staff two-factor ---------------------------------------------------------------------------------------------
# Staff (is_staff or any staff role) must set up an authenticator app before any admin or staff page
# (members.accounts.middleware.StaffTwoFactorMiddleware). On in production; off elsewhere unless set.
STAFF_REQUIRE_TWO_FACTOR = env.bool("STAFF_REQUIRE_TWO_FACTOR", default=False)


# --- Claim documents opened by apps (benefits/review/links.py) --------------------------------------------------
# The API gives each document's URL signed for the user asking; it opens without a session for this many seconds.
CLAIM_DOCUMENT_URL_MAX_AGE = env.int("CLAIM_DOCUMENT_URL_MAX_AGE", default=600)


# --- Tencent Cloud SMS (SMS_BACKEND=members.notifications.sms_tencent.TencentSmsBackend) ------------------------------
SMS_TENCENT_SECRET_ID = env("SMS_TENCENT_SECRET_ID", default="")
SMS_TENCENT_SECRET_KEY = env("SMS_TENCENT_SECRET_KEY", default="")
SMS_TENCENT_APP_ID = env("SMS_TENCENT_APP_ID", default="")  # SmsSdkAppId
SMS_TENCENT_SIGN_NAME = env("SMS_TENCENT_SIGN_NAME", default="")  # the approved signature, e.g. 工会服务门户
SMS_TENCENT_TEMPLATE_CODE = env("SMS_TENCENT_TEMPLATE_CODE", default="")
SMS_TENCENT_TEMPLATE_NOTICE = env("SMS_TENCENT_TEMPLATE_NOTICE", default="")
SMS_TENCENT_REGION = env("SMS_TENCENT_REGION", default="ap-guangzhou")
SMS_TENCENT_ENDPOINT = env("SMS_TENCENT_ENDPOINT", default="sms.tencentcloudapi.com")
SMS_TENCENT_TIMEOUT_SECONDS = env.int("SMS_TENCENT_TIMEOUT_SECONDS", default=5)
