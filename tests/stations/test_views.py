import re

import pytest
from django.urls import reverse

from stations import services
from stations.models import Need, Rating, Station, Visit
from tests.stations.factories import open_all_day

LIST = reverse("stations:list")


@pytest.fixture
def many(station_factory, personas):
    """Eight stations with hours, ratings and amenities: enough rows for an N+1 to show."""
    stations = []
    for i in range(8):
        station = open_all_day(station_factory(lat=24.46 + i * 0.01, lng=118.10, has_toilet=i % 2 == 0,
                                               kind="service" if i == 7 else "rest"))
        visit = services.visit_record(station_id=station.pk, token=services.station_visit_token(station),
                                      job_type="courier", user=personas.member)
        Rating.objects.create(visit=visit, station=station, user=personas.member, score=3 + i % 3)
        stations.append(station)
    return stations


def test_the_list_works_without_javascript_and_pins_its_queries(client, many, django_assert_max_num_queries):
    # savepoint and release (ATOMIC_REQUESTS), districts, count, page, the page's ratings (one GROUP BY),
    # hours and exceptions (open-now)
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="station-item"') == 8
    assert "正在开放" in html and "★ 3.0" in html
    assert 'id="station-markers"' in html and "vendor/leaflet/leaflet.js" in html


def test_filters_by_kind_and_amenity(client, many):
    html = client.get(LIST, {"amenity": ["toilet"]}).content.decode()
    assert html.count('class="station-item"') == 4
    html = client.get(LIST, {"kind": "service"}).content.decode()
    assert html.count('class="station-item"') == 1


def test_open_now_filter_hides_closed_stations(client, many, station_factory):
    station_factory(name="没有开放时间的站")
    assert "没有开放时间的站" in client.get(LIST).content.decode()
    assert "没有开放时间的站" not in client.get(LIST, {"open_now": "on"}).content.decode()


def test_nearest_to_my_position_shows_distances_nearest_first(client, many, django_assert_max_num_queries):
    # savepoint and release, districts, at most 4 boxes (2 → 6 → 18 → 50 km), the winners, their
    # ratings, hours and exceptions
    with django_assert_max_num_queries(11):
        response = client.get(LIST, {"lat": "24.5", "lng": "118.10"})
    html = response.content.decode()
    names = re.findall(r'<h3><a href="/stations/(\d+)/">', html)
    assert names[0] == str(many[4].pk)  # 24.50 is many[4]
    assert "米" in html or "公里" in html


def test_nearest_in_a_chosen_district_is_measured_from_its_centre_and_says_so(client, many, station_factory):
    """A visitor without a position picks a district: its stations, by distance from the district's centre, and
    no distance reads as if it were from the visitor."""
    station_factory(name="湖里站", district="湖里区", lat=24.51, lng=118.14)
    station_factory(name="湖里二站", district="湖里区", lat=24.52, lng=118.14)
    html = client.get(LIST, {"district": "湖里区"}).content.decode()
    assert re.search(r"湖里站<.*?距区中心 556 米", html, re.S)
    assert "湖里区中心的距离排序（不是到您的距离）" in html
    assert "距您" not in html
    assert html.count('class="station-item"') == 2  # only that district's stations


def test_an_empty_finder_says_so_without_blaming_filters(client, db):
    html = client.get(LIST).content.decode()
    assert "暂时还没有驿站" in html and "条件" not in html.split('id="empty-result"')[1].split("</section>")[0]


def test_detail_shows_hours_amenities_and_map_app_links(client, many):
    station = many[7]
    html = client.get(reverse("stations:detail", args=[station.pk])).content.decode()
    assert "uri.amap.com/navigation" in html and "coord_type=gcj02" in html
    assert "饮用水" in html and "需求清单" in html


