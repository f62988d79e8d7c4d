import pytest

from stats import services


@pytest.fixture
def figures(world, claim_factory, staff_of):
    claim_factory(world.enrol_a, state="paid", approved="300.00")
    services.figures_refresh()
    world.staff_a = staff_of(world.tree.district_a)
    world.staff_b = staff_of(world.tree.district_b)
    return world


def test_the_dashboard_answers_the_same_figures_scoped(api_client, figures):
    api_client.force_authenticate(figures.staff_a)
    body = api_client.get("/api/v1/stats/").json()
    assert body["branch"]["id"] == figures.tree.district_a.pk
    kinds = next(c for c in body["charts"] if c["id"] == "claims_kind")
    assert kinds["rows"][0][1] == 1
    assert any(y["year"] == figures.today.year for y in body["fund"]["years"])


def test_another_branch_answers_404(api_client, figures):
    api_client.force_authenticate(figures.staff_b)
    response = api_client.get("/api/v1/stats/", {"branch": figures.tree.district_a.pk})
    assert response.status_code == 404
    assert api_client.get("/api/v1/stats/fund/", {"branch": figures.tree.district_a.pk}).status_code == 404


def test_a_backwards_range_answers_400_with_a_message(api_client, figures):
    api_client.force_authenticate(figures.staff_a)
    response = api_client.get("/api/v1/stats/", {"date_from": "2026-05-01", "date_to": "2026-01-01"})
    assert response.status_code == 400
    assert "开始日期不能晚于结束日期" in response.json()["error"]["message"]
    response = api_client.get("/api/v1/stats/", {"date_from": "nope"})
    assert response.status_code == 400 and "date_from" in response.json()["error"]["fields"]


def test_one_chart_and_one_year(api_client, figures):
    api_client.force_authenticate(figures.staff_a)
    assert api_client.get("/api/v1/stats/charts/claims_state/").json()["rows"] == [["已发放", 1]]
    assert api_client.get("/api/v1/stats/charts/nothing/").status_code == 404
    assert api_client.get("/api/v1/stats/fund/", {"year": figures.today.year}).json()["years"][0]["plan_id"]
    assert api_client.get("/api/v1/stats/fund/", {"year": 1999}).status_code == 404


def test_members_and_strangers_are_refused(api_client, figures, user_factory):
    api_client.force_authenticate(figures.member_a.user)
    assert api_client.get("/api/v1/stats/").status_code == 403
    assert api_client.post("/api/v1/stats/refresh/").status_code == 403
    api_client.force_authenticate(None)
    assert api_client.get("/api/v1/stats/").status_code in (401, 403)


def test_staff_can_ask_for_a_refresh(api_client, figures):
    api_client.force_authenticate(figures.staff_a)
    response = api_client.post("/api/v1/stats/refresh/")
    assert response.status_code == 202 and response.json() == {"queued": True}
