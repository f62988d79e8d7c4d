"""A real Celery worker for tests marked `worker` (pytest plugin, loaded from tests/conftest.py).

Every other test runs Celery tasks in-process (eagerly), even when a broker is configured. A test marked
`worker` asks for the `celery_worker` fixture and must use `@pytest.mark.django_db(transaction=True)`, so the
rows it writes are committed and visible to the worker. The fixture, once per session:

- needs CELERY_BROKER_URL in the environment; without it (or with the broker unreachable) the test is
  skipped with the reason, or fails when REQUIRE_WORKER_TESTS=1 (CI's second run must not skip silently);
- starts `celery -A portal worker` with DJANGO_SETTINGS_MODULE=portal.settings.test, DATABASE_URL pointing at
  pytest-django's test database (test_<name>), a queue of its own (so runs sharing a broker never take each
  other's tasks), short retry backoff, and the test SMS backend `tests.sms_backends.FlakySmsBackend`;
- stops the worker before the test database is dropped.
"""

import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest

WORKER_START_TIMEOUT = 60


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("worker") is None:
            continue
        db_marker = item.get_closest_marker("django_db")
        if db_marker is None or not db_marker.kwargs.get("transaction"):
            raise pytest.UsageError(
                f"{item.nodeid} is marked `worker` but not django_db(transaction=True): "
                "the worker cannot see rows inside the test's transaction."
            )


@pytest.fixture(autouse=True)
def _celery_in_process_unless_worker(request):
    """Tasks run eagerly in every test but the `worker` ones, whatever CELERY_BROKER_URL says: a test
    without a worker must not leave messages on a real broker."""
    from portal.celery_app import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = request.node.get_closest_marker("worker") is None
    yield
    app.conf.task_always_eager = previous


