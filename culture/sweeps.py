"""Free seats with people waiting, found by the outbox sweep (core/services.py)."""

from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from core.services import outbox_add_once

from .models import Session, WaitlistEntry


def waitlists_with_free_seats_requeue(*, older_than) -> int:
    """A session open for booking with seats free and people waiting, whatever freed the seats (a cancellation
    whose offer task was lost, a capacity raised in the admin): run its offer again. Idempotent: the offer
    takes seats under a lock, strictly in queue order."""
    now = timezone.now()
    waiting = WaitlistEntry.objects.filter(session=OuterRef("pk"), status=WaitlistEntry.Status.WAITING,
                                           seats__lte=F("session__capacity") - F("session__seats_taken"))
    ids = Session.objects.filter(Exists(waiting), is_cancelled=False, starts_at__gt=now,
                                 seats_taken__lt=F("capacity")).values_list("id", flat=True)
    return sum(outbox_add_once(task="culture.tasks.waitlist_offer", args=[pk]) for pk in ids[:1000])
