"""The plain INSERT of core.sql stores rows exactly as the ORM does; its UPDATE by key sets each row its own values.

(Its UPDATE is tested on claims in tests/benefits/test_claims_assess_cost.py.)"""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from core.models import AuditLogEntry
from core.sql import row_insert, rows_update_by_key

pytestmark = pytest.mark.django_db


def test_an_inserted_row_reads_back_like_one_the_orm_created(user_factory):
    actor = user_factory()
    at = timezone.make_aware(datetime.datetime(2026, 3, 1, 9, 30), timezone.get_default_timezone())
    data = {"金额": "12.30", "nested": [1, {"a": None}]}
    fast = row_insert(AuditLogEntry(actor=actor, action="test.fast", target_id="7", data=data, created_at=at))
    slow = AuditLogEntry.objects.create(actor=actor, action="test.slow", target_id="7", data=data, created_at=at)
    assert fast.pk is not None and fast.pk != slow.pk and not fast._state.adding
    stored_fast, stored_slow = AuditLogEntry.objects.get(pk=fast.pk), AuditLogEntry.objects.get(pk=slow.pk)
    for name in ("actor_id", "target_id", "data", "created_at", "target_type_id"):
        assert getattr(stored_fast, name) == getattr(stored_slow, name)
    defaults = row_insert(AuditLogEntry(action="test.defaults"))
    stored = AuditLogEntry.objects.get(pk=defaults.pk)
    assert stored.data == {} and stored.actor_id is None
    assert abs(stored.created_at - timezone.now()) < datetime.timedelta(minutes=1)


def test_rows_updated_by_key_each_get_their_own_values_and_others_are_left_alone(user_factory):
    actor, other = user_factory(), user_factory()
    entries = [AuditLogEntry.objects.create(actor=actor, action=f"test.{n}", target_id=str(n)) for n in range(4)]
    # More rows than fit in one statement's parameters, a NULL in a key column, text with a quote and Chinese.
    many = [AuditLogEntry.objects.create(action="test.many", target_id="x") for _ in range(400)]
    rows_update_by_key(AuditLogEntry, ("actor", "target_id"), [
        (entries[0].pk, None, "甲'乙"), (entries[1].pk, other.pk, "2b"), (entries[2].pk, actor.pk, ""),
        *((entry.pk, other.pk, f"m{entry.pk}") for entry in many)])
    stored = {e.pk: (e.actor_id, e.target_id) for e in AuditLogEntry.objects.all()}
    assert stored[entries[0].pk] == (None, "甲'乙")
    assert stored[entries[1].pk] == (other.pk, "2b")
    assert stored[entries[2].pk] == (actor.pk, "")
    assert stored[entries[3].pk] == (actor.pk, "3")  # not named: unchanged
    assert all(stored[entry.pk] == (other.pk, f"m{entry.pk}") for entry in many)
    rows_update_by_key(AuditLogEntry, ("target_id",), [])  # nothing to do, no statement


def test_placeholders_become_numbered_and_stray_percent_signs_are_refused():
    from core.sql import _numbered

    assert _numbered('SELECT a FROM t WHERE b = %s AND c IN (%s, %s)') == (
        'SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)')
    assert _numbered("SELECT 1") == "SELECT 1"
    with pytest.raises(ValueError):
        _numbered("SELECT a FROM t WHERE b LIKE '10%' AND c = %s")


def _prepared_names():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'portal_stmt_%%'")
        return {name for (name,) in cursor.fetchall()}


STATEMENT = 'SELECT "action", "target_id" FROM "members_auditlogentry" WHERE "action" = %s ORDER BY "id"'


def _run(sql, params):
    from core.sql import execute_prepared

    with connection.cursor() as cursor:
        execute_prepared(cursor, sql, params)
        return cursor.fetchall()


def test_a_prepared_statement_answers_as_the_plain_one():
    row_insert(AuditLogEntry(action="test.prepared", target_id="1"))
    row_insert(AuditLogEntry(action="test.prepared", target_id="2"))
    with connection.cursor() as cursor:
        cursor.execute(STATEMENT, ["test.prepared"])
        plain = cursor.fetchall()
    assert _run(STATEMENT, ["test.prepared"]) == plain == [("test.prepared", "1"), ("test.prepared", "2")]
    assert _run(STATEMENT, ["test.none"]) == []


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")


@postgres_only
def test_each_statement_is_prepared_once_per_connection():
    _run(STATEMENT, ["x"])
    names = _prepared_names()
    _run(STATEMENT, ["y"])
    _run(STATEMENT + " LIMIT 5", ["y"])
    assert len(_prepared_names() - names) == 1  # the second text only; the first was reused
    assert connection._portal_prepared[1][STATEMENT] in names


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_prepared_statements_outlive_a_rollback_and_are_made_again_on_a_new_connection():
    from django.db import transaction

    with transaction.atomic():
        _run(STATEMENT, ["x"])
        transaction.set_rollback(True)
    assert _run(STATEMENT, ["x"]) == []  # still prepared after the rollback: no error
    connection.close()
    assert _run(STATEMENT, ["x"]) == []  # a new session: prepared again
    assert connection._portal_prepared[1][STATEMENT] in _prepared_names()


@postgres_only
def test_the_setting_turns_preparing_off(settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    before = _prepared_names()
    assert _run(STATEMENT + " LIMIT 7", ["x"]) == []
    assert _prepared_names() == before
