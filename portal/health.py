"""/healthz: tells the truth within a second, whatever is down or hanging.

The probe is answered by the first middleware, before sessions, locale, authentication or ATOMIC_REQUESTS can touch
the database or the cache: a health check must not need the database to say that the database is down. Each
dependency is checked in a thread of its own and waited for at most HEALTH_TIMEOUT_SECONDS; a check still running
from an earlier probe (a hung server) is reported as hanging without starting another, so a hang costs one thread,
not one per probe.
"""

import logging
import threading
import time
from concurrent.futures import Future

from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers

from core.selectors import outbox_backlog

logger = logging.getLogger(__name__)

_running: dict[str, Future] = {}
_running_lock = threading.Lock()


def _in_thread(name: str, check) -> Future:
    """Starts `check` in a daemon thread unless the previous one of that name is still running (then its future)."""
    with _running_lock:
        previous = _running.get(name)
        if previous is not None and not previous.done():
            return previous
        future: Future = Future()

        def run():
            try:
                future.set_result(check())
            except Exception as exc:  # any failure of a dependency is its "down", with the reason logged
                future.set_exception(exc)

        _running[name] = future
        threading.Thread(target=run, name=f"healthz-{name}", daemon=True).start()
        return future


def _database_check() -> dict:
    """SELECT 1 on a connection of this thread's own (closed again: the thread is not reused), then the outbox's
    backlog: how many messages wait to reach the broker and how long the oldest has waited (seconds). A growing
    backlog says the broker or the sweep is not doing its work even when both answer."""
    try:
        connection = connections["default"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"outbox": outbox_backlog()}
    finally:
        connections.close_all()


def _broker_check() -> None:
    url = settings.CELERY_BROKER_URL
    timeout = settings.HEALTH_TIMEOUT_SECONDS
    if url.startswith(("redis://", "rediss://")):
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
        return
    from kombu import Connection

    with Connection(url, connect_timeout=timeout) as conn:
        conn.ensure_connection(max_retries=1, timeout=timeout)


def _outcome(name: str, future: Future, deadline: float) -> tuple[str, object]:
    try:
        return "ok", future.result(timeout=max(0.0, deadline - time.monotonic()))
    except TimeoutError:
        logger.error("health check: %s is not answering (hanging)", name)
        return "hanging", None
    except Exception as exc:
        logger.error("health check: %s unreachable (%s)", name, type(exc).__name__)
        return "down", None


def health_report() -> tuple[dict, bool]:
    deadline = time.monotonic() + settings.HEALTH_TIMEOUT_SECONDS
    database_future = _in_thread("database", _database_check)
    broker_future = _in_thread("broker", _broker_check) if settings.CELERY_BROKER_URL else None
    database, extra = _outcome("database", database_future, deadline)
    broker = _outcome("broker", broker_future, deadline)[0] if broker_future else "in-process"
    healthy = database == "ok" and broker in ("ok", "in-process")
    report = {"status": "ok" if healthy else "error", "database": database, "broker": broker, **(extra or {})}
    return report, healthy


def healthz(request):
    if request.method not in ("GET", "HEAD"):
        response = JsonResponse({"status": "error", "detail": "GET only"}, status=405)
        response["Allow"] = "GET, HEAD"
        return response
    report, healthy = health_report()
    response = JsonResponse(report, status=200 if healthy else 503)
    add_never_cache_headers(response)
    return response


class HealthCheckMiddleware:
    """First in MIDDLEWARE: answers /healthz itself, so no other middleware or the request's transaction runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)
