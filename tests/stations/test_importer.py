import io

import pytest
from openpyxl import Workbook

from core.models import AuditLogEntry
from stations import geo
from stations.importer import stations_import
from stations.models import OpeningHours, Station

HEADER = "编号,类别,名称,合作单位类型,合作单位,管理工会,所在区,地址,纬度,经度,坐标系,电话,设施,开放时间\n"
GOOD_ROW = "XM-9001,rest,鹭江道邮政驿站,post_office,中国邮政鹭江道营业所,思明区总工会,思明区,鹭江道1号,24.4620,118.0780,gcj02,0592-1234567,饮用水、热饭,1-5 08:00-18:00\n"  # noqa: E501
SERVICE_ROW = "XM-9002,职工服务站,莲花服务站,community_centre,莲花社区,鹭江机械有限公司工会,思明区,莲花路2号,24.4800,118.1200,,,\"water,wifi\",1-7 00:00-次日00:00\n"  # noqa: E501


def run(actor, text, filename="stations.csv", **kwargs):
    return stations_import(actor=actor, upload=io.BytesIO(text.encode("utf-8-sig")), filename=filename, **kwargs)


def test_a_good_file_creates_stations_with_converted_coordinates(personas):
    report = run(personas.manager_a, HEADER + GOOD_ROW + SERVICE_ROW)
    assert report.ok and report.created == 2
    post = Station.objects.get(code="XM-9001")
    assert (post.lat, post.lng) == pytest.approx(geo.gcj02_to_wgs84(24.4620, 118.0780))
    assert post.has_water and post.has_food_heating and not post.has_toilet
    assert OpeningHours.objects.filter(station=post).count() == 5
    service = Station.objects.get(code="XM-9002")
    assert service.kind == "service" and service.branch.name == "鹭江机械有限公司工会"
    assert (service.lat, service.lng) == (24.48, 118.12)  # WGS-84 by default: unchanged
    assert AuditLogEntry.objects.filter(action="station.imported").count() == 1


def test_file_option_says_gcj02_when_there_is_no_column(personas, org_tree):
    text = "名称,所在区,地址,纬度,经度\n某驿站,思明区,某路1号,24.46,118.08\n"
    report = run(personas.manager_a, text, default_branch=org_tree.district_a, coord_system="gcj02")
    assert report.ok
    station = Station.objects.get()
    assert (station.lat, station.lng) == pytest.approx(geo.gcj02_to_wgs84(24.46, 118.08))


def test_every_bad_row_is_reported_and_nothing_saved(personas):
    rows = [
        GOOD_ROW,
        "XM-9001,rest,重复编号,,,思明区总工会,思明区,路1号,24.46,118.08,,,,\n",
        "XM-9003,rest,境外,,,思明区总工会,思明区,路1号,51.5,-0.12,,,,\n",
        "XM-9004,rest,超范围,,,思明区总工会,思明区,路1号,95,118.08,,,,\n",
        "XM-9005,rest,时间重叠,,,思明区总工会,思明区,路1号,24.46,118.08,,,,1 08:00-12:00; 1 11:00-13:00\n",
        "XM-9006,rest,倒挂,,,思明区总工会,思明区,路1号,24.46,118.08,,,,1 18:00-08:00\n",
        "XM-9007,rest,别人的,,,湖里区总工会,湖里区,路1号,24.51,118.14,,,,\n",
        "XM-9008,space,未知类别,,,思明区总工会,思明区,路1号,24.46,118.08,,,游泳池,\n",
        "XM-9009,rest,,,,思明区总工会,思明区,路1号,abc,118.08,,,,\n",
    ]
    report = run(personas.manager_a, HEADER + "".join(rows))
    assert not report.ok and report.created == 0
    got = {(e.row, e.column) for e in report.errors}
    assert {(3, "编号"), (4, "纬度"), (5, "纬度"), (6, "开放时间"), (7, "开放时间"), (8, "管理工会"),
            (9, "类别"), (9, "设施"), (10, "名称"), (10, "纬度")} <= got
    assert (2, "编号") not in got
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert "不在中国境内" in messages[(4, "纬度")]
    assert "重叠" in messages[(6, "开放时间")]
    assert "不在您的管理范围" in messages[(8, "管理工会")]
    assert not Station.objects.exists() and not OpeningHours.objects.exists()


def test_missing_columns_are_reported(personas):
    report = run(personas.manager_a, "名称,地址\n某驿站,某路\n")
    assert {e.column for e in report.errors} == {"lat", "lng", "district", "branch"}


def test_sibling_manager_cannot_import_into_branch_a(personas):
    report = run(personas.manager_b, HEADER + GOOD_ROW)
    assert not report.ok and not Station.objects.exists()


def test_parent_manager_imports_into_the_whole_subtree(personas):
    row_b = "XM-9010,rest,湖里驿站,,,湖里区总工会,湖里区,路1号,24.51,118.14,,,,\n"
    assert run(personas.manager_parent, HEADER + GOOD_ROW + row_b).created == 2


def test_a_member_can_import_nothing(personas, org_tree):
    report = run(personas.member, HEADER + GOOD_ROW)
    assert not report.ok and not Station.objects.exists()


def test_xlsx_is_read_too(personas):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["name", "district", "address", "lat", "lng", "branch", "amenities", "hours"])
    sheet.append(["表格驿站", "思明区", "厦禾路1号", 24.46, 118.09, "思明区总工会", "toilet", "1-7 07:00-19:00"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    report = stations_import(actor=personas.manager_a, upload=buffer, filename="s.xlsx")
    assert report.ok and Station.objects.get().has_toilet