def _unavailable(reason: str):
    if _truthy("REQUIRE_WORKER_TESTS"):
        pytest.fail(f"REQUIRE_WORKER_TESTS=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _broker_error(url: str) -> str | None:
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:  # any failure to connect means "unreachable", with its message
        return f"{type(exc).__name__}: {exc}"
    return None


def _database_url(settings_dict) -> str:
    """DATABASE_URL for the test database this session created (pytest-django names it test_<name>)."""
    engine = settings_dict["ENGINE"]
    name = str(settings_dict["NAME"])
    if engine == "django.db.backends.sqlite3":
        if name == ":memory:" or "mode=memory" in name:
            _unavailable(
                "tests marked `worker` need a database another process can open; the SQLite test database is "
                "in memory. Set DATABASE_URL to PostgreSQL (CI's second run does)."
            )
        return f"sqlite:///{name}"
    configured = os.environ.get("DATABASE_URL", "")
    if configured and not configured.startswith("sqlite"):
        # Same server, credentials and options as configured; only the database becomes the test one.
        parts = urlsplit(configured)
        return urlunsplit(parts._replace(path="/" + quote(name, safe="")))
    scheme = {"django.db.backends.postgresql": "postgres", "django.db.backends.mysql": "mysql"}.get(engine)
    if scheme is None:
        _unavailable(f"no DATABASE_URL scheme known for {engine}")
    credentials = quote(settings_dict.get("USER") or "", safe="")
    if settings_dict.get("PASSWORD"):
        credentials += ":" + quote(settings_dict["PASSWORD"], safe="")
    host = settings_dict.get("HOST") or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"{scheme}://{credentials}@{host}{port}/{quote(name, safe='')}"


@dataclass
class CeleryWorker:
    """The running worker: its queue and node name, the folder that arms FlakySmsBackend, its log."""

    process: subprocess.Popen
    queue: str
    hostname: str
    flaky_sms_dir: Path
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def arm_sms_failure(self, mobile: str) -> None:
        """The next SMS to `mobile` fails once (the gateway "times out"), whichever worker process sends it."""
        (self.flaky_sms_dir / mobile).touch()

    def wait_until(self, predicate, *, timeout: float = 30, what: str = "condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the Celery worker exited ({self.process.returncode}):\n{self.log()[-4000:]}")
            result = predicate()
            if result:
                return result
            time.sleep(0.2)
        pytest.fail(f"timed out after {timeout}s waiting for {what}; worker log:\n{self.log()[-4000:]}")

    def wait_idle(self, *, timeout: float = 30) -> None:
        """Waits until the queue is empty and the worker holds no task (running, prefetched or scheduled)."""
        from portal.celery_app import app

        def idle():
            with app.connection_for_write() as conn:
                waiting = sum(conn.default_channel.queue_declare(name).message_count
                              for name in (self.queue, f"{self.queue}.notifications"))
            if waiting:
                return False
            inspect = app.control.inspect(destination=[self.hostname], timeout=1)
            for held in (inspect.active(), inspect.reserved(), inspect.scheduled()):
                if held is None or any(held.values()):
                    return False
            return True

        self.wait_until(idle, timeout=timeout, what="the worker to finish its tasks")


def _wait_ready(app, worker: CeleryWorker) -> None:
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            pytest.fail(f"the Celery worker did not start ({worker.process.returncode}):\n{worker.log()[-4000:]}")
        replies = app.control.ping(destination=[worker.hostname], timeout=1) or []
        if any(worker.hostname in reply for reply in replies):
            return
    pytest.fail(f"the Celery worker did not answer a ping within {WORKER_START_TIMEOUT}s:\n{worker.log()[-4000:]}")


def _wait_disconnected(settings_dict, timeout: float = 15) -> None:
    """PostgreSQL refuses to drop a database with sessions open: wait for the worker's to end."""
    if settings_dict["ENGINE"] != "django.db.backends.postgresql":
        return
    from django.db import connection

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [settings_dict["NAME"]],
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.2)


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    broker = os.environ.get("CELERY_BROKER_URL", "").strip()
    if not broker:
        _unavailable(
            "CELERY_BROKER_URL is not set: tests marked `worker` run a real Celery worker on a real broker "
            "(e.g. CELERY_BROKER_URL=redis://127.0.0.1:6379/0 with DATABASE_URL=postgres://…)"
        )
    error = _broker_error(broker)
    if error:
        _unavailable(f"the broker at CELERY_BROKER_URL is unreachable ({error})")

    from django.conf import settings
    from django.db import connection

    from portal.celery_app import app

    settings_dict = dict(connection.settings_dict)
    database_url = _database_url(settings_dict)
    queue = f"union-portal-test-{uuid.uuid4().hex[:12]}"
    hostname = f"{queue}@{socket.gethostname()}"
    base = tmp_path_factory.mktemp("celery-worker")
    flaky_sms_dir = base / "flaky-sms"
    flaky_sms_dir.mkdir()
    log_path = base / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "CONN_MAX_AGE": "0",
        "TEST_SMS_BACKEND": "tests.sms_backends.FlakySmsBackend",
        "TEST_CELERY_QUEUE": queue,
        "FLAKY_SMS_DIR": str(flaky_sms_dir),
        "NOTIFICATION_RETRY_BASE_SECONDS": "1",
        "NOTIFICATION_RETRY_MAX_SECONDS": "2",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "portal", "worker",
        # Its own default queue and that queue's notifications queue (portal.celery_app.route_task).
        "--queues", f"{queue},{queue}.notifications", "--hostname", hostname,
        "--concurrency", "2", "--loglevel", "INFO",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--include", "tests.worker_hooks",
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603 — our own worker command, fixed arguments
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    worker = CeleryWorker(
        process=process, queue=queue, hostname=hostname, flaky_sms_dir=flaky_sms_dir, log_path=log_path
    )
    # This test process publishes its tasks to the worker's own queue.
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        _wait_ready(app, worker)
        yield worker
    finally:
        app.conf.task_default_queue = previous_queue
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        try:
            with app.connection_for_write() as conn:
                conn.default_channel.queue_delete(queue)
                conn.default_channel.queue_delete(f"{queue}.notifications")
        except Exception as exc:  # a leftover empty queue is harmless; say so and go on
            print(f"could not delete test queue {queue}: {exc}", file=sys.stderr)
        with django_db_blocker.unblock():
            _wait_disconnected(settings_dict)
