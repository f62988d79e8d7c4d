"""Right price, right account (#16.1): a member who is not signed in and proves their mobile number by SMS books as
that member — member price, in their account, on 我的预约 — and the verify page offers sign-in back to the same
item. Personas: the member (signed out, then in), a visitor with no account, a signed-in user whose number is
unverified, a user without membership."""

import re

import pytest
from django.urls import reverse

from culture import services
from culture.models import Booking
from members.models import OutboundSms

pytestmark = pytest.mark.django_db


def _verify(client, mobile: str, captured, next_url: str = ""):
    url = reverse("culture:verify-mobile")
    with captured(execute=True):
        client.post(url, {"step": "send", "send-mobile": mobile})
    code = re.search(r"(\d{6})", OutboundSms.objects.filter(to=mobile).latest("id").body).group(1)
    return client.post(url, {"step": "check", "mobile": mobile, "code": code, "next": next_url})


def test_a_signed_out_member_who_verifies_their_mobile_books_as_the_member(client, palace,
                                                                           django_capture_on_commit_callbacks):
    mobile = palace.member.user.mobile
    _verify(client, mobile, django_capture_on_commit_callbacks)
    client.post(reverse("culture:book", args=[palace.session.pk]), {"seats": 2})
    booking = Booking.objects.get()
    assert (booking.user, booking.member, booking.is_member_price) == (palace.member.user, palace.member, True)
    assert booking.unit_price == palace.session.member_price
    # Signed in later: the ticket is on their page, and booking again says it is already booked, not a new price.
    client.force_login(palace.member.user)
    assert booking.code in client.get(reverse("culture:my")).content.decode()
    again = client.post(reverse("culture:book", args=[palace.session.pk]), {"seats": 1}, follow=True)
    assert "您已预约过该场次" in again.content.decode() and Booking.objects.count() == 1


def test_a_visitor_without_an_account_still_books_at_full_price(client, palace, django_capture_on_commit_callbacks):
    _verify(client, "13812345678", django_capture_on_commit_callbacks)
    client.post(reverse("culture:book", args=[palace.session.pk]), {"seats": 1})
    booking = Booking.objects.get()
    assert booking.user is None and not booking.is_member_price and booking.unit_price == palace.session.price


def test_a_user_who_is_not_a_member_books_in_their_account_at_full_price(palace, user_factory):
    user = user_factory(mobile="13712340000", mobile_verified=False)
    booker = services.booker_for(visitor_mobile="13712340000")
    assert (booker.user, booker.member, booker.is_member) == (user, None, False)


def test_a_signed_in_user_never_books_into_another_account_by_a_verified_number(palace, user_factory):
    someone = user_factory(mobile="13712340001", mobile_verified=False)
    booker = services.booker_for(user=someone, visitor_mobile=palace.member.user.mobile)
    assert booker.user is None and not booker.is_member  # a visitor's booking, at the visitor's price


def test_bookings_made_as_a_visitor_with_the_members_number_show_on_their_page(client, palace):
    legacy = Booking.objects.create(session=palace.session, mobile=palace.member.user.mobile, seats=1,
                                    unit_price=palace.session.price, total_price=palace.session.price,
                                    code="legacy-visitor-booking")
    other = Booking.objects.create(session=palace.session, mobile="13812349999", seats=1,
                                   unit_price=palace.session.price, total_price=palace.session.price,
                                   code="someone-elses-booking")
    client.force_login(palace.member.user)
    page = client.get(reverse("culture:my")).content.decode()
    assert legacy.code in page and other.code not in page


def test_the_verify_page_offers_sign_in_back_to_the_item_and_asks_the_number_once(client, palace,
                                                                                  django_capture_on_commit_callbacks):
    item_url = reverse("culture:item", args=[palace.item.pk])
    page = client.get(reverse("culture:verify-mobile") + f"?next={item_url}").content.decode()
    assert f'/accounts/login/?next={item_url}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("culture:verify-mobile"), {"step": "send", "send-mobile": "13812345678",
                                                              "next": item_url}).content.decode()
    assert sent.count('name="send-mobile"') == 1 and 'type="hidden" name="mobile"' in sent
    assert sent.count("手机号码") >= 1 and 'name="mobile" type="text"' not in sent
    # The header's sign-in link comes back to the page the visitor was on.
    assert f'/accounts/login/?next={item_url}"' in client.get(item_url).content.decode()
