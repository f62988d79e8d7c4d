import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from stations import services
from stations.models import Need, Rating, Station, Visit
from tests.stations.factories import open_all_day

SEARCH = reverse("api:stations-search")


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def grid(station_factory, personas):
    stations = []
    for i in range(10):
        station = open_all_day(station_factory(name=f"网格{i}", lat=24.40 + i * 0.01, lng=118.10,
                                               has_wifi=i % 2 == 1, kind="service" if i == 9 else "rest"))
        visit = services.visit_record(station_id=station.pk, token=services.station_visit_token(station),
                                      job_type="courier", user=personas.member)
        Rating.objects.create(visit=visit, station=station, user=personas.member, score=4)
        stations.append(station)
    station_factory(name="关闭的站", lat=24.455, lng=118.10, is_active=False)
    return stations


def test_search_is_sorted_by_distance_with_the_distance(api, grid, django_assert_max_num_queries):
    # savepoint, release, boxes (2 → 6 km here), the winners with their ratings, their hours and exceptions
    # of today and yesterday: no N+1
    with django_assert_max_num_queries(6):
        response = api.get(SEARCH, {"lat": 24.452, "lng": 118.10, "limit": 5})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["name"] for r in results] == ["网格5", "网格6", "网格4", "网格7", "网格3"]
    assert results[0]["distance_km"] == pytest.approx(0.222, abs=0.01)
    assert results[0]["open_now"] is True and results[0]["rating_avg"] == 4.0 and results[0]["rating_count"] == 1
    assert "关闭的站" not in {r["name"] for r in results}


def test_search_filters_amenity_kind_open_now_and_radius(api, grid, station_factory):
    station_factory(name="无时间", lat=24.45, lng=118.10)
    wifi = api.get(SEARCH, {"lat": 24.45, "lng": 118.10, "amenity": "wifi"}).json()["results"]
    assert wifi and all("wifi" in r["amenities"] for r in wifi)
    both = api.get(SEARCH, {"lat": 24.45, "lng": 118.10, "amenity": "wifi,water"}).json()["results"]
    assert {r["name"] for r in both} == {r["name"] for r in wifi}
    service = api.get(SEARCH, {"lat": 24.45, "lng": 118.10, "kind": "service"}).json()["results"]
    assert [r["name"] for r in service] == ["网格9"]
    open_now = api.get(SEARCH, {"lat": 24.45, "lng": 118.10, "open_now": "true", "limit": 100}).json()["results"]
    assert "无时间" not in {r["name"] for r in open_now} and len(open_now) == 10
    near = api.get(SEARCH, {"lat": 24.45, "lng": 118.10, "radius_km": 1.2}).json()["results"]
    assert {r["name"] for r in near} == {"网格4", "网格5", "网格6", "无时间"}
    assert all(r["distance_km"] <= 1.2 for r in near)


def test_search_without_a_position_is_a_paginated_list(api, grid, django_assert_max_num_queries):
    # savepoint, release, count, page, its ratings, hours and exceptions of today and yesterday
    with django_assert_max_num_queries(7):
        body = api.get(SEARCH, {"page_size": 4}).json()
    assert body["count"] == 10 and len(body["results"]) == 4 and body["next"]


@pytest.mark.parametrize(
    "params",
    [{"lat": 95, "lng": 118}, {"lat": 24, "lng": 200}, {"lat": 24}, {"lat": "abc", "lng": 118},
     {"lat": 24, "lng": 118, "radius_km": 0}, {"amenity": "pool"}, {"kind": "spa"}],
)
def test_bad_search_parameters_answer_400(api, db, params):
    response = api.get(SEARCH, params)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"


def test_detail(api, grid, django_assert_max_num_queries):
    station = grid[9]
    with django_assert_max_num_queries(9):
        body = api.get(reverse("api:stations-detail", args=[station.pk])).json()
    assert body["name"] == "网格9" and len(body["hours"]) == 7
    assert body["navigation"]["amap"].startswith("https://uri.amap.com/navigation")


def test_inactive_detail_is_404(api, station_factory):
    station = station_factory(is_active=False)
    assert api.get(reverse("api:stations-detail", args=[station.pk])).status_code == 404


