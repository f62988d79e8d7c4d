"""Work survives a killed worker and no dependency can hang a request: the Celery settings, the messages' own
queue, and a cache that keeps sign-in and pages working while Redis is away.

Personas: a visitor (nobody signed in) on the sign-in page and the menu while the cache's Redis is down."""

import os
import time

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.checks import run_checks
from django.test import override_settings

from portal.cache import ResilientRedisCache
from portal.celery_app import app, route_task

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"


def test_a_killed_pool_child_gives_its_message_back():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True


def test_every_task_has_time_limits_under_the_visibility_timeout():
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit < visibility
    assert visibility > django_settings.MEMBER_IMPORT_TIME_LIMIT
    assert visibility > django_settings.SETTLEMENT_IMPORT_TIME_LIMIT
    assert visibility > django_settings.NOTIFICATION_RETRY_MAX_SECONDS
    from benefits.settlement.tasks import settlement_import_run
    from members.data.tasks import run_import_job

    assert run_import_job.time_limit == django_settings.MEMBER_IMPORT_TIME_LIMIT
    assert settlement_import_run.time_limit == django_settings.SETTLEMENT_IMPORT_TIME_LIMIT


def test_a_visibility_timeout_shorter_than_a_task_is_refused_by_the_checks(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    settings.CELERY_BROKER_VISIBILITY_TIMEOUT = 60
    errors = [e for e in run_checks() if e.id == "portal.E001"]
    assert {e.msg.split("than ")[1].split(" (")[0] for e in errors} == {
        "CELERY_TASK_TIME_LIMIT", "NOTIFICATION_RETRY_MAX_SECONDS", "MEMBER_IMPORT_TIME_LIMIT",
        "SETTLEMENT_IMPORT_TIME_LIMIT"}
    settings.CELERY_BROKER_VISIBILITY_TIMEOUT = 900
    assert not [e for e in run_checks() if e.id == "portal.E001"]


def test_publishing_waits_on_the_broker_for_about_a_second_at_most():
    assert app.conf.broker_connection_timeout <= 1
    options = app.conf.broker_transport_options
    assert options["socket_connect_timeout"] <= 1 and options["socket_timeout"] <= 2
    assert app.conf.task_publish_retry_policy["max_retries"] <= 1


def test_the_members_tasks_keep_their_names_wherever_their_modules_moved():
    """Queued work and beat's schedule name tasks; members' packages keep the names of the flat modules they had."""
    from members import tasks
    from members.data.tasks import run_import_job
    from members.notifications.tasks import deliver_notification, sms_send

    app.loader.import_default_modules()  # what a worker does at start: autodiscovery imports members.tasks
    assert {"members.tasks.deliver_notification", "members.tasks.sms_send",
            "members.tasks_data.run_import_job"} <= set(app.tasks)
    assert deliver_notification.name == tasks.deliver_notification.name == "members.tasks.deliver_notification"
    assert sms_send.name == tasks.sms_send.name == "members.tasks.sms_send"
    assert run_import_job.name == tasks.run_import_job.name == "members.tasks_data.run_import_job"


def test_the_benefits_tasks_keep_their_names_in_their_sub_packages():
    """The claims', education aid's and the hardship register's tasks live in their packages under the names the
    outbox, the sweep and beat's schedule use (benefits/schedules.py names every one)."""
    from benefits import tasks
    from benefits.schedules import BEAT_SCHEDULE

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert scheduled | {"benefits.tasks.assess_claim", "benefits.tasks.notify_group_enrolment"} <= set(app.tasks)
    for name in ("assess_claim", "remind_overdue_claims", "remind_members_of_claims", "remind_overdue_aid",
                 "remind_hardship_rechecks", "remind_care_visits"):
        assert getattr(tasks, name).name == f"benefits.tasks.{name}"


def test_messages_go_to_a_queue_of_their_own():
    default = app.conf.task_default_queue
    assert route_task("members.tasks.deliver_notification", [1], {}, {}) == {"queue": f"{default}.notifications"}
    assert route_task("benefits.tasks.assess_claim", [1], {}, {}) is None
    # The router is what Celery asks when it sends.
    assert app.amqp.router.route({}, "members.tasks.deliver_notification")["queue"].name == f"{default}.notifications"


def test_the_stack_runs_a_worker_for_each_queue():
    procfile = (django_settings.BASE_DIR / "Procfile.stack").read_text()
    compose = (django_settings.BASE_DIR / "docker-compose.yml").read_text()
    assert "--queues celery " in procfile and "--queues celery.notifications" in procfile
    assert '"--queues", "celery",' in compose and '"--queues", "celery.notifications",' in compose
    assert "CACHE_URL: redis://cache:6379/0" in compose


# --- The cache while Redis is away -------------------------------------------------------------------------


def _dead_cache(**options) -> ResilientRedisCache:
    return ResilientRedisCache(CLOSED_PORT_REDIS, {
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, **options}})


