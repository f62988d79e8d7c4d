import csv
import io
import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from culture import services
from culture.demo import demo_image
from culture.models import Booking, Category, GroupOrder, ItemImage, MenuItem, Session
from members.models import OutboundSms
from tests.culture.factories import MenuItemFactory, SessionFactory

pytestmark = pytest.mark.django_db


def items_with_sessions(palace, n):
    for i in range(n):
        item = MenuItemFactory(branch=palace.tree.district_a, venue=palace.venue, title=f"职工电影周 第{i}场")
        SessionFactory(item=item)
        SessionFactory(item=item, starts_at=timezone.now() + timedelta(days=5), price=0, member_price=0)
        image = ItemImage(item=item, position=0)
        image.image.save(f"{i}.jpg", ContentFile(demo_image(i, size=(32, 18))), save=True)


# --- Public menu -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("count", [3, 30])
def test_menu_queries_do_not_grow_with_items(client, palace, count, django_assert_num_queries):
    items_with_sessions(palace, count - 1)  # plus the palace's own item
    # venues for the filter, the count, one page of ids, that page with its figures; plus the savepoint pair
    with django_assert_num_queries(6):
        response = client.get(reverse("culture:menu"))
    assert response.status_code == 200
    assert len(response.context["items"]) == min(count, 20)
    assert response.content.decode().count('class="card"') == min(count, 20)
    with django_assert_num_queries(2):  # the cached body: the savepoint pair only
        again = client.get(reverse("culture:menu"))
    assert again.content.decode().count('class="card"') == min(count, 20)


def test_menu_shows_figures_for_anonymous_visitors(client, palace):
    palace.session.seats_taken = 3
    palace.session.save()
    response = client.get(reverse("culture:menu"))
    body = response.content.decode()
    assert "新春职工文艺汇演" in body and "余 7 位" in body and "¥20.00 起" not in body and "¥50.00 起" in body


def test_menu_filters_and_chinese_search(client, palace, make_item, make_session):
    film = make_item(title="职工电影周：长津湖", category=Category.FILM, tags="电影 爱国")
    make_session(item=film, price=0, member_price=0, starts_at=timezone.now() + timedelta(days=10))
    full = make_item(title="书画展", category=Category.EXHIBITION, description="海丝文化")
    make_session(item=full, capacity=5, seats_taken=5)
    make_item(title="草稿项目", status=MenuItem.Status.DRAFT)

    def titles(**params):
        return {i.title for i in client.get(reverse("culture:menu"), params).context["items"]}

    assert titles() == {"新春职工文艺汇演", "职工电影周：长津湖", "书画展"}
    assert titles(q="长津") == {"职工电影周：长津湖"}
    assert titles(q="海丝") == {"书画展"}  # description
    assert titles(q="爱国") == {"职工电影周：长津湖"}  # tags
    assert titles(category="film") == {"职工电影周：长津湖"}
    assert titles(price="free") == {"职工电影周：长津湖"}
    assert titles(price="paid") == {"新春职工文艺汇演", "书画展"}
    assert titles(seats_left="on") == {"新春职工文艺汇演", "职工电影周：长津湖"}
    day = timezone.localtime(film.sessions.get().starts_at).date()
    assert titles(date_from=day.isoformat(), date_to=day.isoformat()) == {"职工电影周：长津湖"}
    assert titles(venue=palace.venue.pk) == {"新春职工文艺汇演", "职工电影周：长津湖", "书画展"}


