"""The cultural palace as people walk it on a phone: a visitor browses the menu and opens an item; a member signs in
and books the last seat at the member price; a second and a third member find the session full and join the waiting
list; the first member cancels and the worker offers the freed seat to the second, who lets the offer run out; Celery
beat's expiry run passes the seat on to the third, who accepts it from their page; the palace's events manager checks
the ticket in once, and a second scan of it is refused saying when it was used.
Personas: a visitor, three members, the events manager of the item's branch."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.browser.conftest import page_check, sign_in, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "journey-pass-2026"


@pytest.fixture
def palace(org_tree, staff_of, member_factory):
    from types import SimpleNamespace

    from tests.culture.factories import MenuItemFactory, SessionFactory, VenueFactory

    venue = VenueFactory(branch=org_tree.district_a, name="大剧场")
    item = MenuItemFactory(branch=org_tree.district_a, venue=venue, title="新春职工文艺汇演",
                           description="歌舞、小品、戏曲同台", tags="演出 春节", max_seats_per_booking=1)
    # One seat: the first booking fills it, the second member queues.
    session = SessionFactory(item=item, capacity=1, price=Decimal("50.00"), member_price=Decimal("20.00"))
    people = SimpleNamespace(
        manager=staff_of(org_tree.district_a, role="events_manager"),
        first=member_factory(branch=org_tree.base_a1).user,
        second=member_factory(branch=org_tree.base_a2).user,
        third=member_factory(branch=org_tree.base_a1).user,
    )
    for user in vars(people).values():
        user.set_password(PASSWORD)
        user.save()
    return SimpleNamespace(item=item, session=session, people=people)


def test_visitor_browses_members_book_queue_and_the_ticket_is_checked_in_once(browsing, beat, palace):
    from culture.models import Booking, WaitlistEntry

    item, session, people = palace.item, palace.session, palace.people

    # A visitor, signed out, browses the menu and opens the item: both prices are shown.
    visitor = browsing.open()
    visitor.goto(reverse("culture:menu"))
    page_check(visitor)
    visitor.get_by_role("link", name=item.title).first.click()
    visitor.wait_for_url("**" + reverse("culture:item", args=[item.pk]))
    page_check(visitor)
    assert "¥50.00" in visitor.inner_text("main") and "¥20.00" in visitor.inner_text("main")

    # The first member signs in and books the only seat, at the member price.
    first = browsing.open()
    sign_in(first, people.first.mobile, PASSWORD, next_url=reverse("culture:item", args=[item.pk]))
    first.goto(reverse("culture:item", args=[item.pk]))
    page_check(first)
    first.get_by_role("button", name="会员预约").click()
    first.wait_for_url("**/culture/tickets/*/")
    page_check(first)
    ticket_text = first.inner_text("main")
    assert "¥20.00" in ticket_text and "会员价" in ticket_text and "¥50.00" not in ticket_text, (
        f"the member's ticket does not show the member price ¥20.00:\n{ticket_text}"
    )
    booking = Booking.objects.get(session=session, user=people.first)
    assert (booking.unit_price, booking.is_member_price) == (Decimal("20.00"), True), (
        f"the member was charged {booking.unit_price} (member price: {booking.is_member_price}), not 20.00"
    )

    # The second member, then the third, find the session full and join the waiting list.
    second = browsing.open()
    sign_in(second, people.second.mobile, PASSWORD)
    second.goto(reverse("culture:item", args=[item.pk]))
    page_check(second)
    assert "已满" in second.inner_text("main")
    second.get_by_role("button", name="加入候补").click()
    second.wait_for_url("**" + reverse("culture:my"))
    page_check(second)
    entry = WaitlistEntry.objects.get(session=session, user=people.second)
    assert entry.status == WaitlistEntry.Status.WAITING
    third = browsing.open()
    sign_in(third, people.third.mobile, PASSWORD)
    third.goto(reverse("culture:item", args=[item.pk]))
    third.get_by_role("button", name="加入候补").click()
    third.wait_for_url("**" + reverse("culture:my"))
    assert "候补第 2 位" in third.inner_text("main"), third.inner_text("main")
    later = WaitlistEntry.objects.get(session=session, user=people.third)

    # The first member cancels from the ticket: the page asks them to confirm how many seats they give up.
    first.get_by_label("取消 1 个座位的预约？").check()
    with first.expect_navigation():
        first.get_by_role("button", name="确认取消预约").click()
    page_check(first)
    assert "已取消" in first.inner_text("main")

    # The worker offers the freed seat to the first in the queue; the second member sees it in their inbox.
    wait_until(lambda: WaitlistEntry.objects.filter(pk=entry.pk, status=WaitlistEntry.Status.OFFERED).exists(),
               what="the waiting list to be offered the freed seat")
    second.goto(reverse("members:inbox"))
    page_check(second)
    assert item.title in second.inner_text("main")
    assert WaitlistEntry.objects.get(pk=later.pk).status == WaitlistEntry.Status.WAITING

    # The second member lets the offer run out (the hours pass: its deadline is moved into the past). Celery beat's
    # expiry run (every 2 s for this test; every 5 minutes in production) passes the seat on to the third member.
    beat.every("culture.tasks.offers_expire", seconds=2, name="journey: culture offers expire")
    WaitlistEntry.objects.filter(pk=entry.pk).update(offer_expires_at=timezone.now() - timedelta(minutes=1))
    beat.wait_until(
        lambda: WaitlistEntry.objects.filter(pk=later.pk, status=WaitlistEntry.Status.OFFERED).exists(),
        what="beat's offers_expire to pass the expired offer on to the next in the queue",
    )
    assert WaitlistEntry.objects.get(pk=entry.pk).status == WaitlistEntry.Status.EXPIRED
    second.goto(reverse("culture:my"))
    page_check(second)
    assert second.get_by_role("button", name="确认预约").count() == 0, "the expired offer can still be accepted"
    third.goto(reverse("culture:my"))
    page_check(third)
    third.get_by_role("button", name="确认预约").click()
    third.wait_for_url("**/culture/tickets/*/")
    page_check(third)
    accepted = Booking.objects.get(session=session, user=people.third, status=Booking.Status.CONFIRMED)
    ticket_text = third.inner_text("main")
    assert "¥20.00" in ticket_text and "会员价" in ticket_text and "¥50.00" not in ticket_text, (
        f"the ticket from the waiting list does not show the member price ¥20.00:\n{ticket_text}"
    )
    assert (accepted.unit_price, accepted.is_member_price) == (Decimal("20.00"), True), (
        f"the member was charged {accepted.unit_price} from the waiting list (member price: "
        f"{accepted.is_member_price}), not 20.00"
    )

    # The events manager checks the ticket in once from the staff page; a second scan is refused.
    staff = browsing.open()
    sign_in(staff, people.manager.mobile, PASSWORD)
    staff.goto(reverse("culture:staff"))
    page_check(staff)
    staff.locator(f"a[href='{reverse('culture:check-in', args=[session.pk])}']").click()
    staff.wait_for_url("**" + reverse("culture:check-in", args=[session.pk]))
    page_check(staff)
    for attempt in ("first", "second"):
        staff.fill("input[name=code]", accepted.short_code_display.lower())  # typed, as a phone user reads it out
        with staff.expect_navigation():
            staff.get_by_role("button", name="验票", exact=True).click()
        page_check(staff)
        result = staff.inner_text("#check-in-result")
        if attempt == "first":
            assert staff.locator(".check-ok").count() == 1, f"the first check-in was refused: {result}"
        else:
            assert staff.locator(".check-ok").count() == 0, f"the ticket was admitted twice: {result}"
            assert "使用过" in staff.inner_text(".check-fail"), result
    accepted.refresh_from_db()
    assert accepted.checked_in_at is not None and accepted.checked_in_by == people.manager

    # The member's ticket now says they are in.
    third.reload()
    page_check(third)
    assert "已检票" in third.inner_text("main")
    assert third.locator(".ticket-qr").count() == 0 and third.locator("form.ticket-cancel").count() == 0

