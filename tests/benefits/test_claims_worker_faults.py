"""Faults injected into real workers (CELERY_BROKER_URL and PostgreSQL; skipped otherwise, required in CI):
a pool child killed with kill -9 in the middle of an assessment, a broker that restarts empty while claims are in
flight and being submitted, an SMS gateway that takes seconds per message. Nothing is lost, nothing is assessed or
sent twice, and no member's request fails. Persona: the claimant, whose claim is assessed exactly once and who is
told about it once, whatever happens to the processes and the broker doing the work."""

import contextlib
import os
import signal
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from benefits.claims import services as claims
from benefits.models import Claim, Enrolment
from benefits.tasks import assess_claim
from core import services as outbox
from core.models import OutboxMessage
from members.models import NotificationDelivery, OutboundSms
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


def _submitted_claim(world, **facts) -> Claim:
    claim = draft_stay(world, **facts)
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


# --- the broker restarts empty --------------------------------------------------------------------------------


@contextlib.contextmanager
def _assessments_held(enrolment: Enrolment):
    """Holds the enrolment's row on a connection of its own until the block ends: every assessment of its claims
    waits on it (claim_assess locks the plan year), so they are in flight, not done, when the broker goes. FOR NO
    KEY UPDATE: a submit, which only references the row, is not held."""
    holder = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        holder.ensure_connection()
        holder.set_autocommit(False)
        with holder.cursor() as cursor:
            cursor.execute(f'SELECT 1 FROM "{Enrolment._meta.db_table}" WHERE id = %s FOR NO KEY UPDATE',  # noqa: S608
                           [enrolment.pk])
        yield
    finally:
        with contextlib.suppress(Exception):
            holder.rollback()
        holder.close()


def _sessions_waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0]


def _unassessed(claim_list) -> set[int]:
    return set(Claim.objects.filter(pk__in=[c.pk for c in claim_list], state=Claim.State.SUBMITTED)
               .values_list("pk", flat=True))


def _beat_sweeps_later():
    """The sweep as beat runs it once the grace period and the longest retry countdown are over (settings as in
    production): everything still waiting by then was lost, not slow."""
    from django.conf import settings

    later = timedelta(seconds=settings.OUTBOX_GRACE_SECONDS + settings.NOTIFICATION_RETRY_MAX_SECONDS + 1)
    return outbox.outbox_sweep(now=timezone.now() + later)


def test_claims_in_flight_when_the_broker_restarts_empty_are_assessed_once_after_the_sweep(
        private_redis, celery_workers, claim_world):
    # Redis without persistence (RedisServer): a restart loses the messages queued and those taken by the worker but
    # not acknowledged, and the worker forgets what it held. Only the outbox and its sweep still know the work.
    # docker-compose.yml's broker keeps an append-only file, which still loses the last second of writes, and a
    # Redis whose data is gone (a new volume, a failover to an empty replica) loses everything: the harder case.
    # A failed text is retried 5–10 s later: its retry is waiting in the worker when the broker goes.
    worker = celery_workers.start(broker_url=private_redis.url, env={"NOTIFICATION_RETRY_BASE_SECONDS": "10",
                                                                     "NOTIFICATION_RETRY_MAX_SECONDS": "600"})
    worker.arm_sms_failure(claim_world.claimant.user.mobile)  # the claimant's first text fails once
    drafts = [_submitted_claim(claim_world, invoice_numbers=f"FPR{n:03d}") for n in range(11)]
    in_flight, while_down, after_restart = drafts[:6], drafts[6:9], drafts[9:]
    browser = Client(raise_request_exception=False)  # a failure is an answer (500) here, not an exception
    browser.force_login(claim_world.claimant.user)
    answers = []

    def submit(claim_list):
        for claim in claim_list:
            answers.append(browser.post(reverse("benefits:claim-submit", args=[claim.pk])).status_code)

    worker.wait_ready()
    with _assessments_held(claim_world.enrolment):
        submit(in_flight)
        # Both pool processes are mid-assessment (message taken, not acknowledged); four more wait on the broker.
        worker.wait_until(lambda: _sessions_waiting_on_a_lock() == 2, what="two assessments waiting on the plan year")
        worker.wait_until(lambda: NotificationDelivery.objects.filter(status="failed").exists(),
                          what="the claimant's first text to fail, its retry waiting in the worker")
        private_redis.stop()
        submit(while_down)
        _beat_sweeps_later()  # beat goes on while the broker is away: no error, nothing lost
    # The worker cancelled the two in flight when it lost the broker (or they finish): nothing waits any more.
    worker.wait_until(lambda: _sessions_waiting_on_a_lock() == 0, what="the assessments in flight to end")
    private_redis.start()  # empty
    worker.wait_ready()
    submit(after_restart)
    worker.wait_until(lambda: not _unassessed(after_restart), timeout=60, what="claims submitted after the restart")

    assert answers == [302] * len(drafts)  # every submit saved and answered, the broker up, down or back
    assert "Connection to broker lost" in worker.log()  # it was connected when the broker went
    # What the broker lost or refused is still to do; only the outbox knows it.
    assert len(_unassessed(in_flight)) >= 4 and _unassessed(while_down) == {c.pk for c in while_down}

    _beat_sweeps_later()
    worker.wait_until(lambda: not _unassessed(drafts), timeout=60, what="every claim to be assessed after the sweep")
    worker.wait_until(lambda: not NotificationDelivery.objects.exclude(status="sent").exists(), timeout=60,
                      what="every notification to be delivered after the sweep")
    worker.wait_idle(timeout=60)
    for claim in drafts:
        assert claim.events.filter(action="assess").count() == 1, claim.number
    sms_per_number = Counter(NotificationDelivery.objects.filter(channel="sms").values_list("address", flat=True))
    assert Counter(OutboundSms.objects.values_list("to", flat=True)) == sms_per_number  # each text once
    # The text that failed was sent on its second attempt: its lost retry was made up by the sweep, once.
    assert list(NotificationDelivery.objects.filter(attempts__gt=1).values_list("address", "attempts")) \
        == [(claim_world.claimant.user.mobile, 2)]
    assert not OutboxMessage.objects.filter(state="pending").exists()