def test_navigation_is_web_addresses_for_walking_riding_and_driving(client, many):
    """Links that open in a browser and inside WeChat (an app-only baidumap:// link does nothing there), with
    the mode each map calls walking, riding and driving, in GCJ-02 like the maps."""
    from stations import geo

    station = many[7]
    html = client.get(reverse("stations:detail", args=[station.pk])).content.decode()
    hrefs = re.findall(r'href="([^"]+)"', html.replace("&amp;", "&"))
    nav = [h for h in hrefs if "amap.com" in h or "map.qq.com" in h or "map.baidu.com" in h]
    assert nav and all(h.startswith("https://") for h in nav) and "baidumap://" not in html
    for mode in ("mode=walk", "mode=ride", "mode=car", "type=walk", "type=bike", "type=drive"):
        assert any(mode in h for h in nav), mode
    g_lat, g_lng = geo.wgs84_to_gcj02(station.lat, station.lng)
    assert any(f"to={g_lng:.6f},{g_lat:.6f}" in h for h in nav)
    assert any(f"tocoord={g_lat:.6f},{g_lng:.6f}" in h for h in nav)
    assert any("api.map.baidu.com/marker" in h and "coord_type=gcj02" in h for h in nav)


def test_the_finder_names_the_tile_server_and_its_origin_is_allowed(client, many, settings):
    """The map's pictures come from a third party: the page says which, and only its hosts are let through."""
    html = client.get(LIST).content.decode()
    assert "webrd01.is.autonavi.com" in html and 'data-subdomains="1234"' in html
    policy = client.get(LIST)["Content-Security-Policy"]
    assert all(f"https://webrd0{n}.is.autonavi.com" in policy for n in "1234")
    assert "openstreetmap" not in html and "openstreetmap" not in policy


def test_inactive_station_is_not_public(client, station_factory):
    station = station_factory(is_active=False)
    assert client.get(reverse("stations:detail", args=[station.pk])).status_code == 404


def visit_url(station, token=None):
    return reverse("stations:visit", args=[station.pk, token or services.station_visit_token(station)])


def test_anonymous_worker_records_a_visit_with_a_mobile(client, station_factory):
    station = station_factory()
    assert client.get(visit_url(station)).status_code == 200
    response = client.post(visit_url(station), {"mobile": "13812345678", "job_type": "sanitation"})
    assert response.status_code == 302 and Visit.objects.get().job_type == "sanitation"
    again = client.post(visit_url(station), {"mobile": "13812345678", "job_type": "sanitation"})
    assert again.status_code == 400 and "本小时内" in again.content.decode()
    assert Visit.objects.count() == 1


def test_a_forged_or_foreign_qr_code_is_refused(client, station_factory):
    here, there = station_factory(), station_factory()
    assert client.get(visit_url(here, token="forged-token")).status_code == 404
    response = client.post(visit_url(here, token=services.station_visit_token(there)),
                           {"mobile": "13812345678", "job_type": "courier"})
    assert response.status_code == 404 and "二维码无效" in response.content.decode()
    assert not Visit.objects.exists()


def test_signed_in_member_visits_then_rates(client, station_factory, personas):
    station = station_factory()
    client.force_login(personas.member)
    assert client.post(visit_url(station), {"job_type": "delivery"}).status_code == 302
    assert "评价这次到访" in client.get(reverse("stations:detail", args=[station.pk])).content.decode()
    response = client.post(reverse("stations:rate", args=[station.pk]), {"score": "5", "comment": "很好"})
    assert response.status_code == 302 and Rating.objects.get().score == 5


def test_rating_without_a_visit_shows_a_message(client, station_factory, personas):
    station = station_factory()
    client.force_login(personas.member)
    response = client.post(reverse("stations:rate", args=[station.pk]), {"score": "5"})
    assert response.status_code == 400 and "先扫描" in response.content.decode()
    assert not Rating.objects.exists()