def test_visit_via_api_and_repeats_refused(api, station_factory):
    station = station_factory()
    url = reverse("api:stations-visit-create", args=[station.pk])
    token = services.station_visit_token(station)
    ok = api.post(url, {"token": token, "job_type": "driver", "mobile": "13812345678"}, format="json")
    assert ok.status_code == 201
    again = api.post(url, {"token": token, "job_type": "driver", "mobile": "13812345678"}, format="json")
    assert again.status_code == 400 and "本小时内" in again.json()["error"]["message"]
    forged = api.post(url, {"token": "nope", "job_type": "driver", "mobile": "13812345679"}, format="json")
    error = forged.json()["error"]
    assert forged.status_code == 400 and error["fields"] == {"token": [error["message"]]}
    other = station_factory()
    moved = api.post(reverse("api:stations-visit-create", args=[other.pk]),
                     {"token": token, "job_type": "driver", "mobile": "13812345670"}, format="json")
    assert moved.status_code == 400
    assert Visit.objects.count() == 1


def test_rating_via_api_needs_a_visit(api, station_factory, personas):
    station = station_factory()
    url = reverse("api:stations-ratings", args=[station.pk])
    assert api.post(url, {"score": 5}, format="json").status_code == 403
    api.force_authenticate(personas.member)
    refused = api.post(url, {"score": 5}, format="json")
    assert refused.status_code == 400 and not Rating.objects.exists()
    services.visit_record(station_id=station.pk, token=services.station_visit_token(station), job_type="other",
                          user=personas.member)
    assert api.post(url, {"score": 5, "comment": "好"}, format="json").status_code == 201
    assert api.post(url, {"score": 9}, format="json").status_code == 400
    api.force_authenticate(None)
    assert api.get(url).json()["results"][0]["score"] == 5


def test_needs_via_api_public_without_names_and_answered_in_scope(api, station_factory, personas):
    station = station_factory(kind=Station.Kind.SERVICE)
    url = reverse("api:stations-needs", args=[station.pk])
    api.force_authenticate(personas.member)
    created = api.post(url, {"category": "hardship", "text": "家里有困难想申请帮扶"}, format="json")
    assert created.status_code == 201
    need_id = created.json()["id"]
    answer_url = reverse("api:stations-need-answer", args=[need_id])
    for who, status in (("member", 404), ("manager_b", 404), ("manager_parent", 200)):
        api.force_authenticate(getattr(personas, who))
        assert api.post(answer_url, {"answer": "已登记，下周走访"}, format="json").status_code == status
    api.force_authenticate(None)
    public = api.get(url).json()["results"][0]
    assert public["answer"] == "已登记，下周走访" and public["status"] == "closed"
    assert "user" not in public and personas.member.name not in str(public)
    assert Need.objects.get().answered_by == personas.manager_parent


def test_rating_reply_is_scoped(api, station_factory, personas):
    station = station_factory()
    visit = services.visit_record(station_id=station.pk, token=services.station_visit_token(station),
                                  job_type="other", user=personas.member)
    rating = Rating.objects.create(visit=visit, station=station, user=personas.member, score=2)
    url = reverse("api:stations-rating-reply", args=[rating.pk])
    api.force_authenticate(personas.manager_b)
    assert api.post(url, {"reply": "抱歉"}, format="json").status_code == 404
    api.force_authenticate(personas.manager_a)
    assert api.post(url, {"reply": "抱歉，已整改"}, format="json").status_code == 200


@pytest.mark.parametrize(
    "who, expected", [("manager_a", {"甲"}), ("manager_b", {"乙"}), ("manager_parent", {"甲", "乙"}), ("member", set())]
)
def test_managed_list_and_visit_stats_are_scoped(api, station_factory, personas, org_tree, who, expected):
    a = station_factory(name="甲")
    station_factory(name="乙", branch=org_tree.district_b)
    api.force_authenticate(getattr(personas, who))
    names = {r["name"] for r in api.get(reverse("api:stations-managed")).json()["results"]}
    assert names == expected
    stats = api.get(reverse("api:stations-visit-stats", args=[a.pk]))
    assert stats.status_code == (200 if "甲" in expected else 404)


def test_staff_close_a_station_in_scope_only(api, station_factory, personas):
    station = station_factory()
    url = reverse("api:stations-active", args=[station.pk])
    api.force_authenticate(personas.manager_b)
    assert api.post(url, {"is_active": False}, format="json").status_code == 404
    api.force_authenticate(personas.manager_a)
    assert api.post(url, {"is_active": False}, format="json").status_code == 200
    station.refresh_from_db()
    assert not station.is_active


def test_anonymous_sees_no_managed_stations(api, db):
    assert api.get(reverse("api:stations-managed")).status_code == 403


