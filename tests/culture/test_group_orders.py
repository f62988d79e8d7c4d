"""One-stop ordering (一站式点单) as each side meets it.

Personas, as in the demo: the palace is run by the city federation (its events manager: the palace manager); the
district manager (events manager of 思明区总工会, district A) orders for the district's workers; a member of a base
union under district A; an outsider (signed in, no role) and nobody (signed out); the events manager of the sibling
district B."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from culture import services
from culture.models import Category, GroupOrder, MenuItem
from members.models import Notification
from tests.culture.factories import MenuItemFactory, VenueFactory

pytestmark = pytest.mark.django_db

FILM = "周末亲子电影《熊出没·逆转时空》"


@pytest.fixture
def city_palace(org_tree, staff_of, member_factory, user_factory):
    city = org_tree.city
    hall = VenueFactory(branch=city, name="大剧场")
    court = VenueFactory(branch=city, name="羽毛球馆1号场", kind="court", capacity=4)
    return SimpleNamespace(
        tree=org_tree,
        show=MenuItemFactory(branch=city, venue=hall, title="新春职工文艺汇演", category=Category.PERFORMANCE),
        film=MenuItemFactory(branch=city, venue=hall, title=FILM, category=Category.FILM),
        course=MenuItemFactory(branch=city, venue=hall, title="电工技能提升培训", category=Category.COURSE),
        court=MenuItemFactory(branch=city, venue=court, title="羽毛球场地预约", category=Category.SPORTS),
        contest=MenuItemFactory(branch=city, venue=hall, title="职工合唱大赛", category=Category.CONTEST,
                                entry_mode=MenuItem.EntryMode.TEAM),
        draft=MenuItemFactory(branch=city, venue=hall, title="未发布的巡演", status=MenuItem.Status.DRAFT),
        palace_manager=staff_of(city, role="events_manager"),
        district_manager=staff_of(org_tree.district_a, role="events_manager"),
        sibling=staff_of(org_tree.district_b, role="events_manager"),
        member=member_factory(branch=org_tree.base_a1).user,
        outsider=user_factory(),
    )


def days(n):
    return timezone.localdate() + timedelta(days=n)


def order_of(p, item=None, **fields):
    return services.group_order_create(
        branch_id=p.tree.district_a.pk, item_id=(item or p.show).pk, user=p.district_manager,
        wished_from=fields.pop("wished_from", days(10)), wished_to=fields.pop("wished_to", days(14)),
        headcount=fields.pop("headcount", 80), site_address=fields.pop("site_address", "思明区职工之家"), **fields)


def form_data(p, **changes):
    data = {"branch": p.tree.district_a.pk, "item": p.show.pk, "wished_from": days(10).isoformat(),
            "wished_to": days(12).isoformat(), "headcount": 80, "site_address": "思明区职工之家", "note": ""}
    return {**data, **changes}


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


# --- The form: date pickers, no dashes, only what can be ordered --------------------------------------------

def test_the_district_manager_orders_from_a_form_of_date_pickers_and_orderable_items(client, city_palace):
    p = city_palace
    client.force_login(p.district_manager)
    html = client.get(reverse("culture:orders")).content.decode()
    assert "---------" not in html
    assert options(html, "branch")[0] == p.tree.district_a.name  # their own union, chosen already
    offered = options(html, "item")
    assert offered[0] == "请选择服务项目"  # a prompt the browser's `required` does not let through
    assert {p.show.title, p.film.title, p.course.title} <= set(offered)
    assert not {p.court.title, p.contest.title, p.draft.title} & set(offered)
    for name in ("wished_from", "wished_to"):
        assert re.search(rf'<input type="date" name="{name}"[^>]* required', html), name

    response = client.post(reverse("culture:orders"), form_data(p, item=p.film.pk))
    order = GroupOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("culture:order", args=[order.pk])
    assert (order.item, order.branch, order.wished_from, order.wished_to) == (p.film, p.tree.district_a, days(10),
                                                                               days(12))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_form_sent_back_keeps_its_dates_in_the_pickers_in_every_language(client, city_palace, language):
    p = city_palace
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(p.district_manager)
    response = client.post(reverse("culture:orders"), form_data(p, headcount=0))
    html = response.content.decode()
    assert response.status_code == 400 and not GroupOrder.objects.exists()
    assert f'name="wished_from" value="{days(10).isoformat()}"' in html  # YYYY-MM-DD, never 2026/12/14
    assert f'name="wished_to" value="{days(12).isoformat()}"' in html


@pytest.mark.parametrize("changes, says", [
    ({"item": "ITEM:court"}, "选择一个有效的选项"),
    ({"item": "ITEM:contest"}, "选择一个有效的选项"),
    ({"item": ""}, "该字段是必填项"),
    ({"wished_from": "12月上旬"}, "输入一个有效的日期"),
    ({"wished_from": "9999-12-31", "wished_to": "9999-12-31"}, "日期应在"),
    ({"wished_to": "DAYS:5"}, "最晚日期不能早于最早日期"),
    ({"wished_from": "DAYS:0", "wished_to": "DAYS:1"}, "期望日期须在明天到一年之内"),
    ({"wished_from": "DAYS:300", "wished_to": "DAYS:400"}, "期望日期须在明天到一年之内"),
])
def test_a_bad_order_is_refused_with_a_message_and_nothing_saved(client, city_palace, changes, says):
    p = city_palace
    for key, value in changes.items():
        if value.startswith("ITEM:"):
            changes[key] = getattr(p, value[5:]).pk
        elif value.startswith("DAYS:"):
            changes[key] = days(int(value[5:])).isoformat()
    client.force_login(p.district_manager)
    response = client.post(reverse("culture:orders"), form_data(p, **changes))
    assert response.status_code == 400 and not GroupOrder.objects.exists()
    assert says in response.content.decode()


@pytest.mark.parametrize("name", ["court", "contest", "draft"])
def test_the_service_itself_refuses_what_cannot_be_ordered(city_palace, name):
    """Whatever door the order comes through (a form, the admin, a script), a court is not ordered for a site."""
    p = city_palace
    with pytest.raises(services.CultureError) as refused:
        order_of(p, item=getattr(p, name))
    assert refused.value.code == ("not_found" if name == "draft" else "not_orderable")
    if name == "court":
        assert refused.value.message == (
            "《羽毛球场地预约》是体育场地，不能点单上门；可以点演出、电影、展览、培训课程和工会服务。")
    assert not GroupOrder.objects.exists()


def test_the_service_refuses_dates_out_of_order_or_in_the_past(city_palace):
    p = city_palace
    for wished_from, wished_to in ((days(10), days(9)), (days(0), days(3)), (days(-3), days(-1)), (days(2), days(400))):
        with pytest.raises(services.CultureError) as refused:
            order_of(p, wished_from=wished_from, wished_to=wished_to)
        assert refused.value.code == "dates"
    assert not GroupOrder.objects.exists()


def test_the_palace_orders_nothing_from_itself(client, city_palace):
    p = city_palace
    client.force_login(p.palace_manager)
    html = client.get(reverse("culture:orders")).content.decode()
    assert "提交点单" not in html and 'name="wished_from"' not in html
    assert client.post(reverse("culture:orders"), form_data(p)).status_code == 403
    with pytest.raises(services.CultureError) as refused:
        services.group_order_create(branch_id=p.tree.district_a.pk, item_id=p.show.pk, user=p.palace_manager,
                                    wished_from=days(10), wished_to=days(12), headcount=5, site_address="x")
    assert refused.value.code == "own_item"
    assert not GroupOrder.objects.exists()


# --- Each side sees and may use its own actions only ---------------------------------------------------------

def order_page(client, user, order):
    client.force_login(user)
    return client.get(reverse("culture:order", args=[order.pk]))


def test_the_palace_manager_accepts_or_declines_and_never_sees_the_withdraw_button(client, city_palace):
    p = city_palace
    order = order_of(p)
    html = order_page(client, p.palace_manager, order).content.decode()
    assert "受理并排期" in html and 'value="decline"' in html
    assert "撤销点单" not in html and 'value="cancel"' not in html
    assert client.post(reverse("culture:order", args=[order.pk]), {"action": "cancel"}).status_code == 403
    with pytest.raises(services.CultureError) as refused:
        services.group_order_cancel(order_id=order.pk, user=p.palace_manager)
    assert refused.value.code == "forbidden"
    order.refresh_from_db()
    assert order.status == GroupOrder.Status.SUBMITTED

    response = client.post(reverse("culture:order", args=[order.pk]), {"action": "decline", "reason": "档期已满"})
    order.refresh_from_db()
    assert response.status_code == 302 and order.status == GroupOrder.Status.DECLINED


def test_the_district_manager_withdraws_and_never_sees_the_palaces_actions(client, city_palace):
    p = city_palace
    order = order_of(p)
    html = order_page(client, p.district_manager, order).content.decode()
    assert "撤销点单" in html
    assert "受理并排期" not in html and 'value="accept"' not in html and 'value="decline"' not in html
    start = timezone.localtime() + timedelta(days=11)
    for foreign in ({"action": "accept", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
                     "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")},
                    {"action": "decline", "reason": "不要了"}, {"action": "anything"}):
        assert client.post(reverse("culture:order", args=[order.pk]), foreign).status_code == 403, foreign
        order.refresh_from_db()
        assert order.status == GroupOrder.Status.SUBMITTED
    with pytest.raises(services.NotInScope):
        services.group_order_accept(order_id=order.pk, staff=p.district_manager, starts_at=start,
                                    ends_at=start + timedelta(hours=2))

    response = client.post(reverse("culture:order", args=[order.pk]), {"action": "cancel"})
    order.refresh_from_db()
    assert response.status_code == 302 and order.status == GroupOrder.Status.CANCELLED
    assert "撤销点单" not in order_page(client, p.district_manager, order).content.decode()


@pytest.mark.parametrize("who", ["member", "outsider", "sibling"])
def test_a_member_an_outsider_and_a_sibling_districts_staff_see_no_order_and_change_nothing(client, city_palace,
                                                                                            who):
    p = city_palace
    order = order_of(p)
    client.force_login(getattr(p, who))
    assert client.get(reverse("culture:orders")).status_code == (200 if who == "sibling" else 404)
    assert client.get(reverse("culture:order", args=[order.pk])).status_code == 404
    for action in ("cancel", "accept", "decline"):
        assert client.post(reverse("culture:order", args=[order.pk]), {"action": action, "reason": "x"}
                           ).status_code == 404
    with pytest.raises(services.NotInScope):
        services.group_order_cancel(order_id=order.pk, user=getattr(p, who))
    order.refresh_from_db()
    assert order.status == GroupOrder.Status.SUBMITTED


def test_nobody_signed_out_is_sent_to_sign_in(client, city_palace):
    order = order_of(city_palace)
    for url in (reverse("culture:orders"), reverse("culture:order", args=[order.pk])):
        response = client.post(url, {"action": "cancel"})
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    order.refresh_from_db()
    assert order.status == GroupOrder.Status.SUBMITTED


# --- Titles: never 《…《…》》 --------------------------------------------------------------------------------

def test_a_title_holding_its_own_book_marks_is_not_wrapped_again(client, city_palace):
    p = city_palace
    order = order_of(p, item=p.film)
    told = Notification.objects.get(user=p.palace_manager, kind="culture.order.submitted")
    assert told.title == f"新的团体点单：{p.tree.district_a.name} 点了{FILM}"
    services.group_order_decline(order_id=order.pk, staff=p.palace_manager, reason="暂不巡演")
    assert Notification.objects.get(user=p.district_manager, kind="culture.order.declined").title == (
        f"团体点单未能受理：{FILM}")
    html = order_page(client, p.district_manager, order).content.decode()
    assert f"<h1>团体点单：{FILM}</h1>" in html

    plain = order_of(p)
    assert Notification.objects.get(user=p.palace_manager, kind="culture.order.submitted",
                                    url=f"/culture/orders/{plain.pk}/").title.endswith("点了《新春职工文艺汇演》")
    assert "<h1>团体点单：《新春职工文艺汇演》</h1>" in order_page(client, p.palace_manager, plain).content.decode()
    assert not Notification.objects.filter(title__contains="《《").exists()
    assert not Notification.objects.filter(title__contains="》》").exists()