@pytest.mark.parametrize("venue", ["999", "99999999999999999999", "-1", "abc", "１x", "a\x00b"])
def test_a_bad_filter_value_is_reported_and_the_other_filters_still_apply(client, palace, make_item, make_session,
                                                                          venue):
    """The visitor (signed out) asks for films at a venue that is not there: the page says the venue was left
    out and lists the films, not everything."""
    film = make_item(title="职工电影周：长津湖", category=Category.FILM)
    make_session(item=film)
    response = client.get(reverse("culture:menu"), {"venue": venue, "category": "film"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "以下筛选条件的值无效，已忽略；其他条件照常生效。" in body and 'href="#id_venue">场馆</a>' in body
    assert [i.title for i in response.context["items"]] == ["职工电影周：长津湖"]


def test_each_bad_filter_is_named_and_the_good_ones_apply_for_a_member(client, palace, make_item, make_session):
    client.force_login(palace.member.user)
    film = make_item(title="职工电影周：长津湖", category=Category.FILM, tags="电影")
    make_session(item=film, price=0, member_price=0)
    make_item(title="电影沙龙", category=Category.EXHIBITION, tags="电影")
    response = client.get(reverse("culture:menu"), {"venue": "999", "date_to": "9999-12-31", "price": "gratis",
                                                    "seats_left": "perhaps", "q": "电影", "category": "film"})
    body = response.content.decode()
    for label in ("场馆", "结束日期", "费用", "只看有余票"):
        assert f'">{label}</a>' in body
    assert "日期应在 2000-01-01 至 2100-12-31 之间。" in body
    assert [i.title for i in response.context["items"]] == ["职工电影周：长津湖"]


@pytest.mark.parametrize("page", ["99999999999999999999", "-1", "abc", "a\x00b", "1.5"])
def test_a_page_number_out_of_reach_shows_a_page_and_says_which(client, palace, page):
    response = client.get(reverse("culture:menu"), {"page": page})
    assert response.status_code == 200
    assert "页码无效，显示的是第 1 页。" in response.content.decode()
    assert [i.title for i in response.context["items"]] == ["新春职工文艺汇演"]


def test_good_filters_show_no_warning(client, palace):
    body = client.get(reverse("culture:menu"), {"venue": palace.venue.pk, "page": "1"}).content.decode()
    assert "已忽略" not in body and "页码无效" not in body


def test_bad_date_range_says_so(client, palace):
    response = client.get(reverse("culture:menu"), {"date_from": "2026-12-10", "date_to": "2026-12-01"})
    assert "结束日期不能早于开始日期" in response.content.decode()


@pytest.mark.parametrize("start", ["9999-12-30", "0001-01-01", "abc", "a\x00b", "99999999999999999999"])
def test_week_from_an_unusable_start_shows_this_week_and_says_so(client, start):
    response = client.get(reverse("culture:week"), {"start": start})
    assert response.status_code == 200 and response.context["start"] == timezone.localdate()
    assert "起始日期无效" in response.content.decode()


def test_week_view_lists_sessions_by_day(client, palace, django_assert_max_num_queries):
    start = timezone.localtime(palace.session.starts_at).date()
    SessionFactory(item=palace.item, starts_at=palace.session.starts_at + timedelta(days=1))
    with django_assert_max_num_queries(3):  # one query, plus the request's savepoint pair
        response = client.get(reverse("culture:week"), {"start": start.isoformat()})
    days = dict(response.context["days"])
    assert [s.pk for s in days[start]] == [palace.session.pk] and len(days[start + timedelta(days=1)]) == 1


def test_item_page_shows_sessions_seats_rating_and_share_link(client, palace):
    response = client.get(reverse("culture:item", args=[palace.item.pk]))
    body = response.content.decode()
    assert response.status_code == 200 and "余 10 / 10 位" in body
    assert f"http://testserver/culture/items/{palace.item.pk}/" in body and "<svg" in body


def test_draft_item_page_and_its_images_answer_404(client, palace):
    image = ItemImage(item=palace.item)
    image.image.save("a.jpg", ContentFile(demo_image(1, size=(16, 9))), save=True)
    response = client.get(reverse("culture:image", args=[image.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "public" in response["Cache-Control"] and response.has_header("Last-Modified")
    palace.item.status = MenuItem.Status.DRAFT
    palace.item.save()
    assert client.get(reverse("culture:image", args=[image.pk])).status_code == 404
    assert client.get(reverse("culture:item", args=[palace.item.pk])).status_code == 404


# --- Booking through the pages -----------------------------------------------------------------------------

def test_member_books_through_the_page_and_sees_the_ticket(client, palace):
    client.force_login(palace.member.user)
    response = client.post(reverse("culture:book", args=[palace.session.pk]), {"seats": 2})
    booking = Booking.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("culture:ticket", args=[booking.code])
    page = client.get(response["Location"]).content.decode()
    assert "<svg" in page and booking.code in page and "会员价" in page
    assert booking.code in client.get(reverse("culture:my")).content.decode()


def test_bad_booking_says_why_and_saves_nothing(client, palace):
    client.force_login(palace.member.user)
    response = client.post(reverse("culture:book", args=[palace.session.pk]), {"seats": 5}, follow=True)
    assert "最多可预约 2 人" in response.content.decode() and not Booking.objects.exists()


def test_anonymous_booking_is_sent_to_mobile_verification(client, palace):
    response = client.post(reverse("culture:book", args=[palace.session.pk]), {"seats": 1})
    assert response.status_code == 302 and reverse("culture:verify-mobile") in response["Location"]
    assert not Booking.objects.exists()


def test_visitor_verifies_mobile_then_books_at_full_price(client, palace, django_capture_on_commit_callbacks):
    url = reverse("culture:verify-mobile")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"step": "send", "send-mobile": "13812345678"})
    code = re.search(r"(\d{6})", OutboundSms.objects.get(to="13812345678").body).group(1)
    wrong = client.post(url, {"step": "check", "mobile": "13812345678", "code": "000000" if code != "000000" else "1"})
    assert "不正确" in wrong.content.decode() or wrong.status_code == 400
    next_url = reverse("culture:item", args=[palace.item.pk])
    response = client.post(url, {"step": "check", "mobile": "13812345678", "code": code, "next": next_url})
    assert response.status_code == 302 and response["Location"] == next_url
    client.post(reverse("culture:book", args=[palace.session.pk]), {"seats": 1})
    booking = Booking.objects.get()
    assert booking.mobile == "13812345678" and booking.user is None and not booking.is_member_price


def test_full_session_page_offers_the_waiting_list(client, palace):
    Session.objects.filter(pk=palace.session.pk).update(seats_taken=10)
    client.force_login(palace.member.user)
    page = client.get(reverse("culture:item", args=[palace.item.pk])).content.decode()
    assert "加入候补" in page
    client.post(reverse("culture:book", args=[palace.session.pk]), {"seats": 1, "waitlist": "1"})
    assert palace.session.waitlist.get().user == palace.member.user


def test_ticket_holder_cancels_from_the_ticket_page(client, palace):
    booking = services.booking_create(session_id=palace.session.pk, seats=1, user=palace.member.user)
    client.post(reverse("culture:ticket-cancel", args=[booking.code]), {"confirm": "1"})
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_rating_from_my_page_needs_attendance(client, palace):
    booking = services.booking_create(session_id=palace.session.pk, seats=1, user=palace.member.user)
    client.force_login(palace.member.user)
    response = client.post(reverse("culture:rate", args=[booking.pk]), {"score": 5}, follow=True)
    assert "签到后" in response.content.decode() and not booking.__class__.objects.filter(rating__isnull=False)
    services.ticket_check_in(session_id=palace.session.pk, code=booking.code, staff=palace.manager_a)
    client.post(reverse("culture:rate", args=[booking.pk]), {"score": 4, "comment": "好"})
    assert booking.rating.score == 4


# --- Staff pages: personas ---------------------------------------------------------------------------------

@pytest.mark.parametrize("who, expected", [
    ("manager_a", 200), ("manager_parent", 200), ("manager_b", 404), ("member", 404), ("other_member", 404),
])
def test_check_in_page_is_scoped(client, palace, who, expected):
    user = getattr(palace, who)
    client.force_login(user.user if hasattr(user, "user") else user)
    assert client.get(reverse("culture:check-in", args=[palace.session.pk])).status_code == expected
    assert client.get(reverse("culture:attendance", args=[palace.session.pk])).status_code == expected


def test_anonymous_is_sent_to_login_from_staff_pages(client, palace):
    response = client.get(reverse("culture:check-in", args=[palace.session.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_check_in_page_admits_once_then_reports_the_first_use(client, palace):
    booking = services.booking_create(session_id=palace.session.pk, seats=1, user=palace.member.user)
    client.force_login(palace.manager_a)
    url = reverse("culture:check-in", args=[palace.session.pk])
    first = client.post(url, {"code": booking.code})
    assert first.status_code == 200 and "验票通过" in first.content.decode()
    second = client.post(url, {"code": booking.code})
    assert second.status_code == 409 and "使用过" in second.content.decode()
    forged = client.post(url, {"code": "forged-code"})
    assert forged.status_code == 400 and "票码无效" in forged.content.decode()
    page = client.get(reverse("culture:attendance", args=[palace.session.pk])).content.decode()
    assert "已入场 1 / 预约 1 人" in page


def test_export_is_scoped_and_masks_mobiles(client, palace, make_item, make_session, org_tree):
    services.booking_create(session_id=palace.session.pk, seats=1, user=palace.member.user)
    other_item = make_item(branch=org_tree.district_b, title="湖里区专场")
    other_session = make_session(item=other_item)
    services.booking_create(session_id=other_session.pk, seats=1, user=palace.other_member.user)

    client.force_login(palace.manager_a)
    response = client.get(reverse("culture:export"), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "场次" and len(rows) == 2 and rows[1][0] == "新春职工文艺汇演"
    assert "****" in rows[1][4]
    assert client.get(reverse("culture:export"), {"format": "csv", "session": other_session.pk}).status_code == 404

    client.force_login(palace.manager_parent)
    response = client.get(reverse("culture:export"), {"format": "xlsx"})
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 3

    client.force_login(palace.member.user)
    assert client.get(reverse("culture:export"), {"format": "csv"}).status_code == 404


def test_satisfaction_report_by_item_venue_and_category(client, palace):
    booking = services.booking_create(session_id=palace.session.pk, seats=1, user=palace.member.user)
    services.ticket_check_in(session_id=palace.session.pk, code=booking.code, staff=palace.manager_a)
    services.rating_create(booking_id=booking.pk, user=palace.member.user, score=4)
    client.force_login(palace.manager_a)
    for by, label in [("item", "新春职工文艺汇演"), ("venue", "大剧场"), ("category", "演出")]:
        rows = client.get(reverse("culture:satisfaction"), {"by": by}).context["rows"]
        assert rows[0]["label"] == label and rows[0]["avg"] == 4
    client.force_login(palace.manager_b)
    assert client.get(reverse("culture:satisfaction")).context["rows"] == []
    client.force_login(palace.member.user)
    assert client.get(reverse("culture:satisfaction")).status_code == 404


def test_menu_shows_the_average_rating(client, palace):
    booking = services.booking_create(session_id=palace.session.pk, seats=1, user=palace.member.user)
    services.ticket_check_in(session_id=palace.session.pk, code=booking.code, staff=palace.manager_a)
    services.rating_create(booking_id=booking.pk, user=palace.member.user, score=5)
    assert "评分 5.0（1 人）" in client.get(reverse("culture:menu")).content.decode()


def test_group_order_pages_for_both_sides(client, palace, staff_of):
    SOON = (timezone.localdate() + timedelta(days=20)).isoformat()
    branch_staff = staff_of(palace.tree.base_b1, role="branch_admin")
    client.force_login(branch_staff)
    response = client.post(reverse("culture:orders"), {
        "branch": palace.tree.base_b1.pk, "item": palace.item.pk, "wished_from": SOON, "wished_to": SOON,
        "headcount": 60, "site_address": "湖里物流园食堂", "note": ""})
    order = GroupOrder.objects.get()
    assert response.status_code == 302
    bad = client.post(reverse("culture:orders"), {
        "branch": palace.tree.base_a1.pk, "item": palace.item.pk, "wished_from": "x", "headcount": 1,
        "site_address": "y"})
    assert bad.status_code == 400 and GroupOrder.objects.count() == 1
    page = client.get(reverse("culture:order", args=[order.pk])).content.decode()
    assert "待受理" in page and "受理并排期" not in page

    client.force_login(palace.manager_a)
    start = timezone.localtime() + timedelta(days=7)
    client.post(reverse("culture:order", args=[order.pk]), {
        "action": "accept", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")})
    order.refresh_from_db()
    assert order.status == "accepted"

    client.force_login(palace.other_member.user)
    assert client.get(reverse("culture:order", args=[order.pk])).status_code == 404
    client.force_login(staff_of(palace.tree.base_a2, role="events_manager"))
    assert client.get(reverse("culture:order", args=[order.pk])).status_code == 404


def test_contest_entry_page(client, palace, make_item):
    contest = make_item(title="演讲比赛", category=Category.CONTEST, entry_mode="individual",
                        entry_fields=[{"name": "topic", "label": "演讲题目", "type": "text", "required": True}])
    client.force_login(palace.member.user)
    url = reverse("culture:contest-enter", args=[contest.pk])
    assert "演讲题目" in client.get(url).content.decode()
    assert client.post(url, {}).status_code == 400
    assert client.post(url, {"f_topic": "身边的劳模"}).status_code == 302
    assert contest.entries.get().answers == {"topic": "身边的劳模"}


def test_staff_review_contest_entries_on_their_page(client, palace, make_item):
    contest = make_item(title="合唱比赛", category=Category.CONTEST, entry_mode="individual", entry_fields=[])
    entry = services.contest_entry_submit(item_id=contest.pk, user=palace.member.user, answers={})
    url = reverse("culture:contest-entries", args=[contest.pk])
    client.force_login(palace.manager_b)
    assert client.get(url).status_code == 404
    client.force_login(palace.manager_a)
    assert "合唱比赛" in client.get(reverse("culture:staff")).content.decode()
    for hostile in ("abc", "a\x00b", "99999999999999999999", "-1", "１", ""):
        assert client.post(url, {"entry": hostile, "decision": "accept"}).status_code == 404, hostile
    refused = client.post(url, {"entry": entry.pk, "decision": "reject", "note": ""})
    assert refused.status_code == 400
    entry.refresh_from_db()
    assert entry.status == "submitted"
    client.post(url, {"entry": entry.pk, "decision": "reject", "note": "曲目不符合主题"})
    entry.refresh_from_db()
    assert entry.status == "rejected" and entry.review_note == "曲目不符合主题"


def test_visitor_on_the_waiting_list_accepts_an_offer_from_the_item_page(client, palace,
                                                                         django_capture_on_commit_callbacks):
    session = client.session
    session["culture_verified_mobile"] = {"mobile": "13812345678", "at": __import__("time").time()}
    session.save()
    Session.objects.filter(pk=palace.session.pk).update(seats_taken=10)
    client.post(reverse("culture:book", args=[palace.session.pk]), {"seats": 1, "waitlist": "1"})
    entry = palace.session.waitlist.get()
    assert entry.mobile == "13812345678" and entry.user is None
    Session.objects.filter(pk=palace.session.pk).update(seats_taken=9)
    with django_capture_on_commit_callbacks(execute=True):
        services.waitlist_offer(session_id=palace.session.pk)
    assert f"/culture/items/{palace.item.pk}/" in OutboundSms.objects.get(to="13812345678").body
    page = client.get(reverse("culture:item", args=[palace.item.pk])).content.decode()
    assert "确认预约" in page
    other = client.__class__()
    assert other.post(reverse("culture:waitlist-accept", args=[entry.pk])).status_code == 302
    assert not Booking.objects.exists()
    response = client.post(reverse("culture:waitlist-accept", args=[entry.pk]))
    booking = Booking.objects.get()
    assert response["Location"] == reverse("culture:ticket", args=[booking.code]) and not booking.is_member_price


def test_course_page_offers_one_enrolment_for_all_lessons(client, palace, make_item, make_session):
    course = make_item(title="书法基础班", category=Category.COURSE, max_seats_per_booking=1)
    for week in range(3):
        make_session(item=course, starts_at=timezone.now() + timedelta(days=2 + 7 * week))
    page = client.get(reverse("culture:item", args=[course.pk])).content.decode()
    assert page.count("报名全部课程") == 1 and "全部 3 节课" in page


def test_a_course_page_offers_the_waiting_list_when_one_lesson_is_full(client, palace, make_item, make_session):
    """One enrolment needs a seat on every lesson: a member sees the course's figure, not the first lesson's,
    and is offered the waiting list when a later lesson is full — what booking would answer."""
    client.force_login(palace.member.user)
    course = make_item(title="书法基础班", category=Category.COURSE, max_seats_per_booking=1)
    make_session(item=course, capacity=20, seats_taken=2, starts_at=timezone.now() + timedelta(days=2))
    later = make_session(item=course, capacity=20, seats_taken=5, starts_at=timezone.now() + timedelta(days=9))
    page = client.get(reverse("culture:item", args=[course.pk])).content.decode()
    assert "报名名额余 15 位" in page and "报名全部课程" in page and "余 18 / 20 位" not in page
    later.seats_taken = 20
    later.save()
    page = client.get(reverse("culture:item", args=[course.pk])).content.decode()
    assert "报名全部课程" not in page and "加入候补" in page


def test_cached_menu_page_carries_each_visitors_own_working_csrf_token(palace, django_assert_num_queries):
    from django.test import Client

    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get(reverse("culture:menu"))
    with django_assert_num_queries(2):  # the whole page from the cache: the savepoint pair only
        page = second.get(reverse("culture:menu"))
    html = page.content.decode()
    assert "新春职工文艺汇演" in html and "culture-csrf-placeholder" not in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = second.post("/i18n/setlang/", {"language": "en", "next": "/culture/", "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_signed_in_menu_shows_their_own_header(client, palace):
    client.get(reverse("culture:menu"))  # an anonymous visitor fills the cache first
    client.force_login(palace.member.user)
    html = client.get(reverse("culture:menu")).content.decode()
    assert str(palace.member.user) in html and "新春职工文艺汇演" in html


# --- Seats per session (#16.3) -----------------------------------------------------------------------------

def _card(client, title: str) -> str:
    """The text of one item's card on the menu, as the visitor reads it (the cache cleared: live figures)."""
    from django.core.cache import cache

    cache.clear()
    body = client.get(reverse("culture:menu")).content.decode()
    card = body[body.index(f"<h3>{title}</h3>"):]
    return re.sub(r"\s+", " ", card[:card.index("</li>")])


def test_a_course_shows_the_seats_of_one_enrolment_not_the_sum_of_its_lessons(client, palace, make_item,
                                                                                  make_session):
    """A 30-place course of 8 lessons read "余 240 位"; a visitor (signed out) now reads 30, and after a member
    enrols, 29 — what the next enrolment can take."""
    course = make_item(title="职工书法基础班", category=Category.COURSE, max_seats_per_booking=1)
    lessons = [make_session(item=course, capacity=30, starts_at=timezone.now() + timedelta(days=2 + 7 * week))
               for week in range(8)]
    card = _card(client, "职工书法基础班")
    assert "余 30 位" in card and "240" not in card and "场可约" not in card
    services.booking_create(session_id=lessons[0].pk, seats=1, user=palace.member.user)
    assert "余 29 位" in _card(client, "职工书法基础班")


def test_a_course_with_one_full_lesson_reads_full_as_booking_refuses_it(client, palace, make_item, make_session):
    course = make_item(title="电工技能提升培训", category=Category.COURSE, max_seats_per_booking=1)
    first = make_session(item=course, capacity=20, starts_at=timezone.now() + timedelta(days=2))
    make_session(item=course, capacity=20, seats_taken=20, starts_at=timezone.now() + timedelta(days=9))
    assert "已满" in _card(client, "电工技能提升培训")
    with pytest.raises(services.SessionFull):
        services.booking_create(session_id=first.pk, seats=1, user=palace.member.user)
    titles = {i.title for i in client.get(reverse("culture:menu"), {"seats_left": "on"}).context["items"]}
    assert "电工技能提升培训" not in titles


def test_several_sessions_show_how_many_can_be_booked_and_the_next_ones_seats(client, palace, make_session):
    """The palace's show has sessions of 10 places: the next one with 3 taken, a full one, a later one."""
    palace.session.seats_taken = 3
    palace.session.save()
    make_session(capacity=10, seats_taken=10, starts_at=timezone.now() + timedelta(days=4))
    make_session(capacity=10, starts_at=timezone.now() + timedelta(days=5))
    card = _card(client, "新春职工文艺汇演")
    assert "2 场可约，最近一场余 7 位" in card and "余 27" not in card and "余 17" not in card


def test_the_next_bookable_session_is_counted_not_a_full_or_unopened_one(client, palace, make_session):
    palace.session.seats_taken = palace.session.capacity
    palace.session.save()
    make_session(capacity=12, seats_taken=4, starts_at=timezone.now() + timedelta(days=6))
    make_session(capacity=50, starts_at=timezone.now() + timedelta(days=7),
                 booking_opens_at=timezone.now() + timedelta(days=1))
    assert "余 8 位" in _card(client, "新春职工文艺汇演")


def test_sessions_not_open_yet_say_so_and_full_ones_say_full(client, palace, make_item, make_session):
    palace.session.booking_opens_at = timezone.now() + timedelta(days=1)
    palace.session.save()
    assert "预约未开放" in _card(client, "新春职工文艺汇演")
    full = make_item(title="书画展")
    make_session(item=full, capacity=5, seats_taken=5)
    closed = make_item(title="闭幕式")
    make_session(item=closed, booking_closes_at=timezone.now() - timedelta(hours=1))
    assert "已满" in _card(client, "书画展") and "预约已截止" in _card(client, "闭幕式")


def test_staff_and_members_read_the_same_per_session_figure(client, palace, make_session):
    make_session(capacity=10, seats_taken=6, starts_at=timezone.now() + timedelta(days=5))
    for who in (palace.member.user, palace.manager_a):
        client.force_login(who)
        assert "2 场可约，最近一场余 10 位" in _card(client, "新春职工文艺汇演")


@pytest.mark.parametrize("count", [3, 30])
def test_menu_with_courses_and_many_sessions_keeps_its_query_count(client, palace, make_item, make_session, count,
                                                                    django_assert_num_queries):
    for i in range(count):
        course = make_item(title=f"培训班 {i}", category=Category.COURSE)
        for week in range(4):
            make_session(item=course, starts_at=timezone.now() + timedelta(days=1 + 7 * week))
    with django_assert_num_queries(6):  # venues, count, one page of ids, that page with its figures; savepoints
        response = client.get(reverse("culture:menu"))
    assert response.content.decode().count("余 10 位") == min(count + 1, 20)


def test_an_english_reader_reads_the_seat_figure_and_the_filter_notice_in_english(client, palace, make_session,
                                                                                 settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    make_session(capacity=10, starts_at=timezone.now() + timedelta(days=5))
    assert "2 sessions open for booking, next has 10 seats left" in _card(client, "新春职工文艺汇演")
    body = client.get(reverse("culture:menu"), {"venue": "999"}).content.decode()
    assert "These filter values are not valid and were left out; the other filters still apply." in body
