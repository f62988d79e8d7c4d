"""No error page from any public address (#16.2, in part): every public GET of the palace and the finder, pages and
API, with hostile values in each query parameter and path segment — far dates, NUL, huge numbers, wrong types, very
long text — answers below 500, and the API answers its JSON envelope. Personas: a visitor (signed out) and a member
(signed in)."""

import pytest

pytestmark = pytest.mark.django_db

HOSTILE = ["9999-12-31", "0001-01-01", "a%00b", "99999999999999999999", "-1", "abc", "1e999", "NaN", "x" * 3000]
# Each public GET and the query parameters it reads.
ROUTES = {
    "/culture/": ["q", "category", "venue", "date_from", "date_to", "price", "seats_left", "page"],
    "/culture/week/": ["start"],
    "/api/v1/events/": ["q", "category", "venue", "date_from", "date_to", "price", "seats_left", "page", "page_size"],
    "/stations/": ["kind", "amenity", "open_now", "district", "lat", "lng", "page"],
    "/api/v1/stations/": ["lat", "lng", "radius_km", "limit", "kind", "amenity", "open_now", "district", "page"],
}
# Paths with a segment of their own.
PATHS = ["/culture/items/{}/", "/culture/tickets/{}/", "/culture/images/{}/", "/stations/{}/", "/stations/{}/poster/",
         "/api/v1/events/{}/", "/api/v1/stations/{}/", "/api/v1/stations/{}/ratings/", "/api/v1/stations/{}/needs/",
         "/stations/1/visit/{}/", "/benefits/letters/verify/{}/", "/card/verify/{}/"]


def _answers_well(response, url):
    assert response.status_code < 500, url
    if url.startswith("/api/"):
        assert response["Content-Type"].startswith("application/json"), url
        if response.status_code >= 400:
            assert set(response.json()["error"]) == {"code", "message", "fields"}, url


# Each request in its own transaction, as served (ATOMIC_REQUESTS): a refused request rolls back only itself.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_every_query_parameter_takes_any_value_without_an_error_page(client, member_factory, org_tree, route):
    signed_in = type(client)()
    signed_in.force_login(member_factory(branch=org_tree.base_a1).user)
    for visitor in (client, signed_in):
        for name in ROUTES[route]:
            for value in HOSTILE:
                url = f"{route}?{name}={value}"
                _answers_well(visitor.get(url), url)


@pytest.mark.parametrize("path", PATHS)
def test_every_path_segment_takes_any_value_without_an_error_page(client, path):
    for value in HOSTILE:
        url = path.format(value)
        _answers_well(client.get(url), url)


def test_far_dates_are_refused_with_a_message_not_a_crash(client):
    """The two addresses found answering 500: a far end date on the menu and in the API, a far week."""
    page = client.get("/culture/?date_to=9999-12-31")
    assert page.status_code in (200, 400) and "日期应在" in page.content.decode()
    api = client.get("/api/v1/events/?date_to=9999-12-31")
    assert api.status_code == 400 and "date_to" in api.json()["error"]["fields"]
    assert client.get("/culture/week/?start=0001-01-01").status_code == 200
