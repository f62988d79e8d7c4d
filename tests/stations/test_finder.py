"""The finder as a visitor and a signed-in member meet it on a phone (#16.5): the results first and the map
below them; search by name, address or district; distances only from the user's position (a district search
says "from the district centre"); an empty result that says why and names the nearest station beyond."""

import re

import pytest
from django.urls import reverse

from tests.stations.factories import open_all_day

LIST = reverse("stations:list")
XIAMEN = {"lat": "24.4660", "lng": "118.1190"}
BEIJING = {"lat": "39.9042", "lng": "116.4074"}


@pytest.fixture
def xiamen(station_factory):
    """Five stations: three in 思明区 (one a post office by the sea, one with a nursing room), two in 湖里区."""
    return {
        "post": open_all_day(station_factory(name="鹭江道邮政驿站", district="思明区", address="思明区鹭江道8号",
                                             lat=24.4662, lng=118.1192)),
        "park": open_all_day(station_factory(name="中山公园驿站", district="思明区", address="思明区公园南路1号",
                                             lat=24.4600, lng=118.1000)),
        "mothers": open_all_day(station_factory(name="莲花驿站", district="思明区", address="思明区莲前西路2号",
                                                lat=24.4800, lng=118.1400, has_nursing_room=True)),
        "jiangtou": open_all_day(station_factory(name="江头驿站", district="湖里区", address="湖里区江头北路3号",
                                                 lat=24.5000, lng=118.1500)),
        "wuyuan": open_all_day(station_factory(name="五缘湾驿站", district="湖里区", address="湖里区五缘湾道9号",
                                               lat=24.5200, lng=118.1800)),
    }


@pytest.fixture(params=["visitor", "member"])
def person(request, client, personas):
    """The same finder for a visitor (signed out) and a signed-in member."""
    if request.param == "member":
        client.force_login(personas.member)
    return client


