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

`celery_beat` (once per session, after the worker; the browser journeys ask for it) adds `celery -A portal beat` on
django-celery-beat's DatabaseScheduler, as production runs it, on the same test database and queue; a test schedules
a task of its own with `celery_beat.every(...)`. It is stopped before the worker.

A test that needs workers of its own (several processes as production runs them, another SMS backend, another
broker) asks for `celery_workers` instead: `celery_workers.start(...)` starts one on the test's own queue, this
process publishes there while the test runs, and every worker it started is stopped when the test ends. A test
that stops and starts its broker asks for `private_redis` too: a `redis-server` of its own, never the shared one.
"""

import contextlib
import os
import shutil
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
    """A running worker: the default queue of its tasks (`queue`; messages go to `<queue>.notifications`), the
    queues it consumes, its node name, the folder that arms FlakySmsBackend, its log."""

    process: subprocess.Popen
    queue: str
    queues: tuple[str, ...]
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
        """Waits until its queues are empty and the worker holds no task (running, prefetched or scheduled)."""
        from portal.celery_app import app

        def idle():
            with app.connection_for_write() as conn:
                waiting = sum(conn.default_channel.queue_declare(name).message_count for name in self.queues)
            if waiting:
                return False
            inspect = app.control.inspect(destination=[self.hostname], timeout=1)
            for held in (inspect.active(), inspect.reserved(), inspect.scheduled()):
                if held is None or any(held.values()):
                    return False
            return True

        self.wait_until(idle, timeout=timeout, what="the worker to finish its tasks")

    def wait_ready(self, *, timeout: float = WORKER_START_TIMEOUT) -> None:
        """Waits until the worker answers a ping on the broker: started, or connected again after losing it."""
        from portal.celery_app import app

        def answers():
            replies = app.control.ping(destination=[self.hostname], timeout=1) or []
            return any(self.hostname in reply for reply in replies)

        self.wait_until(answers, timeout=timeout, what=f"{self.hostname} to answer a ping")

    def stop(self) -> None:
        """Warm shutdown (what a deploy does), killed if it takes longer than 20 s."""
        _stop_workers([self])


def _stop_workers(workers: list[CeleryWorker]) -> None:
    """Asks them all to stop at once (warm shutdown, as a deploy does), kills any still running 20 s later."""
    for worker in workers:
        worker.process.terminate()
    for worker in workers:
        try:
            worker.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait(timeout=10)


def _worker_start(*, broker_url: str, database_url: str, queue: str, queues: tuple[str, ...], name: str,
                  base: Path, env: dict[str, str] | None = None, concurrency: int = 2) -> CeleryWorker:
    """Starts `celery -A portal worker` consuming `queues` of `broker_url`, with the test settings and the test
    database; `queue` is its default queue (the tasks it queues itself go there and to `<queue>.notifications`).
    `env` adds to or overrides the worker's environment (another SMS backend, its delay). Does not wait for it."""
    from django.conf import settings

    hostname = f"{name}-{queue}@{socket.gethostname()}"
    flaky_sms_dir = base / f"{name}-flaky-sms"
    flaky_sms_dir.mkdir()
    log_path = base / f"{name}.log"
    worker_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "CONN_MAX_AGE": "0",
        "TEST_SMS_BACKEND": "tests.sms_backends.FlakySmsBackend",
        "TEST_CELERY_QUEUE": queue,
        "FLAKY_SMS_DIR": str(flaky_sms_dir),
        "NOTIFICATION_RETRY_BASE_SECONDS": "1",
        "NOTIFICATION_RETRY_MAX_SECONDS": "2",
        **(env or {}),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "portal", "worker",
        "--queues", ",".join(queues), "--hostname", hostname,
        "--concurrency", str(concurrency), "--loglevel", "INFO",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--include", "tests.worker_hooks",
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603 — our own worker command, fixed arguments
            command, cwd=settings.BASE_DIR, env=worker_env, stdout=log, stderr=subprocess.STDOUT
        )
    return CeleryWorker(process=process, queue=queue, queues=tuple(queues), hostname=hostname,
                        flaky_sms_dir=flaky_sms_dir, log_path=log_path)


def _delete_queues(app, queues) -> None:
    try:
        with app.connection_for_write() as conn:
            for name in queues:
                conn.default_channel.queue_delete(name)
    except Exception as exc:  # a leftover empty queue is harmless; say so and go on
        print(f"could not delete test queues {queues}: {exc}", file=sys.stderr)


@contextlib.contextmanager
def _publishing_to(*, broker_url: str, queue: str):
    """This process's tasks (and control commands: ping, inspect) go to `broker_url`, default queue `queue`, until
    the block ends. The app looks its connection and producer pools up again for the broker, and again after (kombu
    keeps them by broker, for the whole process: they are left open)."""
    from portal.celery_app import app

    def forget_pools():
        app._pool = None
        app.amqp._producer_pool = None

    # The read and write URLs, not broker_url: Celery reads CELERY_BROKER_URL from the environment before the latter.
    names = ("broker_write_url", "broker_read_url", "task_default_queue")
    previous = {name: app.conf.get(name) for name in names}
    forget_pools()
    app.conf.update(broker_write_url=broker_url, broker_read_url=broker_url, task_default_queue=queue)
    try:
        yield
    finally:
        forget_pools()
        app.conf.update(previous)


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


