"""The benefits app's Celery tasks, for the worker's autodiscovery (which imports only `<app>.tasks`): the plans'
and payments' tasks here; each sub-package (claims, aid, hardship) keeps its own, named explicitly with the names
beat and the outbox use (`benefits.tasks.…`), imported below by name so they are registered."""

from celery import shared_task
from django.db import OperationalError

from . import services, wechatpay
from .aid.tasks import remind_overdue_aid
from .claims.tasks import assess_claim, assess_claims, remind_members_of_claims, remind_overdue_claims
from .hardship.tasks import remind_care_visits, remind_hardship_rechecks
from .settlement.tasks import settlement_claims_file, settlement_import_run

__all__ = [
    "assess_claim",
    "assess_claims",
    "notify_cover_ending",
    "notify_group_enrolment",
    "notify_open_windows",
    "payments_reconcile",
    "remind_care_visits",
    "remind_hardship_rechecks",
    "remind_members_of_claims",
    "remind_overdue_aid",
    "remind_overdue_claims",
    "settlement_claims_file",
    "settlement_import_run",
]


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True)
def notify_group_enrolment(self, payment_id: int) -> None:
    services.group_enrolment_notify(payment_id=payment_id)  # idempotent: members already told are skipped


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True)
def notify_open_windows(self) -> None:
    services.renewal_open_notify()  # idempotent: one PlanNotice per member and plan; before the window's own
    services.window_open_notify()


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True)
def notify_cover_ending(self) -> None:
    services.cover_ending_notify()  # idempotent: one PlanNotice per member and plan


@shared_task(acks_late=True)
def payments_reconcile() -> dict:
    return wechatpay.wechatpay_payments_reconcile()
