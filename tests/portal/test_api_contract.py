"""What a generated API client relies on (docs/api.md), asserted here; `.ci/api-contract` fuzzes the same
against the schema with Schemathesis. Personas: anonymous, a member (owner of their data), a second member."""

import json

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from portal import views

pytestmark = pytest.mark.django_db
ME = "/api/v1/me/"


def _envelope(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    # Messages are text a person reads, never a Python repr of a list or dict.
    for text in [error["message"], *(m for messages in error["fields"].values() for m in messages)]:
        assert isinstance(text, str) and not text.startswith(("[", "{", "ErrorDetail")), text
    return error


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/api/v1/stations/null,null/", "/api/nothing",
                                  "/api/v1/claims/1/documents/not-a-token/"])
def test_an_unknown_api_path_answers_the_json_envelope_not_a_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert _envelope(response)["code"] == "not_found"


def test_an_unknown_page_outside_the_api_is_still_the_friendly_html_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_a_crash_under_the_api_answers_the_envelope():
    request = RequestFactory().get("/api/v1/stations/")
    response = views.error_500(request)
    assert response.status_code == 500
    assert json.loads(response.content)["error"]["code"] == "server_error"


@pytest.mark.parametrize("body", ["[null]", '"text"', "3", "[]", "null", "true"])
def test_a_json_body_that_is_not_an_object_answers_400(member_factory, org_tree, body):
    owner = member_factory(branch=org_tree.base_a1).user
    api = APIClient()
    api.force_authenticate(owner)
    for method, path in (("post", "/api/v1/stations/1/active/"), ("patch", ME), ("post", "/api/v1/claims/")):
        response = getattr(api, method)(path, body, content_type="application/json")
        assert response.status_code == 400, (path, response.content)
        assert "JSON" in _envelope(response)["message"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_literals_are_not_json(member_factory, org_tree, literal):
    owner = member_factory(branch=org_tree.base_a1).user
    api = APIClient()
    api.force_authenticate(owner)
    response = api.patch(ME, f'{{"name": {literal}}}', content_type="application/json")
    assert response.status_code == 400
    _envelope(response)


def test_a_name_of_invisible_characters_is_refused_with_a_field_message(member_factory, org_tree):
    owner = member_factory(branch=org_tree.base_a1).user
    api = APIClient()
    api.force_authenticate(owner)
    before = owner.name
    for name in ("\u200b\u200b", "\u3000\u200d", "\ufeff", "\u2800\u3164"):
        response = api.patch(ME, {"name": name}, format="json")
        assert response.status_code == 400, name
        assert "不可见" in _envelope(response)["fields"]["name"][0]
    owner.refresh_from_db()
    assert owner.name == before
    assert api.patch(ME, {"name": "李\u200d明"}, format="json").status_code == 200  # visible text is fine


def test_the_throttle_answers_429_in_the_envelope_with_retry_after(client, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "1000/min"})
    answers = [client.get("/api/v1/stations/") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert _envelope(answers[-1])["code"] == "throttled"
    assert int(answers[-1]["Retry-After"]) > 0


def test_one_users_throttle_is_not_anothers(member_factory, org_tree, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"anon": "1000/min", "user": "2/min"})
    first, second = APIClient(), APIClient()
    first.force_authenticate(member_factory(branch=org_tree.base_a1).user)
    second.force_authenticate(member_factory(branch=org_tree.base_a1).user)
    assert [first.get(ME).status_code for _ in range(3)] == [200, 200, 429]
    assert second.get(ME).status_code == 200


def test_a_browser_session_without_its_csrf_token_gets_the_envelope(client, member_factory, org_tree):
    csrf_client = type(client)(enforce_csrf_checks=True)
    csrf_client.force_login(member_factory(branch=org_tree.base_a1).user)
    response = csrf_client.patch(ME, {"name": "王五"}, content_type="application/json")
    assert response.status_code == 403
    _envelope(response)


def test_the_schema_documents_every_shared_answer(client):
    schema = client.get("/api/schema/?format=json").json()
    operations = {(m.upper(), p): op for p, ops in schema["paths"].items() for m, op in ops.items()}
    me = operations[("GET", "/api/v1/me/")]["responses"]
    assert {"200", "401", "403", "429"} <= set(me)
    assert me["401"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}
    claim_create = operations[("POST", "/api/v1/claims/")]["responses"]
    assert {"201", "400", "401", "403", "404", "415", "429"} <= set(claim_create)
    # Public reads never answer 401/403; a station that does not exist answers 404.
    station = operations[("GET", "/api/v1/stations/{id}/")]["responses"]
    assert "404" in station and "401" not in station
    # Lists paginated by hand are documented as pages, with their parameters.
    ratings = operations[("GET", "/api/v1/stations/{id}/ratings/")]
    ref = ratings["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"count", "next", "previous", "results"}
    assert {"page", "page_size"} <= {p["name"] for p in ratings["parameters"]}
    # Opening hours are wall-clock times without an offset: a pattern, not JSON Schema's `time` format.
    opens = schema["components"]["schemas"]["OpeningHours"]["properties"]["opens"]
    assert "format" not in opens and opens["pattern"].startswith("^")



def test_an_id_beyond_64_bits_is_a_field_message_not_a_crash(staff_of, org_tree):
    """Staff persona: a generated client sends ids as big as JSON allows."""
    api = APIClient()
    api.force_authenticate(staff_of(org_tree.base_a1, role="branch_admin"))
    response = api.post("/api/v1/staff/applications/decide/",
                        {"decision": "approve", "ids": [7773579707229257110975938560, 5]}, format="json")
    assert response.status_code == 400
    assert list(_envelope(response)["fields"]) == ["ids.0"]
    for path in ("/api/v1/staff/members/99999999999999999999999/", "/api/v1/branches/99999999999999999999999/"):
        response = api.get(path)
        assert response.status_code == 404
        assert "matches the given query" not in _envelope(response)["message"]  # no model names, translated


def test_a_nested_error_is_flattened_to_a_path_not_a_repr(member_factory, org_tree):
    owner = member_factory(branch=org_tree.base_a1).user
    api = APIClient()
    api.force_authenticate(owner)
    response = api.post("/api/v1/claims/", {"enrolment": 1, "kind": "inpatient_self_pay",
                                            "invoice_numbers": [{"nested": 1}, "FP1"]}, format="json")
    assert response.status_code == 400
    assert "invoice_numbers.0" in _envelope(response)["fields"]