def _configured_broker() -> str:
    broker = os.environ.get("CELERY_BROKER_URL", "").strip()
    if not broker:
        _unavailable(
            "CELERY_BROKER_URL is not set: tests marked `worker` run a real Celery worker on a real broker "
            "(e.g. CELERY_BROKER_URL=redis://127.0.0.1:6379/0 with DATABASE_URL=postgres://…)"
        )
    error = _broker_error(broker)
    if error:
        _unavailable(f"the broker at CELERY_BROKER_URL is unreachable ({error})")
    return broker


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    broker = _configured_broker()

    from django.db import connection

    from portal.celery_app import app

    settings_dict = dict(connection.settings_dict)
    queue = f"union-portal-test-{uuid.uuid4().hex[:12]}"
    worker = _worker_start(
        broker_url=broker, database_url=_database_url(settings_dict), queue=queue,
        # Its own default queue and that queue's notifications queue (portal.celery_app.route_task).
        queues=(queue, f"{queue}.notifications"), name="worker", base=tmp_path_factory.mktemp("celery-worker"),
    )
    # This test process publishes its tasks to the worker's own queue.
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        worker.wait_ready()
        yield worker
    finally:
        app.conf.task_default_queue = previous_queue
        worker.stop()
        _delete_queues(app, worker.queues)
        with django_db_blocker.unblock():
            _wait_disconnected(settings_dict)


BEAT_START_TIMEOUT = 60


