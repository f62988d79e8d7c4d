"""The test suite: fast hashing, mail and SMS kept in memory/the database, tasks eager unless a broker is set."""

from .base import *  # noqa: F403
from .base import CELERY_BROKER_URL, env

DEBUG = False
SECRET_KEY = "test-only-not-a-secret"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The real-worker tests start their worker with TEST_SMS_BACKEND naming a test backend that can fail on purpose.
SMS_BACKEND = env("TEST_SMS_BACKEND", default="members.notifications.sms.DatabaseSmsBackend")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(env("TEST_MEDIA_ROOT", default="/tmp/union-portal-test-media"))  # noqa: F405, S108
# In-process by default; with CELERY_BROKER_URL set (CI's second run) tests marked `worker` use a real one.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
BENEFITS_SANDBOX_PAYMENTS = True  # the tests of the production refusal turn it off themselves
# The real-worker tests give their worker a queue of its own (tests/worker.py): the tasks it queues itself (a
# delivery after an assessment) go there too, not to the shared default queue no test worker consumes.
CELERY_TASK_DEFAULT_QUEUE = env("TEST_CELERY_QUEUE", default="celery")
# A task that crashes fails its test (in-process tasks raise); a test of a failing task says so itself.
CELERY_TASK_EAGER_PROPAGATES = True
# Each test process keeps its own cache, even when CI points the broker at Redis: rate-limit counters of one
# test must not carry over into the next run.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Every station search reads the change log first: a test sees what it has just committed (the tests of the
# interval itself set their own).
STATIONS_SEARCH_REFRESH_SECONDS = 0
