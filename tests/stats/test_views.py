import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.models import AuditLogEntry
from stats import services
from tests.benefits.pdf import pdf_fonts

URL = "/stats/"


@pytest.fixture
def people(world, staff_of, user_factory):
    tree = world.tree
    return {
        "staff_a": staff_of(tree.district_a, role="claims_reviewer"),
        "staff_b": staff_of(tree.district_b, role="station_manager"),
        "staff_parent": staff_of(tree.city, role="finance"),
        "member": world.member_a.user,
        "outsider": user_factory(),
    }


@pytest.fixture
def figures(world, claim_factory):
    claim_factory(world.enrol_a, state="paid", approved="300.00")
    claim_factory(world.enrol_b, state="approved", approved="80.00")
    services.figures_refresh()
    return world


def test_staff_of_a_branch_see_its_subtree_only(client, figures, people):
    client.force_login(people["staff_a"])
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "思明区总工会" in page and "补助申请件数和金额（按补助项目）" in page
    claims = response.context["data"]["charts"]
    by_kind = next(c for c in claims if c["id"] == "claims_kind")
    assert by_kind["rows"][0][1] == 1  # district A's one claim, not district B's
    assert 'id="stats-charts"' in page and "echarts.min.js" in page and "<table>" in page
    assert f'value="{figures.today.isoformat()}"' in page  # the range shown is the range counted


def test_the_parent_sees_both_districts_and_picks_one(client, figures, people):
    client.force_login(people["staff_parent"])
    data = client.get(URL).context["data"]
    assert next(c for c in data["charts"] if c["id"] == "claims_kind")["rows"][0][1] == 2
    by_branch = next(c for c in data["charts"] if c["id"] == "claims_branch")["rows"]
    assert sorted(r[0] for r in by_branch) == ["思明区总工会", "湖里区总工会"]
    response = client.get(URL, {"branch": figures.tree.district_b.pk})
    assert response.status_code == 200 and response.context["branch"] == figures.tree.district_b


@pytest.mark.parametrize("who, status", [("staff_b", 404), ("member", 403), ("outsider", 403)])
def test_a_branch_outside_ones_scope_is_refused(client, figures, people, who, status):
    client.force_login(people[who])
    assert client.get(URL, {"branch": figures.tree.district_a.pk}).status_code == status


def test_signed_out_people_are_sent_to_sign_in(client, figures):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("params, words", [
    ({"date_from": "2026-05-01", "date_to": "2026-01-01"}, "开始日期不能晚于结束日期"),
    ({"date_from": "2019-01-01", "date_to": "2026-01-01"}, "日期范围最长"),
    ({"date_from": "not-a-date"}, "有效的日期"),
])
def test_bad_ranges_say_what_is_wrong_and_draw_nothing(client, figures, people, params, words):
    client.force_login(people["staff_a"])
    response = client.get(URL, params)
    assert response.status_code == 400
    page = response.content.decode()
    assert words in page and 'id="stats-charts"' not in page


def test_an_empty_chart_says_so(client, figures, people):
    client.force_login(people["staff_a"])
    page = client.get(URL, {"date_from": "2001-01-01", "date_to": "2001-12-31"}).content.decode()
    assert "所选范围内没有数据。" in page