@dataclass
class CeleryBeat:
    """A running `celery -A portal beat` on django-celery-beat's DatabaseScheduler (as Procfile.stack runs it), its
    schedule in the test database and its tasks sent to the session worker's queue.

    Transactional tests empty every table after them, the schedule's too: the scheduler keeps what it last read,
    but a test that needs an entry of its own writes it with `every()`, which waits until beat sends it."""

    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def check_running(self) -> None:
        if self.process.poll() is not None:
            pytest.fail(f"Celery beat exited ({self.process.returncode}):\n{self.log()[-4000:]}", pytrace=False)

    def sent(self, name: str) -> int:
        """How many times beat has sent the entry `name` to the broker (its log says so for each)."""
        return self.log().count(f"Sending due task {name} ")

    def every(self, task: str, *, seconds: int, name: str, timeout: float = 30) -> None:
        """Schedules `task` every `seconds` (an entry `name` of the test's own) beside the apps' beat schedule,
        and waits until beat has sent it once: the scheduler read the schedule again and runs it."""
        from django_celery_beat.models import IntervalSchedule, PeriodicTask, PeriodicTasks
        from django_celery_beat.schedulers import ModelEntry

        from portal.celery_app import app

        for entry_name, entry in app.conf.beat_schedule.items():
            ModelEntry.from_entry(entry_name, **entry)
        interval, _ = IntervalSchedule.objects.get_or_create(every=seconds, period=IntervalSchedule.SECONDS)
        PeriodicTask.objects.update_or_create(name=name, defaults={"task": task, "interval": interval})
        before = self.sent(name)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_running()
            # The scheduler reads the schedule again when the change mark moves on (it ignores the first mark it
            # sees after the tables were emptied): move it every 1.2 s until the entry has been sent.
            PeriodicTasks.update_changed()
            pause = time.monotonic() + 1.2
            while time.monotonic() < pause:
                if self.sent(name) > before:
                    return
                time.sleep(0.2)
        pytest.fail(f"Celery beat did not send {name} ({task}) within {timeout}s; beat log:\n{self.log()[-4000:]}",
                    pytrace=False)

    def stop(self) -> None:
        """Stops it as a deploy does (SIGTERM: beat writes its schedule back and exits), killed after 20 s."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def celery_beat(celery_worker, django_db_setup, django_db_blocker, tmp_path_factory):
    """Celery beat beside the session's worker: django-celery-beat's DatabaseScheduler on the test database, the
    tasks it sends going to the worker's queue. Started once, after the worker; stopped before it."""
    from django.conf import settings
    from django.db import connection

    settings_dict = dict(connection.settings_dict)
    base = tmp_path_factory.mktemp("celery-beat")
    log_path = base / "beat.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": _database_url(settings_dict),
        "CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"].strip(),
        "CONN_MAX_AGE": "0",
        "TEST_CELERY_QUEUE": celery_worker.queue,
        "LOG_LEVEL": "INFO",  # "Sending due task …" for each entry sent: `CeleryBeat.sent` reads them
    }
    command = [
        # The scheduler is the one settings name (CELERY_BEAT_SCHEDULER), as in Procfile.stack: a scheduler other
        # than django-celery-beat's writes no schedule into the database, and the fixture fails waiting for it.
        sys.executable, "-m", "celery", "-A", "portal", "beat",
        # It looks for changes of the schedule at least every second (production: every 5 s). A file scheduler
        # would keep its schedule in the temporary folder, never in the project.
        "--max-interval", "1", "--schedule", str(base / "celerybeat-schedule"), "--loglevel", "INFO",
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603 — our own beat command, fixed arguments
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    beat = CeleryBeat(process=process, log_path=log_path)
    try:
        from django_celery_beat.models import PeriodicTask

        from portal.celery_app import app

        # Started when it has written the apps' beat schedule into the test database.
        names = set(app.conf.beat_schedule)
        deadline = time.monotonic() + BEAT_START_TIMEOUT
        with django_db_blocker.unblock():
            while set(PeriodicTask.objects.filter(name__in=names).values_list("name", flat=True)) != names:
                beat.check_running()
                if time.monotonic() > deadline:
                    pytest.fail(f"Celery beat wrote no schedule within {BEAT_START_TIMEOUT}s:\n{beat.log()[-4000:]}",
                                pytrace=False)
                time.sleep(0.2)
        yield beat
    finally:
        beat.stop()


class CeleryWorkers:
    """Workers of one test's own (the `celery_workers` fixture): one broker and one queue name for all of them,
    which this process publishes to while the test runs."""

    def __init__(self, *, database_url: str, base: Path, exits: contextlib.ExitStack):
        self.database_url = database_url
        self.base = base
        self.queue = f"union-portal-test-{uuid.uuid4().hex[:12]}"
        self.notifications_queue = f"{self.queue}.notifications"
        self.broker_url: str | None = None
        self.started: list[CeleryWorker] = []
        self._exits = exits

    def start(self, *, name: str = "worker", queues: tuple[str, ...] | None = None, broker_url: str | None = None,
              env: dict[str, str] | None = None, concurrency: int = 2) -> CeleryWorker:
        """Starts a worker consuming `queues` (by default both the test's queue and its notifications queue) on
        `broker_url` (by default CELERY_BROKER_URL) and returns it without waiting: `wait_ready()` does, so that
        several can start together."""
        broker_url = broker_url or _configured_broker()
        if self.broker_url is None:
            self.broker_url = broker_url
            self._exits.enter_context(_publishing_to(broker_url=broker_url, queue=self.queue))
            self._exits.callback(self._delete_queues)  # after the workers stopped, while still on their broker
            self._exits.callback(_stop_workers, self.started)  # exit stacks unwind backwards: this runs first
        elif broker_url != self.broker_url:
            raise pytest.UsageError("the workers of one test share one broker")
        worker = _worker_start(broker_url=broker_url, database_url=self.database_url, queue=self.queue,
                               queues=queues or (self.queue, self.notifications_queue), name=name, base=self.base,
                               env=env, concurrency=concurrency)
        self.started.append(worker)
        return worker

    def _delete_queues(self) -> None:
        from portal.celery_app import app

        _delete_queues(app, (self.queue, self.notifications_queue))


@pytest.fixture
def celery_workers(django_db_setup, tmp_path):
    """Starts Celery workers for this test alone (several, as production runs them; another SMS backend; another
    broker): `celery_workers.start(name=…, queues=…, broker_url=…, env=…)`. Stopped when the test ends."""
    from django.db import connection

    database_url = _database_url(dict(connection.settings_dict))
    with contextlib.ExitStack() as exits:
        yield CeleryWorkers(database_url=database_url, base=tmp_path, exits=exits)


@dataclass
class RedisServer:
    """A `redis-server` of one test's own, on a free port, which the test may stop and start again (the shared
    Redis serves other runs). Without persistence: a restart loses every message it held."""

    directory: Path
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
                   "--save", "", "--appendonly", "no", "--logfile", "redis.log"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # noqa: S603
        deadline = time.monotonic() + 10
        while _broker_error(self.url) is not None:
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = (self.directory / "redis.log")
                pytest.fail(f"redis-server did not start on port {self.port}:\n"
                            f"{log.read_text(errors='replace')[-2000:] if log.exists() else ''}")
            time.sleep(0.1)

    def stop(self) -> None:
        """Stops it at once, saving nothing (SIGTERM with `--save ""`); its clients see their connections close."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def private_redis(django_db_setup, tmp_path):
    """A Redis of this test's own (RedisServer), started; stopped when the test ends. Ask for it before
    `celery_workers`, so that the workers on it stop first. Run when the other worker tests run (CELERY_BROKER_URL
    set, a database other processes can open)."""
    from django.db import connection

    _configured_broker()
    _database_url(dict(connection.settings_dict))
    if not (shutil.which("redis-server") or Path("/usr/bin/redis-server").exists()):
        _unavailable("redis-server is not installed: this test stops and starts a broker of its own")
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(directory=directory, port=_free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
