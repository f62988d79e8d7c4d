"""The transactional outbox (writes): record work with the change that needs it, publish it after commit, and
sweep whatever is still pending — or stuck in a domain table — so no work waits forever.

Why not `transaction.on_commit(lambda: task.delay(id))`: if the broker is down or hangs when the request commits,
the change is saved but its work is lost (and the request answered 500 although its data was saved). Here the
work is a row in the same transaction; publishing it is only an attempt, and the beat task `core.tasks.
outbox_sweep` publishes again what is still pending after OUTBOX_GRACE_SECONDS.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, models, transaction
from django.db.models import F
from django.utils import timezone

from .models import AuditLogEntry, OutboxMessage
from .sql import row_insert

logger = logging.getLogger(__name__)

# Each app registers, in its AppConfig.ready, a function that finds its own rows stuck between two states (a claim
# submitted but never assessed, a delivery never sent, free seats with people waiting) and queues their work again
# with `outbox_add_once`. It takes `older_than` (a datetime) and returns how many it queued. The ground knows no app:
# the apps call down into it.
SweepHook = Callable[..., int]
_SWEEP_HOOKS: dict[str, SweepHook] = {}


def sweep_register(name: str, hook: SweepHook) -> None:
    _SWEEP_HOOKS[name] = hook


def outbox_add(*, task: str, args: list | tuple = (), kwargs: dict | None = None) -> OutboxMessage:
    """Records `task(*args, **kwargs)` to run after the current transaction commits, and publishes it then.
    Call it inside the transaction of the change that needs the work: if that rolls back, so does the message.
    Arguments must be JSON (ids, not objects)."""
    message = OutboxMessage.objects.create(task=task, args=list(args), kwargs=kwargs or {})
    transaction.on_commit(lambda: outbox_publish(message=message))
    return message


def outbox_add_many(*, task: str, args_list: list[list | tuple]) -> list[OutboxMessage]:
    """`outbox_add` for many runs of one task, with one INSERT (a hot path such as an assessment telling the member
    and every reviewer must not pay a round trip per message)."""
    messages = OutboxMessage.objects.bulk_create([OutboxMessage(task=task, args=list(args)) for args in args_list])
    if messages:
        transaction.on_commit(lambda: [outbox_publish(message=message) for message in messages])
    return messages


def outbox_add_once(*, task: str, args: list | tuple = ()) -> bool:
    """`outbox_add` unless the same task with the same arguments is already waiting (the sweep's way of queueing
    work for a stuck row without piling up copies while the broker is away). Returns whether it added one."""
    if OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING, task=task, args=list(args)).exists():
        return False
    outbox_add(task=task, args=args)
    return True


def _publish(message: OutboxMessage) -> None:
    # apply_async, not send_task: it follows task_always_eager (in-process tasks under `make run` and in tests)
    # and the routes (messages on their own queue). The broker timeouts (CELERY_BROKER_TIMEOUT_SECONDS, one quick
    # retry) bound what a request waits here when the broker is away.
    if message.task not in current_app.tasks:
        # Tasks are named, not imported, here (the ground knows no app): a web process may not have imported an
        # app's tasks module yet. Celery's autodiscovery imports them all, once.
        current_app.loader.import_default_modules()
    task = current_app.tasks[message.task]
    if not current_app.conf.task_always_eager:
        task.apply_async(args=message.args, kwargs=message.kwargs)
        return
    # In-process (no broker: `make run`, the tests): the task runs here, now. What it raises is its own failure,
    # not a broker's, and must not be taken for one: with CELERY_TASK_EAGER_PROPAGATES (the tests) a crashing
    # task fails the request or test that queued it, as a bug should.
    try:
        task.apply_async(args=message.args, kwargs=message.kwargs)
    except Exception as exc:
        raise TaskCrashed(message) from exc


class TaskCrashed(Exception):
    """An in-process task raised (CELERY_TASK_EAGER_PROPAGATES): a bug, which `outbox_publish` lets through."""


def outbox_publish(*, message: OutboxMessage) -> bool:
    """Publishes one message and marks it sent. Called after a commit, a broker or database failure here must not
    turn a saved change into an error: the message stays pending for the sweep. The one exception it lets through
    is an in-process task's own crash (tests: CELERY_TASK_EAGER_PROPAGATES), a bug to see, not to retry."""
    try:
        _publish(message)
    except TaskCrashed as crashed:
        # It ran (in-process), so it is not left for the sweep to run again.
        OutboxMessage.objects.filter(pk=message.pk).update(
            state=OutboxMessage.State.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, last_error="")
        raise crashed.__cause__ from None
    except Exception as exc:  # the broker refused, hung past its timeout, or the task is unknown
        logger.warning("outbox: could not publish, the sweep will", extra={
            "outbox_id": message.pk, "task": message.task, "error": f"{type(exc).__name__}: {exc}"[:300]})
        # The database may be away too: the row is then still pending, which is all the sweep needs.
        with contextlib.suppress(DatabaseError):
            OutboxMessage.objects.filter(pk=message.pk).update(
                attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:300])
        return False
    try:
        # Conditional: two publishers (the request and a sweep) mark it once; a publish twice is harmless anyway.
        OutboxMessage.objects.filter(pk=message.pk, state=OutboxMessage.State.PENDING).update(
            state=OutboxMessage.State.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, last_error="")
    except DatabaseError:
        logger.warning("outbox: published but not marked sent; the sweep may publish it again",
                       extra={"outbox_id": message.pk, "task": message.task})
    return True


