"""Headers every page carries: a Content-Security-Policy that allows no inline script, and no-store on anything a
signed-in person sees (it may show their personal data)."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def _directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/culture/", "/stations/", "/accounts/login/", "/benefits/"])
def test_a_visitor_gets_a_policy_without_inline_script_on_every_public_page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    directives = _directives(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_the_map_tiles_origin_is_allowed_for_images(client):
    directives = _directives(client.get("/stations/"))
    assert "data:" in directives["img-src"]
    assert any(source.startswith("https://") for source in directives["img-src"])


def test_no_template_carries_an_inline_script_style_attribute_or_event_handler():
    """What the policy would block in a browser, found in the source: every template of the project."""
    offenders = []
    for template in BASE_DIR.glob("**/templates/**/*.html"):
        if ".venv" in template.parts:
            continue
        text = template.read_text()
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"\sstyle=\"", r"\son[a-z]+=\"", r"<style"):
            if re.search(pattern, text):
                offenders.append(f"{template.relative_to(BASE_DIR)}: {pattern}")
    assert offenders == []


@pytest.mark.django_db
def test_pages_of_a_signed_in_member_are_never_stored(client, member_factory, org_tree):
    """The member (owner of the data) signs in: their pages carry private, no-store; signed out they do not."""
    assert "no-store" not in client.get("/culture/").get("Cache-Control", "")
    member = member_factory(branch=org_tree.base_a1)
    client.force_login(member.user)
    for url in ["/", reverse("benefits:my-cover"), "/culture/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], url


@pytest.mark.django_db
def test_api_answers_to_a_signed_in_member_are_never_stored(client, member_factory, org_tree):
    member = member_factory(branch=org_tree.base_a1)
    client.force_login(member.user)
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_api_docs_allow_inline_styles_but_never_inline_scripts(client):
    for url in ["/api/docs/", "/api/redoc/"]:
        response = client.get(url)
        assert response.status_code == 200
        directives = _directives(response)
        assert "'unsafe-inline'" in directives["style-src"]
        assert directives["script-src"] == ["'self'"]
        assert "<script>" not in response.content.decode()

