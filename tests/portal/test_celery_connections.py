"""A worker keeps its database connection between tasks by Django's CONN_MAX_AGE rule, as web requests do,
instead of Celery's default of a new connection for every task."""

from types import SimpleNamespace

import pytest
from django.db import connection, transaction

from portal.celery_app import _database_connections_as_for_requests, app

# Django keeps SQLite's in-memory test database open whatever is asked (closing it would lose it).
closes_connections = pytest.mark.skipif(connection.vendor == "sqlite",
                                        reason="the in-memory SQLite test database is never closed")
WORKER_TASK = SimpleNamespace(request=SimpleNamespace(is_eager=False))
EAGER_TASK = SimpleNamespace(request=SimpleNamespace(is_eager=True))


def test_celerys_fixup_is_told_to_reuse_connections():
    # Unset, the fixup closes every connection before and after each task.
    assert app.conf.get("CELERY_DB_REUSE_MAX") >= 100


@pytest.fixture
def conn_max_age():
    original = connection.settings_dict["CONN_MAX_AGE"]

    def use(seconds):
        connection.close()
        connection.settings_dict["CONN_MAX_AGE"] = seconds
        connection.ensure_connection()
        return connection.connection

    yield use
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = original


@pytest.mark.django_db(transaction=True)
def test_the_connection_survives_tasks_while_younger_than_conn_max_age(conn_max_age):
    raw = conn_max_age(60)
    for _ in range(3):  # before and after a task, three times
        _database_connections_as_for_requests(task=WORKER_TASK)
    assert connection.connection is raw


@closes_connections
@pytest.mark.django_db(transaction=True)
def test_without_conn_max_age_each_task_gets_a_fresh_connection(conn_max_age):
    conn_max_age(0)
    _database_connections_as_for_requests(task=WORKER_TASK)
    assert connection.connection is None


@closes_connections
@pytest.mark.django_db(transaction=True)
def test_a_broken_connection_is_dropped_before_the_next_task(conn_max_age):
    conn_max_age(60)
    connection.errors_occurred = True
    connection.is_usable = lambda: False  # the server went away
    try:
        _database_connections_as_for_requests(task=WORKER_TASK)
        assert connection.connection is None
    finally:
        del connection.is_usable


@pytest.mark.django_db(transaction=True)
def test_an_eager_task_leaves_the_callers_transaction_alone(conn_max_age):
    conn_max_age(0)
    with transaction.atomic():
        raw = connection.connection
        _database_connections_as_for_requests(task=EAGER_TASK)
        assert connection.connection is raw and not connection.needs_rollback