def _names(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/stations/\d+/">([^<]+)</a>', html)


def test_after_nearest_to_me_the_results_come_before_the_map(person, xiamen):
    """On a phone the first result must not sit below the filters and the map: in the page's order the results
    come before the map, and the filters are folded away."""
    html = person.get(LIST, XIAMEN).content.decode()
    first_result = html.index('class="station-item"')
    assert first_result < html.index('id="station-map"')
    assert first_result < html.index('id="station-markers"')
    assert re.search(r'<details class="filter-panel">', html)  # folded: not open
    assert _names(html)[0] == "鹭江道邮政驿站"


def test_with_my_position_the_distances_are_from_me(person, xiamen):
    html = person.get(LIST, XIAMEN).content.decode()
    assert "按离您的距离排序" in html
    assert re.search(r"鹭江道邮政驿站<.*?距您 30 米", html, re.S)
    assert "距区中心" not in html


def test_a_district_without_my_position_is_measured_from_its_centre(person, xiamen):
    html = person.get(LIST, {"district": "湖里区"}).content.decode()
    assert "按到湖里区中心的距离排序（不是到您的距离）" in html
    assert "距您" not in html and html.count("距区中心") == 2
    assert set(_names(html)) == {"江头驿站", "五缘湾驿站"}


def test_a_district_with_my_position_narrows_the_list_and_measures_from_me(person, xiamen):
    html = person.get(LIST, {**XIAMEN, "district": "湖里区"}).content.decode()
    assert _names(html) == ["江头驿站", "五缘湾驿站"]
    assert "距区中心" not in html and html.count("距您") == 2


@pytest.mark.parametrize("q, expected", [
    ("邮政", {"鹭江道邮政驿站"}),  # a name
    ("五缘湾道", {"五缘湾驿站"}),  # an address
    ("湖里", {"江头驿站", "五缘湾驿站"}),  # a district
    ("思明 莲前", {"莲花驿站"}),  # every word must match
    ("100%", set()),  # LIKE's wildcards are text
    ("_", set()),
])
def test_search_by_name_address_or_district(person, xiamen, q, expected):
    html = person.get(LIST, {"q": q}).content.decode()
    assert set(_names(html)) == expected


def test_a_search_from_my_position_is_nearest_first_with_my_distances(person, xiamen):
    html = person.get(LIST, {**XIAMEN, "q": "思明区"}).content.decode()
    assert _names(html) == ["鹭江道邮政驿站", "中山公园驿站", "莲花驿站"]
    assert html.count("距您") == 3


def test_an_empty_result_far_away_names_the_nearest_station_and_blames_no_filter(person, xiamen):
    """From Beijing with no filter set: nothing within 50 km, and the nearest station with its distance — not
    "try fewer filters"."""
    html = person.get(LIST, BEIJING).content.decode()
    empty = html.split('id="empty-result"')[1].split("</section>")[0]
    assert "50 公里内没有驿站。" in empty
    assert "条件" not in empty
    assert "范围外最近的驿站" in empty
    assert re.search(r"五缘湾驿站<.*?距您 1\d{3} 公里", empty, re.S)


def test_an_empty_result_with_filters_names_them_and_finds_one_beyond(person, xiamen):
    html = person.get(LIST, {**XIAMEN, "radius_km": "1", "amenity": "nursing_room"}).content.decode()
    empty = html.split('id="empty-result"')[1].split("</section>")[0]
    assert "1 公里内没有符合条件的驿站。" in empty
    assert "已设条件：母婴室。" in empty and "清除条件再找" in empty
    assert "扩大到 50 公里" in empty
    assert re.search(r"莲花驿站<.*?距您 \d\.\d 公里", empty, re.S)  # the nearest with a nursing room
    clear = re.search(r'<a href="\?([^"]+)">清除条件再找', empty).group(1)
    assert "amenity" not in clear and "lat=24.466" in clear


def test_filters_nothing_matches_anywhere_then_the_nearest_of_all(person, xiamen):
    html = person.get(LIST, {**XIAMEN, "q": "没有这个站"}).content.decode()
    empty = html.split('id="empty-result"')[1].split("</section>")[0]
    assert "已设条件：“没有这个站”。" in empty
    assert "不限条件时最近的驿站" in empty and "鹭江道邮政驿站" in empty


@pytest.mark.parametrize("q", ["x" * 3000, "a\x00b", "%", "' OR 1=1 --", "思明" * 30])
def test_hostile_search_text_is_refused_with_a_message_and_the_rest_still_applies(person, xiamen, q):
    response = person.get(LIST, {"q": q, "district": "湖里区"})
    assert response.status_code == 200
    html = response.content.decode()
    if len(q) > 50 or "\x00" in q:
        assert 'class="errorlist"' in html
        if len(q) > 50:
            assert "搜索内容最多 50 个字" in html
        assert set(_names(html)) == {"江头驿站", "五缘湾驿站"}  # the district still applies
    else:  # read as text: matches nothing, said so
        assert "没有符合条件的驿站" in html and f"“{q}”" in html.replace("&#x27;", "'")


def test_the_search_list_pins_its_queries(client, xiamen, django_assert_max_num_queries):
    # districts, count, page, ratings, hours, exceptions (savepoint and release do not apply: the door runs
    # outside a transaction)
    with django_assert_max_num_queries(6):
        html = client.get(LIST, {"q": "驿站"}).content.decode()
    assert len(_names(html)) == 5


def test_the_nearest_search_with_text_pins_its_queries(client, xiamen, django_assert_max_num_queries):
    # districts, at most 4 boxes (2 → 6 → 18 → 50 km), the winners with their ratings, their hours and
    # exceptions of the week
    with django_assert_max_num_queries(8):
        html = client.get(LIST, {**XIAMEN, "q": "驿站"}).content.decode()
    assert len(_names(html)) == 5


@pytest.mark.parametrize("value", ["0", "-1", "99999999999999999999", "abc", "1e999", "NaN", "a\x00b", "x" * 3000])
def test_a_hostile_radius_is_reported_and_the_default_applies(person, xiamen, value):
    response = person.get(LIST, {**XIAMEN, "radius_km": value})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="errorlist"' in html and "<details class=\"filter-panel\" open>" in html
    assert len(_names(html)) == 5  # searched with the default 50 km


def test_the_district_search_pins_its_queries(client, xiamen, django_assert_max_num_queries):
    # districts, the centre, the index's version and (inside the test's transaction) its rows, the winners'
    # details, their hours and the week's exceptions
    with django_assert_max_num_queries(7):
        html = client.get(LIST, {"district": "湖里区"}).content.decode()
    assert len(_names(html)) == 2


@pytest.mark.parametrize("query", [XIAMEN, {**XIAMEN, "radius_km": "nope"}])
def test_the_range_shown_is_the_range_searched(person, xiamen, query):
    """Without a range (or with one refused) the search uses 50 km, and the select must not show another."""
    html = person.get(LIST, query).content.decode()
    select = re.search(r'<select name="radius_km"[^>]*>(.*?)</select>', html, re.S).group(1)
    options = re.findall(r'<option value="(\d+)"( selected)?', select)
    selected = [value for value, mark in options if mark] or [options[0][0]]  # none marked: the first shows
    assert selected == ["50"]
