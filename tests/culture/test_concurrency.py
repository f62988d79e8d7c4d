"""Real concurrency: threads with their own database connections race for the last seats. PostgreSQL only:
SQLite serialises every writer, so the race this closes cannot happen there."""

import threading

import pytest
from django.db import connection, connections

from culture import services
from culture.models import Booking, Session, WaitlistEntry

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite serialises writers, so no real race"
)


@pytest.mark.django_db(transaction=True)
def test_twenty_threads_booking_the_last_five_seats_get_exactly_five(palace, member_factory):
    session = palace.session
    Session.objects.filter(pk=session.pk).update(capacity=25, seats_taken=20)
    users = [member_factory(branch=palace.tree.base_a1).user for _ in range(20)]
    barrier = threading.Barrier(len(users))
    outcomes, errors = [], []

    def attempt(user):
        try:
            barrier.wait()
            booking, _entry = services.booking_or_waitlist(session_id=session.pk, seats=1, user=user)
            outcomes.append("booked" if booking else "waiting")
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert outcomes.count("booked") == 5 and outcomes.count("waiting") == 15
    session.refresh_from_db()
    assert session.seats_taken == 25
    assert Booking.objects.filter(session=session, status="confirmed").count() == 5
    assert WaitlistEntry.objects.filter(session=session, status="waiting").count() == 15


@pytest.mark.django_db(transaction=True)
def test_two_gates_scanning_one_ticket_admit_it_once(palace):
    booking = services.booking_create(session_id=palace.session.pk, seats=1, user=palace.member.user)
    barrier = threading.Barrier(8)
    admitted, refused = [], []

    def scan():
        try:
            barrier.wait()
            services.ticket_check_in(session_id=palace.session.pk, code=booking.code, staff=palace.manager_a)
            admitted.append(1)
        except services.CheckInError:
            refused.append(1)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scan) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(admitted) == 1 and len(refused) == 7