@pytest.fixture(autouse=True)
def _redis_marked_up():
    ResilientRedisCache._down_until = 0.0
    yield
    ResilientRedisCache._down_until = 0.0


def test_a_cache_whose_redis_is_down_answers_from_memory_without_waiting(settings):
    settings.CACHE_RETRY_SECONDS = 30
    cache = _dead_cache()
    started = time.monotonic()
    assert cache.get("k") is None
    assert cache.add("k", 1, 60) is True
    assert cache.get("k") == 1
    assert cache.incr("k") == 2
    cache.set_many({"a": 1, "b": 2})
    assert cache.get_many(["a", "b"]) == {"a": 1, "b": 2}
    cache.delete("a")
    assert not cache.has_key("a")
    # One timeout at most, then not tried again for CACHE_RETRY_SECONDS.
    assert time.monotonic() - started < 1.0
    assert not ResilientRedisCache.redis_available()


def test_a_cache_tries_redis_again_after_the_retry_interval(settings, monkeypatch):
    settings.CACHE_RETRY_SECONDS = 10
    cache = _dead_cache()
    cache.get("k")
    assert not ResilientRedisCache.redis_available()
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + 11)
    assert ResilientRedisCache.redis_available()


@pytest.mark.skipif(not os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"),
                    reason="needs a live Redis in CELERY_BROKER_URL")
def test_a_cache_whose_redis_answers_uses_it():
    cache = ResilientRedisCache(os.environ["CELERY_BROKER_URL"], {"KEY_PREFIX": "test-resilient"})
    cache.set("shared", "yes", 30)
    other = ResilientRedisCache(os.environ["CELERY_BROKER_URL"], {"KEY_PREFIX": "test-resilient"})
    assert other.get("shared") == "yes"  # another process's cache object sees it: it went to Redis
    cache.delete("shared")


DEAD_REDIS_CACHES = {"default": {"BACKEND": "portal.cache.ResilientRedisCache", "LOCATION": CLOSED_PORT_REDIS,
                                 "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}


@pytest.mark.django_db
def test_sign_in_and_the_menu_work_while_the_caches_redis_is_down(client):
    """Visitor: the sign-in page, a wrong password (allauth's rate limits use the cache) and the public menu."""
    with override_settings(CACHES=DEAD_REDIS_CACHES):
        assert isinstance(caches["default"], ResilientRedisCache)
        started = time.monotonic()
        assert client.get("/accounts/login/").status_code == 200
        response = client.post("/accounts/login/", {"login": "13800000000", "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error; not a 500
        assert client.get("/culture/").status_code == 200
        assert time.monotonic() - started < 5


@pytest.fixture
def silent_broker():
    """A port that accepts connections and never answers: a frozen Redis (SIGSTOP) looks like this."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    listener.close()


@pytest.mark.parametrize("broker", ["refusing", "hanging"])
def test_queueing_a_task_gives_up_within_about_two_seconds_when_the_broker_is_away(broker, silent_broker):
    """What a web request pays when the broker refuses or hangs: an error within the broker timeouts (the outbox
    then keeps the work), never a wait of minutes."""
    from benefits.tasks import assess_claim

    url = CLOSED_PORT_REDIS if broker == "refusing" else silent_broker
    app.conf.task_always_eager = False  # the autouse fixture in tests/worker.py puts it back
    started = time.monotonic()
    with pytest.raises(Exception) as raised, app.connection_for_write(url) as conn:
        assess_claim.apply_async((1,), connection=conn)
    assert time.monotonic() - started < 3.5, f"waited {time.monotonic() - started:.1f}s ({raised.value!r})"