def outbox_sweep(*, now=None, limit: int = 1000) -> dict[str, int]:
    """Beat, every minute: publishes messages still pending after the grace period (oldest first; stops at the
    first broker failure), asks every app for rows stuck between states, and forgets sent messages older than
    OUTBOX_KEEP_DAYS. Returns counts for the log."""
    now = now or timezone.now()
    older_than = now - timedelta(seconds=settings.OUTBOX_GRACE_SECONDS)
    counts = {"published": 0, "still_pending": 0}
    stale = list(OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING, created_at__lt=older_than)
                 .order_by("created_at", "id")[:limit])
    for message in stale:
        if not outbox_publish(message=message):
            counts["still_pending"] = len(stale) - counts["published"]
            break  # the broker is away: the next sweep tries again
        counts["published"] += 1
    for name, hook in _SWEEP_HOOKS.items():
        with transaction.atomic():
            counts[name] = hook(older_than=older_than)
    keep_since = now - timedelta(days=settings.OUTBOX_KEEP_DAYS)
    counts["pruned"], _ = OutboxMessage.objects.filter(state=OutboxMessage.State.SENT, sent_at__lt=keep_since).delete()
    return counts


def outbox_rerun(*, message_ids: list[int]) -> int:
    """Staff's "send now" from the admin: publishes the chosen messages at once (pending or sent; tasks are
    idempotent). Returns how many reached the broker."""
    published = 0
    for message in OutboxMessage.objects.filter(pk__in=message_ids).order_by("created_at", "id"):
        OutboxMessage.objects.filter(pk=message.pk).update(state=OutboxMessage.State.PENDING, sent_at=None)
        published += outbox_publish(message=message)
    return published


def audit_entry(*, actor, action: str, target: models.Model | None = None, data: dict | None = None) -> AuditLogEntry:
    """The entry `audit_log` keeps, unsaved: for a bulk change that writes its entries with `audit_log_many`."""
    return AuditLogEntry(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        data=data or {},
    )


def audit_log(*, actor, action: str, target: models.Model | None = None, data: dict | None = None) -> AuditLogEntry:
    """Keeps who did what to which object. Callers run inside their own transaction, so the entry is saved
    or rolled back with the change it describes."""
    # One plain INSERT (core.sql): every change in the portal writes one of these, the claims task per claim.
    return row_insert(audit_entry(actor=actor, action=action, target=target, data=data))


def audit_log_many(*, entries: list[AuditLogEntry]) -> None:
    """`audit_log` for a bulk change (a chunk of settlement records filed at once): the entries of `audit_entry`,
    written with one INSERT per thousand."""
    AuditLogEntry.objects.bulk_create(entries, batch_size=1000)