def test_schema_is_valid(db):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_visit_stats_count_per_day_and_refuse_bad_days(api, station_factory, personas):
    station = station_factory()
    for mobile in ("13812345678", "13812345679"):
        services.visit_record(station_id=station.pk, token=services.station_visit_token(station),
                              job_type="courier", mobile=mobile)
    api.force_authenticate(personas.manager_a)
    url = reverse("api:stations-visit-stats", args=[station.pk])
    rows = api.get(url).json()
    # Two typed-in numbers: two visits, counted apart from verified people (#16.8).
    assert len(rows) == 1 and (rows[0]["visits"], rows[0]["people"], rows[0]["unverified"]) == (2, 0, 2)
    assert api.get(url, {"days": "abc"}).status_code == 400


@pytest.mark.parametrize("query", [
    "lat=24.452&lng=118.10", "lat=24.452&lng=118.10&limit=5", "lat=-90&lng=180&limit=100&radius_km=500",
    "lat=90.0&lng=-180&radius_km=0.05&limit=1", "lat=24&lng=118&radius_km=0.04", "lat=24&lng=118&limit=0",
    "lat=24&lng=118&limit=101", "lat=91&lng=118", "lat=24&lng=180.5", "lat=24&lng=118&limit=5.0",
    "lat=1e1&lng=118", "lat=nan&lng=118", "lat=24&lng=118&lat=25", "lat=24", "lat=24&lng=118&kind=rest",
    "lat=2_4&lng=118", "lat= 24&lng=118", "lat=24&lng=118&radius_km=", "lat=24&lng=118&kind=nope",
    "lat=24&lng=118&kind=rest&kind=service", "lat=24&lng=118&kind=", "lat=24&lng=118&amenity=toilet,wifi",
    "lat=24&lng=118&amenity=toilet&amenity=wifi", "lat=24&lng=118&amenity=bogus", "lat=24&lng=118&amenity=wifi,",
    "lat=24&lng=118&amenity=", "lat=24&lng=118&open_now=true", "lat=24&lng=118&district=思明区",
])
def test_quick_parameter_reading_agrees_with_the_serializer(query):
    """The search reads plain positions, kinds and amenities without StationSearchParams; whatever it takes, it
    reads as the view and serializer do, and it leaves everything else to the serializer."""
    from django.http import QueryDict

    from stations.api import _fast_search_params
    from stations.serializers import StationSearchParams

    quick = _fast_search_params(QueryDict(query))
    data = QueryDict(query, mutable=True)  # as the DRF view hands it to the serializer
    data.setlist("amenity", [a for value in data.getlist("amenity") for a in value.split(",") if a])
    params = StationSearchParams(data=data)
    if query in ("lat=24.452&lng=118.10", "lat=24.452&lng=118.10&limit=5", "lat=-90&lng=180&limit=100&radius_km=500",
                 "lat=24&lng=118&kind=rest", "lat=24&lng=118&amenity=toilet,wifi",
                 "lat=24&lng=118&amenity=toilet&amenity=wifi"):
        assert quick is not None
    if query in ("lat=24&lng=118&kind=nope", "lat=24&lng=118&amenity=bogus", "lat=24&lng=118&open_now=true"):
        assert quick is None
    if quick is not None:
        assert params.is_valid(), params.errors
        taken = {k: params.validated_data[k] for k in ("lat", "lng", "radius_km", "limit", "kind", "amenity")
                 if params.validated_data.get(k)}
        if "amenity" in taken:  # the serializer's list, the quick reading's set: the view sorts either
            taken["amenity"] = set(taken["amenity"])
        assert quick == taken
        assert not params.validated_data["open_now"] and not params.validated_data.get("district")


@pytest.mark.parametrize("query", [{"lat": 24.452, "lng": 118.10, "limit": 5}, {"lat": 24.45, "lng": 118.1},
                                   {"lat": 24.41, "lng": 118.1, "radius_km": 2.5, "limit": 3},
                                   {"lat": 50, "lng": 80, "radius_km": 10},
                                   {"lat": 24.45, "lng": 118.1, "amenity": "wifi"},
                                   {"lat": 24.45, "lng": 118.1, "amenity": ["wifi", "water"], "kind": "rest"},
                                   {"lat": 24.45, "lng": 118.1, "kind": "service", "limit": 3}])