def test_downloads_as_csv_and_xlsx(client, figures, people):
    client.force_login(people["staff_parent"])
    csv = client.get(reverse("stats:download", args=["claims_kind", "csv"]))
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("补助项目,申请件数") and "住院" in text
    xlsx = client.get(reverse("stats:download", args=["fund", "xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.values)
    assert rows[0][0] == "年度" and any(r[0] == figures.today.year for r in rows[1:])
    assert client.get(reverse("stats:download", args=["nothing", "csv"])).status_code == 404
    assert client.get(reverse("stats:download", args=["claims_kind", "pdf"])).status_code == 404


def test_downloads_in_english_name_their_sheet_without_excels_forbidden_marks(client, figures, people, settings):
    client.force_login(people["staff_parent"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    xlsx = client.get(reverse("stats:download", args=["aid", "xlsx"]))
    assert xlsx.status_code == 200
    assert load_workbook(io.BytesIO(xlsx.content)).active.title.startswith("Education aid")


def test_download_of_another_branch_is_refused(client, figures, people):
    client.force_login(people["staff_b"])
    url = reverse("stats:download", args=["claims_kind", "csv"])
    assert client.get(url, {"branch": figures.tree.district_a.pk}).status_code == 404


def test_the_refresh_button_queues_a_rebuild(client, figures, people):
    client.force_login(people["staff_a"])
    response = client.post(reverse("stats:refresh"), {"next": "/stats/?branch=1"})
    assert response.status_code == 302 and response["Location"] == "/stats/?branch=1"
    assert AuditLogEntry.objects.filter(action="stats.refresh_requested").exists()
    assert client.post(reverse("stats:refresh"), {"next": "https://evil.example/"})["Location"] == "/stats/"
    client.force_login(people["member"])
    assert client.post(reverse("stats:refresh")).status_code == 403


def test_query_count_does_not_grow_with_the_data(client, world, claim_factory, people, station_factory,
                                                 django_assert_max_num_queries):
    from stations.models import Visit
    from tests.stats.conftest import aware

    client.force_login(people["staff_parent"])

    def grow(n):
        station = station_factory(branch=world.tree.district_a)
        for i in range(n):
            claim_factory(world.enrol_a if i % 2 else world.enrol_b, state="approved", approved="5.00",
                          kind=["hospital_daily", "accidental_injury"][i % 2],
                          submitted=world.today - datetime.timedelta(days=30 * (i % 6)))
            at = aware(world.today - datetime.timedelta(days=i), 9)
            Visit.objects.create(station=station, mobile=f"1380000{i:04d}", job_type="courier", visited_at=at, hour=at)
        services.figures_refresh()

    grow(2)
    with django_assert_max_num_queries(30) as few:
        client.get(URL)
    grow(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(URL).status_code == 200


def test_the_home_page_offers_the_tool_to_staff_only(client, figures, people):
    client.force_login(people["staff_b"])
    assert reverse("stats:dashboard") in client.get("/").content.decode()
    client.force_login(people["member"])
    assert reverse("stats:dashboard") not in client.get("/").content.decode()


def test_the_page_reads_in_english(client, figures, people, settings):
    client.force_login(people["staff_a"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(URL).content.decode()
    assert "Statistics" in page
    for mark in "，。：；（）":
        assert mark not in page.split("<main", 1)[1].split("stats-charts")[0], mark


def test_the_yearly_report_is_a_chinese_pdf_of_the_branch(client, figures, people, station_factory):
    from pypdf import PdfReader

    client.force_login(people["staff_parent"])
    response = client.get(reverse("stats:report"), {"year": figures.today.year})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert f"{figures.today.year}年度工会服务统计报告" in text
    assert "示范市总工会" in text and "互助基金运行情况" in text and "补助申请" in text
    # Every font is embedded (the charts' labels too): the report looks the same in every viewer.
    assert all(pdf_fonts(response.content).values())


def test_a_yearly_report_without_data_or_outside_the_scope_is_refused(client, figures, people):
    client.force_login(people["staff_parent"])
    assert client.get(reverse("stats:report"), {"year": 2001}).status_code == 404
    assert client.get(reverse("stats:report"), {"year": "soon"}).status_code == 302
    client.force_login(people["staff_b"])
    url = reverse("stats:report")
    assert client.get(url, {"year": figures.today.year, "branch": figures.tree.district_a.pk}).status_code == 404


def test_station_visits_are_on_the_finders_map_tiles_shifted_as_they_need(client, figures, people, station_factory,
                                                                          settings):
    """A district's staff see its stations' visits on the station finder's tiles: the page names the tile server,
    and the markers are on its grid (GCJ-02 for AutoNavi's), while the table and downloads keep WGS-84."""
    from stations.geo import wgs84_to_gcj02
    from stations.models import Visit

    station = station_factory(branch=figures.tree.district_a, lat=24.45, lng=118.08)
    at = datetime.datetime.combine(figures.today, datetime.time(10), tzinfo=datetime.UTC)
    for mobile in ("13800000001", "13800000002"):
        Visit.objects.create(station=station, mobile=mobile, job_type="courier", visited_at=at, hour=at)
    services.figures_refresh()
    client.force_login(people["staff_a"])
    settings.STATION_MAP_TILE_GCJ02 = True
    response = client.get(URL)
    page = response.content.decode()
    assert 'id="stats-visits-map"' in page and "leaflet.js" in page and "webrd0{s}.is.autonavi.com" in page
    markers = response.context["charts_json"]["visit_markers"]
    lat, lng = wgs84_to_gcj02(24.45, 118.08)
    assert markers == [[round(lat, 6), round(lng, 6), station.name, 2]]
    table = next(c for c in response.context["data"]["charts"] if c["id"] == "visits_map")["rows"]
    assert table[0][2:] == [118.08, 24.45, 2]  # the table keeps the station's own coordinates
    settings.STATION_MAP_TILE_GCJ02 = False
    assert client.get(URL).context["charts_json"]["visit_markers"] == [[24.45, 118.08, station.name, 2]]
    client.force_login(people["staff_b"])  # another district: not its stations
    assert client.get(URL).context["charts_json"]["visit_markers"] == []
