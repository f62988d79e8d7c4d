from datetime import timedelta

import pytest
from django.utils import timezone

from culture import services, tasks
from culture.models import Session, WaitlistEntry
from culture.schedules import BEAT_SCHEDULE

pytestmark = pytest.mark.django_db


def test_beat_schedule_names_registered_tasks():
    from portal.celery_app import app

    assert {entry["task"] for entry in BEAT_SCHEDULE.values()} <= set(app.tasks)


def test_offer_task_is_idempotent(palace):
    Session.objects.filter(pk=palace.session.pk).update(seats_taken=10)
    entry = services.waitlist_join(session_id=palace.session.pk, seats=1, user=palace.other_member.user)
    Session.objects.filter(pk=palace.session.pk).update(seats_taken=9)
    tasks.waitlist_offer.delay(palace.session.pk)
    tasks.waitlist_offer.delay(palace.session.pk)
    entry.refresh_from_db()
    palace.session.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED and palace.session.seats_taken == 10


def test_beat_tasks_run(palace):
    palace.session.starts_at = timezone.now() + timedelta(days=1)
    palace.session.ends_at = palace.session.starts_at + timedelta(hours=1)
    palace.session.save()
    assert tasks.offers_expire.delay().get() == 0
    assert tasks.reminders_send.delay().get() == 0  # nobody booked yet
