from celery import shared_task
from django.db import OperationalError

from . import services, wechatpay
from .aid import services as aid_services
from .claims import services as claims_services
from .hardship import services as hardship_services


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


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=8)
def assess_claim(self, claim_id: int) -> None:
    claims_services.claim_assess(claim_id=claim_id)  # idempotent: a claim no longer "submitted" is left as it is


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True)
def remind_overdue_claims(self) -> None:
    claims_services.claims_overdue_remind()  # idempotent: each claim reminded about at most once a day


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True)
def remind_overdue_aid(self) -> None:
    aid_services.aid_overdue_remind()  # idempotent: each application reminded about at most once a day


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True)
def remind_members_of_claims(self) -> None:
    claims_services.claims_member_remind()  # idempotent: one ClaimReminder per claim and occasion


@shared_task(acks_late=True)
def payments_reconcile() -> dict:
    return wechatpay.wechatpay_payments_reconcile()


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True)
def remind_hardship_rechecks(self) -> None:
    hardship_services.recheck_remind()  # idempotent: each family reminded once per re-check due date


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True)
def remind_care_visits(self) -> None:
    hardship_services.care_visits_remind()  # idempotent: each care visit announced once
