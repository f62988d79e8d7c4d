"""The station finder as an outdoor worker walks it on a phone: the browser gives the position ("nearest to me"),
the filters keep the stations that are open now and have drinking water, the nearest such one is opened, and its
navigation link points at a web map with the station's coordinates. The page never needs a foreign server: every
request off the live server is refused, and the finder must still work. Persona: a visitor, signed out."""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from tests.browser.conftest import page_check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HERE = {"latitude": 24.4660, "longitude": 118.1190}  # the worker, on 鹭江道


@pytest.fixture
def stations(org_tree):
    from types import SimpleNamespace

    from tests.stations.factories import StationFactory, open_all_day

    def station(name, lat_offset, *, open_=True, **fields):
        made = StationFactory(branch=org_tree.district_a, name=name, lat=HERE["latitude"] + lat_offset,
                              lng=HERE["longitude"], **fields)
        return open_all_day(made) if open_ else made

    return SimpleNamespace(
        # Closer ones that do not fit: no drinking water; closed (no opening hours); not published.
        dry=station("鹭江道无水驿站", 0.0008, has_water=False),
        closed=station("鹭江道夜间闭站驿站", 0.0012, open_=False),
        hidden=station("鹭江道未发布驿站", 0.0005, is_active=False),
        nearest=station("鹭江道邮政驿站", 0.0030),
        farther=station("中山路环卫驿站", 0.0200),
    )


def test_a_visitor_finds_the_nearest_open_station_with_water_and_opens_navigation(browsing, live_server, stations):
    page = browsing.open()
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation(HERE)
    # Hermetic: map tiles and anything else off the live server are refused; the list is the page.
    local = urlsplit(live_server.url).netloc
    page.context.route(lambda url: urlsplit(url).netloc != local, lambda route: route.abort())

    page.goto(reverse("stations:list"))
    page_check(page)
    page.locator("#locate-me").click()  # shown by the script where the browser can locate
    page.wait_for_url("**lat=*")
    page_check(page)
    assert "按离您的距离排序" in page.inner_text("main")

    # Filters: open now, drinking water.
    page.locator("details.filter-panel summary").click()
    page.check("input[name=amenity][value=water]")
    page.check("input[name=open_now]")
    page.locator("details.filter-panel button[type=submit]").click()
    page.wait_for_url("**open_now=on*")
    page_check(page)
    names = page.locator("#station-results .station-item h3").all_inner_texts()
    assert names == [stations.nearest.name, stations.farther.name], names
    first = page.locator("#station-results .station-item").first
    assert "正在开放" in first.inner_text() and "饮用水" in first.inner_text()
    assert "距您" in first.inner_text() and "米" in first.inner_text()

    first.get_by_role("link", name=stations.nearest.name).click()
    page.wait_for_url("**" + reverse("stations:detail", args=[stations.nearest.pk]))
    page_check(page)
    # Every navigation link is a web address (it opens in any browser and in WeChat), none app-only.
    section = page.locator("section[aria-labelledby=nav-h]")
    for link in section.get_by_role("link").all():
        assert urlsplit(link.get_attribute("href")).scheme == "https", link.get_attribute("href")
    navigation = section.locator("tr", has_text="步行").get_by_role("link", name="高德地图")
    href = navigation.get_attribute("href")
    parts = urlsplit(href)
    assert parts.scheme == "https" and parts.netloc == "uri.amap.com" and parts.path == "/navigation", href
    # The destination is the station (GCJ-02 shifts WGS-84 by a few hundred metres at most in China).
    lng, lat = (float(x) for x in href.split("to=", 1)[1].split(",")[:2])
    assert abs(lat - stations.nearest.lat) < 0.01 and abs(lng - stations.nearest.lng) < 0.01, href
