"""The outbox with a real worker on Redis and PostgreSQL (skipped without CELERY_BROKER_URL, required in CI).
Counts: every claim assessed exactly once, every message sent exactly once, whatever the broker and the SMS gateway
did meanwhile. Personas: the claimant and the visitor, whose work must neither be lost nor done twice."""

from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerRefused

from benefits.claims import services as claims
from benefits.models import Claim, ClaimEvent
from core import services as outbox
from core.models import OutboxMessage
from culture import services as culture_services
from members.models import NotificationDelivery, OutboundSms, SmsMessage
from tests.benefits.claims_helpers import PDF_BYTES, draft_stay, upload

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_claims_submitted_while_the_broker_refuses_are_assessed_once_when_it_is_back(celery_worker, claim_world,
                                                                                     monkeypatch):
    user = claim_world.claimant.user
    submitted = []
    monkeypatch.setattr(outbox, "_publish", lambda message: (_ for _ in ()).throw(BrokerRefused("refused")))
    for n in range(6):
        claim = draft_stay(claim_world, invoice_numbers=f"FPW{n}01")
        for kind in ("invoice", "discharge_summary"):
            claims.document_add(actor=user, claim_id=claim.pk, kind=kind, upload=upload(PDF_BYTES, "a.pdf"))
        submitted.append(claims.claim_submit(actor=user, claim_id=claim.pk))  # saved, never an error
    assert Claim.objects.filter(state=Claim.State.SUBMITTED).count() == 6
    assert OutboxMessage.objects.filter(state="pending", task="benefits.tasks.assess_claim").count() == 6
    monkeypatch.undo()  # the broker is back

    outbox.outbox_sweep(now=timezone.now() + timedelta(seconds=61))
    outbox.outbox_sweep(now=timezone.now() + timedelta(seconds=61))  # a second sweep adds nothing
    celery_worker.wait_until(lambda: not Claim.objects.filter(state=Claim.State.SUBMITTED).exists(),
                             timeout=60, what="every claim to be assessed")
    celery_worker.wait_idle(timeout=60)
    for claim in submitted:
        assert ClaimEvent.objects.filter(claim=claim, action="assess").count() == 1
    assert not NotificationDelivery.objects.exclude(status="sent").exists()
    sms_deliveries = NotificationDelivery.objects.filter(channel="sms").count()
    assert OutboundSms.objects.count() == sms_deliveries  # each message once


def test_a_visitor_ticket_link_survives_a_gateway_timeout_and_is_sent_once(celery_worker, palace):
    mobile = "13812345670"
    celery_worker.arm_sms_failure(mobile)
    booking = culture_services.booking_create(session_id=palace.session.pk, seats=1, visitor_mobile=mobile)
    celery_worker.wait_until(lambda: SmsMessage.objects.filter(to=mobile, status="sent").exists(), timeout=60,
                             what="the ticket link to be sent after the gateway's first failure")
    celery_worker.wait_idle(timeout=30)
    sent = OutboundSms.objects.filter(to=mobile)
    assert sent.count() == 1 and booking.code in sent.get().body
    assert SmsMessage.objects.get(to=mobile).attempts == 2