def test_anonymous_cannot_rate(client, station_factory):
    response = client.post(reverse("stations:rate", args=[station_factory().pk]), {"score": "5"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_needs_board_is_public_without_names(client, station_factory, personas):
    station = station_factory(kind=Station.Kind.SERVICE)
    need = services.need_create(user=personas.member, station_id=station.pk, category="jobs", text="想找夜班岗位")
    services.need_answer(actor=personas.manager_a, need_id=need.pk, answer="周六有招聘会")
    html = client.get(reverse("stations:needs", args=[station.pk])).content.decode()
    assert "想找夜班岗位" in html and "周六有招聘会" in html
    assert personas.member.name not in html and personas.member.mobile not in html


def test_member_posts_a_need_and_anonymous_is_sent_to_log_in(client, station_factory, personas):
    station = station_factory(kind=Station.Kind.SERVICE)
    url = reverse("stations:needs", args=[station.pk])
    assert client.post(url, {"category": "legal", "text": "想咨询工伤认定"}).status_code == 302
    assert not Need.objects.exists()
    client.force_login(personas.member)
    assert client.post(url, {"category": "legal", "text": "想咨询工伤认定"}).status_code == 302
    assert Need.objects.get().user == personas.member


@pytest.mark.parametrize(
    "who, status", [("manager_a", 200), ("manager_parent", 200), ("manager_b", 404), ("member", 404)]
)
def test_poster_is_for_the_stations_managers(client, station_factory, personas, who, status):
    station = station_factory()
    client.force_login(getattr(personas, who))
    response = client.get(reverse("stations:poster", args=[station.pk]))
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert "<svg" in html and services.station_visit_token(station) in html


def test_poster_needs_a_login(client, station_factory):
    assert client.get(reverse("stations:poster", args=[station_factory().pk])).status_code == 302


def test_staff_visit_statistics_are_scoped(client, station_factory, personas, org_tree):
    a, b = station_factory(name="甲站"), station_factory(name="乙站", branch=org_tree.district_b)
    for station in (a, b):
        services.visit_record(station_id=station.pk, token=services.station_visit_token(station),
                              job_type="driver", mobile="13812345678")
    url = reverse("stations:staff-visits")
    client.force_login(personas.manager_a)
    html = client.get(url).content.decode()
    assert "甲站" in html and "乙站" not in html
    client.force_login(personas.manager_parent)
    html = client.get(url).content.decode()
    assert "甲站" in html and "乙站" in html
    client.force_login(personas.member)
    assert client.get(url).status_code == 404


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def test_station_photos_are_served_for_active_stations_only(client, station_factory):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from stations.models import StationPhoto

    station = station_factory()
    photo = StationPhoto.objects.create(station=station, image=SimpleUploadedFile("a.png", _png()), caption="门口")
    url = reverse("stations:photo", args=[station.pk, photo.pk])
    assert 'alt="门口"' in client.get(reverse("stations:detail", args=[station.pk])).content.decode()
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"\x89PNG")
    Station.objects.filter(pk=station.pk).update(is_active=False)
    assert client.get(url).status_code == 404
    other = station_factory()
    assert client.get(reverse("stations:photo", args=[other.pk, photo.pk])).status_code == 404


def test_leaflet_is_served_from_the_project():
    from django.contrib.staticfiles import finders

    for name in ("vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css", "vendor/leaflet/LICENSE",
                 "vendor/leaflet/images/marker-icon.png", "stations/finder.js"):
        assert finders.find(name), name


def test_a_visitor_reads_hours_as_people_say_them(client, station_factory):
    """24 hours, split shifts on one line, the closed day named — not 00:00–次日00:00 and a missing Sunday."""
    from stations.hours import hours_parse
    from stations.models import OpeningHours

    all_day = open_all_day(station_factory(name="全天站"))
    html = client.get(reverse("stations:detail", args=[all_day.pk])).content.decode()
    assert "24 小时" in html and "次日00:00" not in html and "24 小时开放" in html
    shifts = station_factory(name="两班站")
    OpeningHours.objects.bulk_create(
        OpeningHours(station=shifts, weekday=i.weekday, opens=i.opens, closes=i.closes)
        for i in hours_parse("1-6 08:00-12:00; 1-6 14:00-18:00")
    )
    html = client.get(reverse("stations:detail", args=[shifts.pk])).content.decode()
    assert "周一至周六" in html and "08:00–12:00、14:00–18:00" in html
    assert re.search(r"<th scope=\"row\">周日</th><td>休息</td>", html)
    assert re.search(r"(今天|明天|周一) \d\d:\d\d (关门|开门)", html)


def test_a_station_manager_without_stations_yet_opens_the_visit_statistics(client, personas, org_tree, staff_of):
    """The home page offers the tool by role; the page must open for the role, not only once stations exist."""
    client.force_login(personas.manager_a)
    response = client.get(reverse("stations:staff-visits"))
    assert response.status_code == 200 and "没有到访记录" in response.content.decode()
    client.force_login(staff_of(org_tree.district_a, role="events_manager"))
    assert client.get(reverse("stations:staff-visits")).status_code == 404