def test_the_plain_search_answers_the_bytes_drf_answers(api, grid, query):
    """The common search skips DRF's request cycle; its body and headers are what DRF's JSONRenderer gives
    (an Accept header the plain path does not take sends the same query through DRF)."""
    Station.objects.filter(pk=grid[5].pk).update(name="网格\u2028五", address="鹭江道\u2029\"1\"号")
    plain = api.get(SEARCH, query)
    through_drf = api.get(SEARCH, query, HTTP_ACCEPT="application/json; indent=0, */*;q=0.1")
    through_drf_compact = api.get(SEARCH, query, HTTP_ACCEPT="application/json;q=0.9")
    assert plain.status_code == through_drf_compact.status_code == 200
    assert plain.content == through_drf_compact.content
    assert plain.json() == through_drf.json()
    assert plain["Content-Type"] == through_drf_compact["Content-Type"] == "application/json"
    assert plain["Allow"] == through_drf_compact["Allow"] and "Accept" in plain["Vary"]
    if query["lat"] in (24.452, 24.45) and query.get("kind") != "service":  # the renamed station is among them
        assert "网格\u2028五" in {r["name"] for r in plain.json()["results"]}
        assert "\\u2028" in plain.content.decode() and "\u2028" not in plain.content.decode()


def test_other_searches_still_go_through_drf(api, grid):
    html = api.get(SEARCH, {"lat": 24.45, "lng": 118.1}, HTTP_ACCEPT="text/html")
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")  # the browsable API
    bad_token = api.get(SEARCH, {"lat": 24.45, "lng": 118.1}, HTTP_X_SESSION_TOKEN="not-a-token")
    assert bad_token.status_code == 200  # DRF's authenticators decide about the token (AllowAny: answered)
    assert bad_token.json() == api.get(SEARCH, {"lat": 24.45, "lng": 118.1}).json()
    assert api.get(SEARCH, {"lat": 95, "lng": 118}).json()["error"]["code"] == "invalid"
    assert api.post(SEARCH, {"lat": 24.45, "lng": 118.1}).status_code == 405


def test_the_search_doors_run_outside_transactions():
    """So that they use the process's shared index (inside a transaction each search would build its own)."""
    from django.urls import resolve

    assert resolve(SEARCH).func._non_atomic_requests == {"default"}
    assert resolve(reverse("stations:list")).func._non_atomic_requests == {"default"}


# --- text search (#16.5) --------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_search_by_name_address_or_district(api, grid, station_factory, personas, who):
    if who == "member":
        api.force_authenticate(personas.member)
    station_factory(name="湖里邮政驿站", district="湖里区", address="湖里区江头北路3号", lat=24.51, lng=118.14)
    by_name = api.get(SEARCH, {"q": "网格3"}).json()
    assert [r["name"] for r in by_name["results"]] == ["网格3"]
    by_address = api.get(SEARCH, {"q": "江头北路"}).json()["results"]
    by_district = api.get(SEARCH, {"q": "湖里"}).json()["results"]
    assert [r["name"] for r in by_address] == [r["name"] for r in by_district] == ["湖里邮政驿站"]
    assert api.get(SEARCH, {"q": "%"}).json()["results"] == []


def test_text_search_from_a_position_is_nearest_first_like_the_plain_search(api, grid, django_assert_max_num_queries):
    # savepoint and release are skipped (outside a transaction); boxes 2 → 6 km here; the winners with their
    # ratings, hours and exceptions
    with django_assert_max_num_queries(6):
        matched = api.get(SEARCH, {"lat": 24.452, "lng": 118.10, "limit": 5, "q": "网格"}).json()["results"]
    plain = api.get(SEARCH, {"lat": 24.452, "lng": 118.10, "limit": 5}).json()["results"]
    assert matched == plain  # every station here is named 网格…: the same answer, the same fields
    one = api.get(SEARCH, {"lat": 24.452, "lng": 118.10, "q": "网格9"}).json()["results"]
    assert [r["name"] for r in one] == ["网格9"] and one[0]["distance_km"] == pytest.approx(4.2, abs=0.1)


@pytest.mark.parametrize("q", ["x" * 51, "a\x00b"])
def test_hostile_search_text_answers_the_400_envelope(api, grid, q):
    response = api.get(SEARCH, {"lat": 24.452, "lng": 118.10, "q": q})
    assert response.status_code == 400
    assert "q" in response.json()["error"]["fields"]


def test_the_schema_documents_the_text_search():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/stations/"]["get"]["parameters"]}
    assert parameters["q"]["schema"] == {"type": "string", "maxLength": 50}
