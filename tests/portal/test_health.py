"""/healthz tells the truth within a second: 503 when the database or the broker is down or hanging, whatever
the middleware and the request's transaction would do. Persona: the load balancer's probe (nobody signed in)."""

import os
import socket
import threading
import time

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from portal import health


@pytest.fixture(autouse=True)
def _no_checks_left_running():
    health._running.clear()
    yield
    health._running.clear()


def test_healthz_reports_database_and_in_process_broker(client, db, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "in-process",
                               "outbox": {"pending": 0, "oldest_seconds": None}}


@pytest.mark.django_db(transaction=True)
def test_healthz_reports_the_outbox_backlog_and_its_oldest_age(client, settings):
    """Work waiting for the broker shows as a count and the age of the oldest, so a monitor sees a stuck queue
    even while every dependency answers."""
    from datetime import timedelta

    from django.utils import timezone

    from core.models import OutboxMessage

    settings.CELERY_BROKER_URL = ""
    now = timezone.now()
    OutboxMessage.objects.create(task="benefits.tasks.assess_claim", args=[1], created_at=now - timedelta(seconds=120))
    OutboxMessage.objects.create(task="benefits.tasks.assess_claim", args=[2], created_at=now - timedelta(seconds=5))
    OutboxMessage.objects.create(task="benefits.tasks.assess_claim", args=[3], state="sent", sent_at=now,
                                 created_at=now - timedelta(days=1))
    started = time.monotonic()
    body = client.get("/healthz").json()
    assert time.monotonic() - started < 1.5
    assert body["outbox"]["pending"] == 2
    assert 119 <= body["outbox"]["oldest_seconds"] <= 130


def test_healthz_is_503_when_the_broker_refuses_connections(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    started = time.monotonic()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "down"
    assert time.monotonic() - started < 1.5


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections and never answers: a frozen Redis (SIGSTOP) looks like this."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield listener.getsockname()[1]
    listener.close()


def test_healthz_is_503_within_a_second_when_the_broker_hangs(client, db, settings, silent_server):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{silent_server}/0"
    started = time.monotonic()
    response = client.get("/healthz")
    took = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["broker"] in ("hanging", "down")
    assert response.json()["database"] == "ok"
    assert took < 1.5


def test_healthz_is_503_when_the_database_is_down_even_before_the_view(client, db, settings, monkeypatch, caplog):
    """With the database gone, sessions, authentication and ATOMIC_REQUESTS would fail before any view: the
    probe is answered first, with 503 and the reason, never a 500."""
    settings.CELERY_BROKER_URL = ""

    def refuse(self):
        raise OperationalError("could not connect to server: Connection refused")

    with monkeypatch.context() as patched:  # undone before the test database's own teardown
        patched.setattr(BaseDatabaseWrapper, "ensure_connection", refuse)
        response = client.get("/healthz", HTTP_COOKIE="sessionid=abc")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "down", "broker": "in-process"}
    assert "database unreachable" in caplog.text


def test_healthz_answers_within_a_second_while_the_database_hangs(client, db, settings, monkeypatch):
    settings.CELERY_BROKER_URL = ""
    release = threading.Event()

    def hang():
        release.wait(10)
        return {}

    monkeypatch.setattr(health, "_database_check", hang)
    try:
        started = time.monotonic()
        first = client.get("/healthz")
        assert time.monotonic() - started < 1.5
        assert first.status_code == 503
        assert first.json()["database"] == "hanging"
        # A second probe during the same hang starts no second thread and still answers in time.
        threads_before = threading.active_count()
        started = time.monotonic()
        second = client.get("/healthz")
        assert time.monotonic() - started < 1.5
        assert second.status_code == 503
        assert threading.active_count() <= threads_before
    finally:
        release.set()


def test_healthz_is_never_cached_and_only_reads(client, db):
    response = client.get("/healthz")
    assert "no-cache" in response["Cache-Control"]
    assert client.post("/healthz").status_code == 405


@pytest.mark.skipif(not os.environ.get("CELERY_BROKER_URL"), reason="needs a live broker in CELERY_BROKER_URL")
def test_healthz_reports_a_live_broker_as_ok(client, db, settings):
    settings.CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok",
                               "outbox": {"pending": 0, "oldest_seconds": None}}
