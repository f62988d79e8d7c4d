"""Payout items learned to pay education aid (benefits 0012: the claim becomes one of two foreign keys, exactly one
set). A database on the landed schema (0011) keeps its batches when it migrates forward: every item still pays its
claim, and the new rule holds for them. Personas: finance of district A, who batched an approved claim."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from benefits.review import payouts
from tests.benefits import claims_helpers

BEFORE = [("benefits", "0011_claim_stays")]
AFTER = [("benefits", "0012_education_aid")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def latest_schema_after():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_items_on_the_landed_schema_keep_paying_their_claims(claim_world, django_capture_on_commit_callbacks):
    claim = claims_helpers.approved(claim_world, django_capture_on_commit_callbacks)
    batch = payouts.payout_batch_create(actor=claim_world.finance, branch_id=claim_world.tree.district_a.pk).batch

    old = migrate(BEFORE)
    item_fields = {f.name for f in old.get_model("benefits", "PayoutItem")._meta.get_fields()}
    assert "aid_application" not in item_fields
    old_item = old.get_model("benefits", "PayoutItem").objects.get(batch_id=batch.pk)
    assert old_item.claim_id == claim.pk

    new = migrate(AFTER)
    item = new.get_model("benefits", "PayoutItem").objects.get(pk=old_item.pk)
    assert (item.claim_id, item.aid_application_id, item.amount) == (claim.pk, None, old_item.amount)
    assert new.get_model("benefits", "EducationAidApplication").objects.count() == 0
