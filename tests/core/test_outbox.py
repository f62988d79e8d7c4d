"""The transactional outbox: work a change needs is stored with it, never lost when the broker or a gateway is away,
never done twice. Personas: the member who submits, the visitor who books, staff who look at stuck work, an outsider.

The broker being away is simulated by making the publish raise what kombu raises for a refused connection (the real
broker timeouts are tested in tests/portal/test_reliability.py; the real worker in test_outbox_worker.py)."""

from datetime import timedelta

import pytest
from celery import shared_task
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerRefused

from benefits.claims import services as claims
from benefits.models import Claim, ClaimEvent
from core import services as outbox
from core.models import AuditLogEntry, OutboxMessage
from core.selectors import outbox_backlog
from culture import services as culture_services
from culture.models import Booking, Session, WaitlistEntry
from members.models import NotificationDelivery, OutboundSms, SmsMessage
from tests.benefits.claims_helpers import PDF_BYTES, draft_stay, upload


@pytest.fixture
def broker_away(monkeypatch):
    """Every publish fails as a refused connection does; `.back()` ends the outage."""

    def refuse(message):
        raise BrokerRefused("[Errno 111] Connection refused")

    monkeypatch.setattr(outbox, "_publish", refuse)

    class Outage:
        @staticmethod
        def back():
            monkeypatch.undo()

    return Outage


def _after_grace():
    return timezone.now() + timedelta(seconds=61)