# --- a slow SMS gateway ---------------------------------------------------------------------------------------

# Each text takes this long: the Tencent backend's own timeout (SMS_TENCENT_TIMEOUT_SECONDS), the longest a real send
# waits, and far under the tasks' soft time limit (CELERY_TASK_SOFT_TIME_LIMIT, 60 s; a delivery sends one text).
SLOW_SMS_SECONDS = 5


def test_a_slow_sms_gateway_holds_up_no_assessment_and_every_text_is_sent_once(celery_workers, claim_world):
    from portal.celery_app import app

    assert app.conf.task_soft_time_limit > SLOW_SMS_SECONDS
    slow_gateway = {"TEST_SMS_BACKEND": "tests.sms_backends.SlowSmsBackend", "SLOW_SMS_SECONDS": str(SLOW_SMS_SECONDS)}
    # As Procfile.stack runs them: `worker` on the default queue, `notifier` on the messages' queue, two processes each.
    worker = celery_workers.start(name="worker", queues=(celery_workers.queue,), env=slow_gateway)
    notifier = celery_workers.start(name="notifier", queues=(celery_workers.notifications_queue,), env=slow_gateway)
    submitted = [_submitted_claim(claim_world, invoice_numbers=f"FPS{n:03d}") for n in range(3)]
    worker.wait_ready()
    notifier.wait_ready()
    for claim in submitted:  # each: a text to the claimant now, and after the assessment one to her and the reviewer
        claims.claim_submit(actor=claim_world.claimant.user, claim_id=claim.pk)
    texts = {claim_world.claimant.user.mobile: 2 * len(submitted), claim_world.reviewer_base.mobile: len(submitted)}

    worker.wait_until(lambda: not _unassessed(submitted), timeout=60, what="every claim to be assessed")
    # Two texts at a time, SLOW_SMS_SECONDS each.
    notifier.wait_until(lambda: OutboundSms.objects.count() >= sum(texts.values()),
                        timeout=sum(texts.values()) * SLOW_SMS_SECONDS / 2 + 30, what="every text to be sent")
    notifier.wait_idle(timeout=30)
    worker.wait_idle(timeout=30)

    # The gateway answered the first text SLOW_SMS_SECONDS after the first submit; every claim was assessed before.
    first_text_out = OutboundSms.objects.earliest("created_at").created_at
    last_assessed = max(Claim.objects.filter(pk__in=[c.pk for c in submitted]).values_list("assessed_at", flat=True))
    assert last_assessed < first_text_out  # no assessment waited behind a text
    assert Counter(OutboundSms.objects.values_list("to", flat=True)) == texts  # each text once
    assert list(NotificationDelivery.objects.values_list("status", "attempts").distinct()) == [("sent", 1)]
    for claim in submitted:
        assert claim.events.filter(action="assess").count() == 1
    assert "deliver_notification[" not in worker.log() and "assess_claim[" not in notifier.log()
    assert "TimeLimitExceeded" not in notifier.log()  # the soft and the hard one
