"""The audit log moved from members to core on its own table: a database on the landed schema (before members 0010
and core 0002) keeps its entries, and the permission granted on the log, when it migrates forward."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("members", "0009_delivery_attempted_at"), ("core", "0001_outbox")]
AFTER = [("members", "0010_auditlogentry_to_core"), ("core", "0002_auditlogentry_from_members")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()  # what is applied now, after the previous step
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def latest_schema_after():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_an_entry_written_before_the_move_is_read_after_it():
    old = migrate(BEFORE)
    assert "auditlogentry" in old.all_models["members"] and "auditlogentry" not in old.all_models["core"]
    user = old.get_model("members", "User").objects.create(mobile="13800138000", name="审计员")
    content_type = old.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="members", model="auditlogentry"
    )[0]
    permission = old.get_model("auth", "Permission").objects.get_or_create(
        content_type=content_type, codename="view_auditlogentry", defaults={"name": "Can view"}
    )[0]
    user.user_permissions.add(permission)
    entry = old.get_model("members", "AuditLogEntry").objects.create(
        actor=user, action="claim.approved", target_id="42", data={"amount": "300.00"}
    )

    new = migrate(AFTER)

    moved = new.get_model("core", "AuditLogEntry").objects.get(pk=entry.pk)
    assert (moved.actor_id, moved.action, moved.target_id, moved.data) == (
        user.pk, "claim.approved", "42", {"amount": "300.00"}
    )
    content_type = new.get_model("contenttypes", "ContentType").objects.get(pk=content_type.pk)
    assert (content_type.app_label, content_type.model) == ("core", "auditlogentry")
    assert new.get_model("auth", "Permission").objects.filter(
        pk=permission.pk, user__pk=user.pk, content_type__app_label="core"
    ).exists()

    # The model the code uses reads the same row from the same table.
    from core.models import AuditLogEntry

    assert AuditLogEntry._meta.db_table == "members_auditlogentry"
    assert AuditLogEntry.objects.get(pk=entry.pk).action == "claim.approved"


@pytest.mark.django_db(transaction=True)
def test_the_move_goes_back_too():
    migrate(AFTER)
    old = migrate(BEFORE)
    assert "auditlogentry" in old.all_models["members"]
    old.get_model("members", "AuditLogEntry").objects.create(action="still.here")
    assert old.get_model("members", "AuditLogEntry").objects.filter(action="still.here").exists()
