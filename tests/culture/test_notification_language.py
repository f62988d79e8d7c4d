"""The cultural palace's messages are written in the recipient's language, not in the actor's.

Personas: Chinese-speaking actors (a booking member, the palace's events manager, a branch's staff, the beat
task) tell an English-speaking member or staff member and a Chinese-speaking one the same thing; a visitor
without an account gets the SMS in the language active where it was sent."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from culture import services
from culture.models import Category, Session
from members.models import Notification, OutboundSms

pytestmark = pytest.mark.django_db

SOON = timezone.localdate() + timedelta(days=20)
TITLE = "新春职工文艺汇演"  # the palace's item: its own name is not translated


@pytest.fixture
def english_member(member_factory, palace):
    return member_factory(branch=palace.tree.base_a1, user__language="en").user


def message(user, kind) -> Notification:
    return Notification.objects.get(user=user, kind=kind)


def fill(session, seats):
    Session.objects.filter(pk=session.pk).update(seats_taken=seats)


def test_a_booking_is_confirmed_in_each_bookers_language(palace, english_member, django_capture_on_commit_callbacks):
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        services.booking_create(session_id=palace.session.pk, seats=1, user=english_member)
        services.booking_create(session_id=palace.session.pk, seats=1, user=palace.member.user)
        services.booking_create(session_id=palace.session.pk, seats=1, visitor_mobile="13812345678")
    assert message(english_member, "culture.booking.confirmed").title == f"Booking confirmed: {TITLE}"
    assert message(palace.member.user, "culture.booking.confirmed").title == f"预约成功：{TITLE}"
    assert OutboundSms.objects.get(to="13812345678").body.startswith(f"【工会服务门户】预约成功：{TITLE} ")


def test_a_waitlist_offer_and_its_booking_reach_an_english_speaking_member_in_english(
        palace, english_member, django_capture_on_commit_callbacks):
    fill(palace.session, 10)
    entry = services.waitlist_join(session_id=palace.session.pk, seats=1, user=english_member)
    chinese_entry = services.waitlist_join(session_id=palace.session.pk, seats=1, user=palace.member.user)
    fill(palace.session, 8)
    with django_capture_on_commit_callbacks(execute=True), translation.override("zh-hans"):
        services.waitlist_offer(session_id=palace.session.pk)  # the beat task, in the site's language
    entry.refresh_from_db()
    expires = timezone.localtime(entry.offer_expires_at)
    # Each in its reader's date format: "5 Dec, 09:00" and "12月5日 09:00".
    by_en = f"{expires.day} {expires:%b}, {expires:%H:%M}"
    by_zh = f"{expires.month}月{expires.day}日 {expires:%H:%M}"
    assert message(english_member, "culture.waitlist.offered").title == (
        f"A place is available: {TITLE}. Please confirm by {by_en}")
    assert message(palace.member.user, "culture.waitlist.offered").title == f"候补到位：{TITLE}，请在 {by_zh} 前确认"

    with translation.override("zh-hans"):
        services.waitlist_accept(entry_id=entry.pk, user=english_member)
        services.waitlist_accept(entry_id=chinese_entry.pk, user=palace.member.user)
    assert message(english_member, "culture.booking.confirmed").title == f"Booking confirmed: {TITLE}"
    assert message(palace.member.user, "culture.booking.confirmed").title == f"预约成功：{TITLE}"


def test_a_visitors_waitlist_sms_is_written_when_the_offer_is_made(palace, django_capture_on_commit_callbacks):
    """A visitor has no language of their own: the SMS is in the language active where the offer is made, even
    when the transaction commits after that language is gone."""
    fill(palace.session, 10)
    entry = services.waitlist_join(session_id=palace.session.pk, seats=1, visitor_mobile="13812345678")
    fill(palace.session, 9)
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        services.waitlist_offer(session_id=palace.session.pk)
    entry.refresh_from_db()
    expires = timezone.localtime(entry.offer_expires_at)
    by = f"{expires.day} {expires:%b}, {expires:%H:%M}"  # the English date format too
    assert OutboundSms.objects.get(to="13812345678").body.startswith(
        f"【工会服务门户】A place is available: {TITLE}. Please confirm by {by} ")


def test_the_reminder_reaches_each_booker_in_their_language(palace, english_member):
    tomorrow_noon = timezone.make_aware(
        timezone.datetime.combine(timezone.localdate() + timedelta(days=1), timezone.datetime.min.time())
    ) + timedelta(hours=12)
    Session.objects.filter(pk=palace.session.pk).update(starts_at=tomorrow_noon,
                                                        ends_at=tomorrow_noon + timedelta(hours=2))
    services.booking_create(session_id=palace.session.pk, seats=1, user=english_member)
    services.booking_create(session_id=palace.session.pk, seats=1, user=palace.member.user)
    with translation.override("zh-hans"):
        assert services.reminders_send() == 2
    assert message(english_member, "culture.booking.reminder").title == f"Tomorrow at 12:00, 大剧场: {TITLE}"
    assert message(palace.member.user, "culture.booking.reminder").title == f"明天 12:00 在大剧场：{TITLE}"


def test_a_contest_entry_review_reaches_each_entrant_in_their_language(palace, english_member, make_item):
    contest = make_item(title="职工合唱大赛", category=Category.CONTEST, entry_mode="individual")
    english_entry = services.contest_entry_submit(item_id=contest.pk, user=english_member, answers={})
    chinese_entry = services.contest_entry_submit(item_id=contest.pk, user=palace.member.user, answers={})
    with translation.override("zh-hans"):
        services.contest_entry_review(entry_id=english_entry.pk, staff=palace.manager_a, accept=True,
                                      note="欢迎参赛")
        services.contest_entry_review(entry_id=chinese_entry.pk, staff=palace.manager_a, accept=False,
                                      note="名额已满")

    english = message(english_member, "culture.entry.reviewed")
    assert english.title == "Contest entry result: 职工合唱大赛 — Approved"  # the status label too
    assert english.body == "欢迎参赛"  # the reviewer's own words are not translated
    chinese = message(palace.member.user, "culture.entry.reviewed")
    assert chinese.title == "赛事报名审核结果：职工合唱大赛 — 未通过" and chinese.body == "名额已满"


def test_group_order_messages_reach_each_staff_member_in_their_language(palace, staff_of):
    english_manager = staff_of(palace.tree.district_a, role="events_manager", language="en")
    english_staff = staff_of(palace.tree.base_b1, language="en")
    chinese_staff = staff_of(palace.tree.base_a1)
    branch = palace.tree.base_b1.name
    start = timezone.now() + timedelta(days=10)
    with translation.override("zh-hans"):
        accepted = services.group_order_create(branch_id=palace.tree.base_b1.pk, item_id=palace.item.pk,
                                               user=english_staff, wished_from=SOON, wished_to=SOON, headcount=80,
                                               site_address="湖里物流园")
        services.group_order_accept(order_id=accepted.pk, staff=palace.manager_a, starts_at=start,
                                    ends_at=start + timedelta(hours=2))
        declined = services.group_order_create(branch_id=palace.tree.base_b1.pk, item_id=palace.item.pk,
                                               user=english_staff, wished_from=SOON, wished_to=SOON, headcount=20,
                                               site_address="园区食堂")
        services.group_order_decline(order_id=declined.pk, staff=palace.manager_a, reason="该节目暂不巡演")
        withdrawn = services.group_order_create(branch_id=palace.tree.base_a1.pk, item_id=palace.item.pk,
                                                user=chinese_staff, wished_from=SOON, wished_to=SOON, headcount=20,
                                                site_address="车间")
        services.group_order_cancel(order_id=withdrawn.pk, user=chinese_staff)

    submitted = Notification.objects.filter(kind="culture.order.submitted", url=f"/culture/orders/{accepted.pk}/")
    assert submitted.get(user=english_manager).title == f"New group order: {branch} ordered “{TITLE}”"
    assert submitted.get(user=palace.manager_a).title == f"新的团体点单：{branch} 点了《{TITLE}》"
    local = timezone.localtime(start)
    when = f"{local.day} {local:%b %Y, %H:%M}"  # in the reader's date format: 14 Dec 2026, 19:45
    assert message(english_staff, "culture.order.accepted").title == (
        f"Group order accepted: “{TITLE}” scheduled for {when}")
    english_decline = message(english_staff, "culture.order.declined")
    assert english_decline.title == f"Group order declined: “{TITLE}”" and english_decline.body == "该节目暂不巡演"
    base = palace.tree.base_a1.name
    assert message(english_manager, "culture.order.cancelled").title == f"Group order withdrawn: {base}, “{TITLE}”"
    assert message(palace.manager_a, "culture.order.cancelled").title == f"团体点单已撤销：{base}，《{TITLE}》"
