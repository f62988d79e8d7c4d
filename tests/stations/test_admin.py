import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from stations import services
from stations.models import Need, Station

CHANGELIST = reverse("admin:stations_station_changelist")


@pytest.fixture
def two(station_factory, org_tree):
    return station_factory(name="甲站"), station_factory(name="乙站", branch=org_tree.district_b)


@pytest.mark.parametrize(
    "who, visible", [("manager_a", {"甲站"}), ("manager_b", {"乙站"}), ("manager_parent", {"甲站", "乙站"})]
)
def test_changelist_shows_only_the_managers_stations(client, two, personas, who, visible, station_factory,
                                                     org_tree, django_assert_max_num_queries):
    for i in range(5):  # more rows: the count of queries must not grow with them
        station_factory(name=f"其他{i}")
        station_factory(name=f"另外{i}", branch=org_tree.district_b)
    client.force_login(getattr(personas, who))
    with django_assert_max_num_queries(15):
        html = client.get(CHANGELIST).content.decode()
    assert {name for name in ("甲站", "乙站") if name in html} == visible


def test_a_member_has_no_station_admin(client, two, personas):
    client.force_login(personas.member)
    assert client.get(CHANGELIST).status_code == 302  # to the admin login: not staff


def test_another_branchs_station_cannot_be_opened(client, two, personas):
    client.force_login(personas.manager_b)
    response = client.get(reverse("admin:stations_station_change", args=[two[0].pk]))
    assert response.status_code == 302  # "does not exist" redirect, never the form
    client.force_login(personas.manager_a)
    assert client.get(reverse("admin:stations_station_change", args=[two[0].pk])).status_code == 200


def test_branch_choices_are_scoped(client, personas, org_tree):
    client.force_login(personas.manager_a)
    html = client.get(reverse("admin:stations_station_add")).content.decode()
    assert "思明区总工会" in html and "湖里区总工会" not in html


def station_post(branch, **extra):
    data = {
        "kind": "rest", "name": "新驿站", "branch": branch.pk, "district": "思明区", "address": "厦禾路1号",
        "coord_system": "wgs84", "lat": "24.46", "lng": "118.09", "is_active": "on",
    }
    for prefix in ("hours", "exceptions", "photos", "services", "resources"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(extra)
    return data


def test_overlapping_hours_are_refused_in_the_admin(client, personas, org_tree):
    client.force_login(personas.manager_a)
    data = station_post(org_tree.district_a, **{
        "hours-TOTAL_FORMS": "2",
        "hours-0-weekday": "0", "hours-0-opens": "08:00", "hours-0-closes": "12:00",
        "hours-1-weekday": "0", "hours-1-opens": "11:00", "hours-1-closes": "13:00",
    })
    response = client.post(reverse("admin:stations_station_add"), data)
    assert response.status_code == 200 and "重叠" in response.content.decode()
    assert not Station.objects.exists()


def test_coordinates_outside_china_are_refused_in_the_admin(client, personas, org_tree):
    client.force_login(personas.manager_a)
    response = client.post(reverse("admin:stations_station_add"), station_post(org_tree.district_a, lat="48.85",
                                                                                lng="2.35"))
    assert "不在中国境内" in response.content.decode() and not Station.objects.exists()


def test_gcj02_entry_is_converted_and_saved(client, personas, org_tree):
    client.force_login(personas.manager_a)
    data = station_post(org_tree.district_a, coord_system="gcj02", **{
        "hours-TOTAL_FORMS": "1", "hours-0-weekday": "6", "hours-0-opens": "22:00", "hours-0-closes": "06:00",
        "hours-0-closes_next_day": "on",
    })
    assert client.post(reverse("admin:stations_station_add"), data).status_code == 302
    station = Station.objects.get()
    assert station.lat != 24.46 and station.hours.get().closes_next_day


def test_export_is_scoped(client, two, personas):
    client.force_login(personas.manager_a)
    response = client.post(CHANGELIST, {"action": "export_csv", "_selected_action": [s.pk for s in two]})
    body = response.content.decode("utf-8-sig")
    assert "甲站" in body and "乙站" not in body


def test_import_view_reports_rows_and_saves_nothing_on_error(client, personas, org_tree):
    client.force_login(personas.manager_a)
    url = reverse("admin:stations_station_import")
    bad = "名称,所在区,地址,纬度,经度\n甲,思明区,路1号,24.46,118.09\n乙,思明区,路2号,95,118.09\n"
    response = client.post(url, {"file": SimpleUploadedFile("s.csv", bad.encode()), "coord_system": "wgs84",
                                 "default_branch": org_tree.district_a.pk})
    assert response.status_code == 400 and "超出范围" in response.content.decode()
    assert not Station.objects.exists()
    good = io.BytesIO(bad.replace("95,", "24.47,").encode())
    response = client.post(url, {"file": SimpleUploadedFile("s.csv", good.getvalue()), "coord_system": "wgs84",
                                 "default_branch": org_tree.district_a.pk})
    assert response.status_code == 200 and Station.objects.count() == 2


def test_import_default_branch_choices_are_scoped(client, personas, org_tree):
    client.force_login(personas.manager_a)
    url = reverse("admin:stations_station_import")
    response = client.post(url, {"file": SimpleUploadedFile("s.csv", b"name\n"), "coord_system": "wgs84",
                                 "default_branch": org_tree.district_b.pk})
    assert response.status_code == 200 and not Station.objects.exists()
    assert "default_branch" in response.context["form"].errors


def test_daily_visits_view_is_scoped(client, two, personas):
    for station in two:
        services.visit_record(station_id=station.pk, token=services.station_visit_token(station),
                              job_type="driver", mobile="13812345678")
    client.force_login(personas.manager_a)
    html = client.get(reverse("admin:stations_station_visits_daily")).content.decode()
    assert "甲站" in html and "乙站" not in html


def test_need_answered_in_the_admin_goes_through_the_service(client, station_factory, personas):
    station = station_factory(kind="service")
    need = services.need_create(user=personas.member, station_id=station.pk, category="jobs", text="想找夜班岗位")
    client.force_login(personas.manager_b)
    assert client.get(reverse("admin:stations_need_change", args=[need.pk])).status_code == 302
    client.force_login(personas.manager_a)
    response = client.post(reverse("admin:stations_need_change", args=[need.pk]), {"answer": "周六有招聘会"})
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == Need.Status.CLOSED and need.answered_by == personas.manager_a
    assert personas.member.notifications.filter(kind="stations.need_answered").exists()
