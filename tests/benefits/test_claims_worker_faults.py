"""Faults injected into a real worker (CELERY_BROKER_URL and PostgreSQL; skipped otherwise, required in CI):
a pool child killed with kill -9 in the middle of an assessment loses nothing and assesses nothing twice.
Persona: the claimant, whose claim is assessed exactly once whatever happens to the process doing it."""

import os
import signal
import time
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from benefits import claims
from benefits.models import Claim
from benefits.tasks import assess_claim
from tests.benefits.claims_helpers import PDF_BYTES, draft_stay, png_bytes, upload

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _pool_children(worker_pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == worker_pid:  # the field after the state is the parent's pid
            children.append(int(stat.parent.name))
    return children


def _submitted_claim(world) -> Claim:
    claim = draft_stay(world)
    user = world.claimant.user
    claims.document_add(actor=user, claim_id=claim.pk, kind="invoice", upload=upload(PDF_BYTES, "a.pdf"))
    claims.document_add(actor=user, claim_id=claim.pk, kind="discharge_summary", upload=upload(png_bytes(), "b.png"))
    return claim


def test_a_pool_child_killed_mid_assessment_gives_the_claim_back_and_it_is_assessed_once(celery_worker, claim_world):
    claim = _submitted_claim(claim_world)
    children_before = _pool_children(celery_worker.process.pid)
    assert children_before, "the worker has no pool processes to kill"
    with transaction.atomic():
        # The claim becomes "submitted" in this transaction, whose row lock the worker's assessment then waits
        # on: the task is mid-run when its process is killed. (claim_submit would queue a second message on
        # commit, which would hide a lost one.)
        Claim.objects.filter(pk=claim.pk).update(state=Claim.State.SUBMITTED, submitted_at=timezone.now())
        assess_claim.delay(claim.pk)

        def worker_waits_on_the_lock():
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                return cursor.fetchone()[0] > 0

        celery_worker.wait_until(worker_waits_on_the_lock, what="the assessment to start and wait on the lock")
        for pid in _pool_children(celery_worker.process.pid):
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
    # The lock is released; with the message given back (task_reject_on_worker_lost) a new child assesses it.
    celery_worker.wait_until(
        lambda: Claim.objects.filter(pk=claim.pk, state=Claim.State.BASE_REVIEW).exists(),
        timeout=60, what="the claim to be assessed after its worker was killed",
    )
    celery_worker.wait_idle(timeout=60)
    claim.refresh_from_db()
    assert claim.events.filter(action="assess").count() == 1
    assert "WorkerLostError" in celery_worker.log() or "exited prematurely" in celery_worker.log()