def test_work_is_stored_with_the_change_and_rolled_back_with_it(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.outbox_add(task="benefits.tasks.assess_claim", args=[1])
        raise RuntimeError("the change fails")
    assert not OutboxMessage.objects.exists()


def _submit_by_page(client, world):
    claim = draft_stay(world)
    for kind in ("invoice", "discharge_summary"):
        claims.document_add(actor=world.claimant.user, claim_id=claim.pk, kind=kind, upload=upload(PDF_BYTES, "a.pdf"))
    client.force_login(world.claimant.user)
    response = client.post(reverse("benefits:claim-submit", args=[claim.pk]))
    return claim, response


def test_a_member_submitting_while_the_broker_is_away_is_answered_normally_and_assessed_once_later(
    client, claim_world, broker_away, commits_each_request
):
    """The claimant (owner) submits with Redis refusing: no 500, the claim is saved; the sweep assesses it when
    the broker is back, exactly once however often the sweep runs."""
    claim, response = _submit_by_page(client, claim_world)
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == Claim.State.SUBMITTED
    waiting = OutboxMessage.objects.get(task="benefits.tasks.assess_claim", args=[claim.pk])
    assert waiting.state == "pending" and waiting.attempts == 1 and "Connection refused" in waiting.last_error
    assert outbox_backlog()["pending"] >= 1

    assert outbox.outbox_sweep(now=timezone.now())["published"] == 0  # within the grace period: left alone
    broker_away.back()
    counts = outbox.outbox_sweep(now=_after_grace())
    assert counts["published"] >= 1
    claim.refresh_from_db()
    assert claim.state == Claim.State.BASE_REVIEW
    outbox.outbox_sweep(now=_after_grace())
    outbox.outbox_sweep(now=_after_grace())
    assert ClaimEvent.objects.filter(claim=claim, action="assess").count() == 1
    assert not OutboxMessage.objects.filter(state="pending", task="benefits.tasks.assess_claim").exists()


def test_a_claim_whose_message_was_lost_is_found_by_the_sweep_and_assessed_once(claim_world,
                                                                               django_capture_on_commit_callbacks):
    """Whatever lost the work (a message dropped, retries spent while the database was down): a claim still
    `submitted` after the grace period is queued again from the claims table itself."""
    claim = draft_stay(claim_world)
    Claim.objects.filter(pk=claim.pk).update(state=Claim.State.SUBMITTED,
                                             submitted_at=timezone.now() - timedelta(minutes=10))
    assert not OutboxMessage.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        counts = outbox.outbox_sweep(now=timezone.now())
    assert counts["benefits.claims_unassessed_requeue"] == 1
    claim.refresh_from_db()
    assert claim.state != Claim.State.SUBMITTED
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.outbox_sweep(now=timezone.now())["benefits.claims_unassessed_requeue"] == 0


def test_the_sweep_waits_while_the_assessment_is_moving_and_queues_the_lost_claim_once_it_is_idle(
        claim_world, django_capture_on_commit_callbacks):
    """A big settlement import keeps thousands of claims `submitted` for minutes while the worker assesses them in
    turn: the sweep must not queue a copy of each every minute. A claim reached review within the grace period:
    the queue is moving, nothing is queued. Once nothing moves, the claim still waiting is queued, once."""
    lost = draft_stay(claim_world)
    Claim.objects.filter(pk=lost.pk).update(state=Claim.State.SUBMITTED,
                                            submitted_at=timezone.now() - timedelta(minutes=10))
    other = Claim.objects.exclude(pk=lost.pk).first() or draft_stay(claim_world)
    Claim.objects.filter(pk=other.pk).update(state=Claim.State.BASE_REVIEW, state_changed_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.outbox_sweep(now=timezone.now())["benefits.claims_unassessed_requeue"] == 0
    assert not OutboxMessage.objects.filter(task="benefits.tasks.assess_claim").exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.outbox_sweep(now=_after_grace())["benefits.claims_unassessed_requeue"] == 1
    lost.refresh_from_db()
    assert lost.state != Claim.State.SUBMITTED


def test_the_sweep_does_not_pile_up_copies_while_the_broker_stays_away(claim_world, broker_away,
                                                                       django_capture_on_commit_callbacks):
    claim = draft_stay(claim_world)
    Claim.objects.filter(pk=claim.pk).update(state=Claim.State.SUBMITTED,
                                             submitted_at=timezone.now() - timedelta(minutes=10))
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            outbox.outbox_sweep(now=timezone.now())
    assert OutboxMessage.objects.filter(task="benefits.tasks.assess_claim", state="pending").count() == 1


def test_a_delivery_whose_task_never_ran_is_sent_once_by_the_sweep(db, user_factory,
                                                                   django_capture_on_commit_callbacks):
    from members.notifications.services import notification_send

    member = user_factory(notify_by_sms=True)
    with django_capture_on_commit_callbacks(execute=False):  # the publish after commit is lost
        notification = notification_send(user=member, kind="test", title="您的申请已受理")
    notification.__class__.objects.filter(pk=notification.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    OutboxMessage.objects.all().delete()  # and its outbox row with it, as if the message had vanished
    with django_capture_on_commit_callbacks(execute=True):
        outbox.outbox_sweep(now=timezone.now())
    assert NotificationDelivery.objects.get(notification=notification).status == "sent"
    with django_capture_on_commit_callbacks(execute=True):
        outbox.outbox_sweep(now=timezone.now())
    assert OutboundSms.objects.filter(to=member.mobile).count() == 1


def test_failed_messages_whose_retry_never_came_are_sent_once_by_the_sweep(db, user_factory, settings,
                                                                           django_capture_on_commit_callbacks):
    """The broker restarted empty while their retries waited in a worker: no retry will come. Once the longest retry
    countdown has passed the sweep sends them (a member's notification, a visitor's text), once; before that, or
    when their retries are spent, it leaves them to the task and to staff."""
    from members.notifications.services import notification_send, sms_queue
    from members.notifications.tasks import MAX_DELIVERY_RETRIES

    settings.SMS_BACKEND = "tests.sms_backends.BrokenSmsBackend"
    member, spent = user_factory(notify_by_sms=True), user_factory(notify_by_sms=True)
    with django_capture_on_commit_callbacks(execute=True):  # tried once each (in-process: no retry queued)
        notification_send(user=member, kind="test", title="您的申请已受理")
        notification_send(user=spent, kind="test", title="您的申请已受理")
        sms_queue(to="13812345670", body="您的门票：https://example.test/t/abc")
    assert set(NotificationDelivery.objects.values_list("status", flat=True)) == {"failed"}
    assert SmsMessage.objects.get().status == "failed"
    NotificationDelivery.objects.filter(address=spent.mobile).update(attempts=MAX_DELIVERY_RETRIES + 1)
    settings.SMS_BACKEND = "members.notifications.sms.DatabaseSmsBackend"  # the gateway is back
    retries_over = timedelta(seconds=settings.OUTBOX_GRACE_SECONDS + settings.NOTIFICATION_RETRY_MAX_SECONDS)

    with django_capture_on_commit_callbacks(execute=True):
        outbox.outbox_sweep(now=timezone.now() + retries_over - timedelta(seconds=5))  # a retry may still come
    assert not OutboundSms.objects.exists()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            outbox.outbox_sweep(now=timezone.now() + retries_over + timedelta(seconds=1))
    assert sorted(OutboundSms.objects.values_list("to", flat=True)) == sorted([member.mobile, "13812345670"])
    assert NotificationDelivery.objects.get(address=spent.mobile).status == "failed"  # staff's, from the admin


@pytest.fixture
def full_session_with_a_waiting_member(palace):
    Session.objects.filter(pk=palace.session.pk).update(capacity=1)
    booking = culture_services.booking_create(session_id=palace.session.pk, seats=1, user=palace.member.user)
    entry = culture_services.waitlist_join(session_id=palace.session.pk, seats=1, user=palace.other_member.user)
    return booking, entry


def test_a_cancellation_with_the_broker_away_still_offers_the_freed_seat(
    palace, full_session_with_a_waiting_member, broker_away, django_capture_on_commit_callbacks
):
    """The booking member cancels while Redis refuses; the waiting member is offered the seat once it is back."""
    booking, entry = full_session_with_a_waiting_member
    with django_capture_on_commit_callbacks(execute=True):
        culture_services.booking_cancel(booking_id=booking.pk, user=palace.member.user)
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WAITING
    broker_away.back()
    with django_capture_on_commit_callbacks(execute=True):
        outbox.outbox_sweep(now=_after_grace())
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED


def test_free_seats_with_people_waiting_are_offered_by_the_sweep_whatever_freed_them(
    palace, full_session_with_a_waiting_member, django_capture_on_commit_callbacks
):
    """Staff raise the capacity in the admin (no offer task queued by that): the sweep offers the new seat."""
    _booking, entry = full_session_with_a_waiting_member
    Session.objects.filter(pk=palace.session.pk).update(capacity=2)
    with django_capture_on_commit_callbacks(execute=True):
        counts = outbox.outbox_sweep(now=timezone.now())
    assert counts["culture.waitlists_with_free_seats_requeue"] == 1
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.outbox_sweep(now=timezone.now())["culture.waitlists_with_free_seats_requeue"] == 0


def _verified_visitor(client, mobile="13812345678"):
    session = client.session
    session["culture_verified_mobile"] = {"mobile": mobile, "at": __import__("time").time()}
    session.save()


def test_a_visitor_booking_while_the_sms_gateway_fails_gets_the_ticket_page_and_the_link_later(
    client, palace, settings, commits_each_request
):
    """The visitor (owner of the booking) books with the gateway down: answered with the ticket page, not a 500;
    the text with the ticket's link is stored and sent once when the gateway answers again."""
    settings.SMS_BACKEND = "tests.sms_backends.BrokenSmsBackend"
    _verified_visitor(client)
    response = client.post(reverse("culture:book", args=[palace.session.pk]), {"seats": 1})
    booking = Booking.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("culture:ticket", args=[booking.code])
    assert client.get(response["Location"]).status_code == 200  # the ticket is reachable from the booking
    message = SmsMessage.objects.get(to="13812345678")
    assert message.status == "failed" and not OutboundSms.objects.exists()

    settings.SMS_BACKEND = "members.notifications.sms.DatabaseSmsBackend"
    from members.notifications.tasks import sms_send

    sms_send.apply(args=[message.pk])
    sms_send.apply(args=[message.pk])  # a duplicated message: nothing sent twice
    sent = OutboundSms.objects.get(to="13812345678")
    assert booking.code in sent.body
    message.refresh_from_db()
    assert message.status == "sent" and booking.code not in message.body  # the link is the ticket: not kept


def test_the_day_before_reminder_of_a_visitor_is_kept_with_its_mark_when_the_gateway_fails(
    palace, settings, django_capture_on_commit_callbacks
):
    """reminders_send marks a booking reminded and stores the visitor's text in one transaction: a failing gateway
    leaves a message to retry, never a booking marked reminded with nothing sent."""
    settings.SMS_BACKEND = "tests.sms_backends.BrokenSmsBackend"
    tomorrow = timezone.localtime() + timedelta(days=1)
    Session.objects.filter(pk=palace.session.pk).update(starts_at=tomorrow, ends_at=tomorrow + timedelta(hours=2))
    booking = culture_services.booking_create(session_id=palace.session.pk, seats=1, visitor_mobile="13812345679")
    SmsMessage.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert culture_services.reminders_send() == 1
    booking.refresh_from_db()
    assert booking.reminder_sent_at is not None
    reminder = SmsMessage.objects.get(to="13812345679")
    assert reminder.status == "failed"


# --- staff see stuck work -------------------------------------------------------------------------------------

@pytest.fixture
def stuck(db):
    return OutboxMessage.objects.create(task="benefits.tasks.assess_claim", args=[999_999],
                                        created_at=timezone.now() - timedelta(hours=2),
                                        last_error="OperationalError: [Errno 111] Connection refused")


def test_a_superuser_sees_waiting_work_and_sends_it_now_with_an_audit_entry(admin_client, admin_user, stuck,
                                                                            django_capture_on_commit_callbacks):
    listing = admin_client.get(reverse("admin:core_outboxmessage_changelist") + "?waiting=1h")
    assert listing.status_code == 200 and "benefits.tasks.assess_claim" in listing.content.decode()
    response = admin_client.post(reverse("admin:core_outboxmessage_changelist"),
                                 {"action": "rerun", "_selected_action": [stuck.pk]}, follow=True)
    assert response.status_code == 200
    stuck.refresh_from_db()
    assert stuck.state == "sent"
    assert AuditLogEntry.objects.filter(action="core.outbox.rerun", actor=admin_user, target_id=str(stuck.pk)).exists()


def test_staff_without_the_permission_cannot_send_work_again(client, org_tree, staff_of, stuck):
    """A branch admin (staff, no core.rerun_outboxmessage) neither sees the list nor runs the action."""
    client.force_login(staff_of(org_tree.district_a))
    assert client.get(reverse("admin:core_outboxmessage_changelist")).status_code == 403
    client.post(reverse("admin:core_outboxmessage_changelist"), {"action": "rerun", "_selected_action": [stuck.pk]})
    stuck.refresh_from_db()
    assert stuck.state == "pending"


def test_a_member_is_kept_out_of_the_outbox_admin(client, member_factory, org_tree, stuck):
    client.force_login(member_factory(branch=org_tree.base_a1).user)
    response = client.get(reverse("admin:core_outboxmessage_changelist"))
    assert response.status_code in (302, 403)


def test_a_database_outage_that_outlasts_the_tasks_retries_leaves_the_claim_to_the_sweep(
    claim_world, monkeypatch, django_capture_on_commit_callbacks
):
    """The claimant submits; the database goes away while the assessment runs and stays away past its retries
    (the task gives up). When it is back, the sweep finds the claim still `submitted` and it is assessed once."""
    from django.db import OperationalError

    from benefits.claims import tasks

    def database_down(**kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(tasks.services, "claim_assess", database_down)
    # Here the task is meant to fail (as a worker's would); what is tested is that the claim waits for the sweep.
    from portal.celery_app import app

    monkeypatch.setitem(app.conf, "task_eager_propagates", False)
    claim = draft_stay(claim_world)
    for kind in ("invoice", "discharge_summary"):
        claims.document_add(actor=claim_world.claimant.user, claim_id=claim.pk, kind=kind,
                            upload=upload(PDF_BYTES, "a.pdf"))
    with django_capture_on_commit_callbacks(execute=True):
        claims.claim_submit(actor=claim_world.claimant.user, claim_id=claim.pk)
    claim.refresh_from_db()
    assert claim.state == Claim.State.SUBMITTED  # saved; its work did not happen
    monkeypatch.undo()
    Claim.objects.filter(pk=claim.pk).update(submitted_at=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        outbox.outbox_sweep(now=timezone.now())
    claim.refresh_from_db()
    assert claim.state == Claim.State.BASE_REVIEW
    assert ClaimEvent.objects.filter(claim=claim, action="assess").count() == 1


@shared_task(name="tests.core.task_that_crashes")
def task_that_crashes(reason: str) -> None:
    raise LookupError(reason)


def test_an_in_process_task_that_crashes_fails_what_queued_it(db, django_capture_on_commit_callbacks):
    """In-process (the tests, `make run`) a crash is the task's own bug, not a broker away: with
    CELERY_TASK_EAGER_PROPAGATES it rises out of the commit that published it, and the sweep does not run it again."""
    with pytest.raises(LookupError, match="a bug"), django_capture_on_commit_callbacks(execute=True):
        message = outbox.outbox_add(task="tests.core.task_that_crashes", args=["a bug"])
    message.refresh_from_db()
    assert message.state == OutboxMessage.State.SENT


def test_a_broker_away_is_still_no_error(db, broker_away, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.outbox_add(task="tests.core.task_that_crashes", args=["never run"])
    message.refresh_from_db()
    assert message.state == OutboxMessage.State.PENDING and "refused" in message.last_error
