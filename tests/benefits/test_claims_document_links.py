"""Claim documents opened by an app (no session cookie): links signed for the user who asked, short-lived,
checked again on every request; and the headers every document is served with. Personas: the claimant (owner),
the base union's reviewer (staff), another member and a stranger with the link (outsiders)."""

import time
from urllib.parse import urlsplit

import pytest
from django.core import signing
from rest_framework.test import APIClient

from benefits.claims import services as claims
from members.models import StaffRole
from tests.benefits.claims_helpers import PDF_BYTES, draft_stay, png_bytes, upload

pytestmark = pytest.mark.django_db
BASE = "/api/v1/claims/"


def _token_client(client, user) -> APIClient:
    """An app client: authenticated by allauth headless's session token only, no cookies."""
    client.force_login(user)
    app = APIClient(enforce_csrf_checks=True)
    app.credentials(HTTP_X_SESSION_TOKEN=client.session.session_key)
    return app


def _a_draft_with_a_photo(world):
    claim = draft_stay(world)
    document = claims.document_add(actor=world.claimant.user, claim_id=claim.pk, kind="discharge_summary",
                                   upload=upload(png_bytes(), "summary.png", "image/png"))
    return claim, document


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_an_app_opens_its_own_document_with_the_signed_link_and_no_cookie(client, claim_world):
    claim, _document = _a_draft_with_a_photo(claim_world)
    app = _token_client(client, claim_world.claimant.user)
    url = app.get(f"{BASE}{claim.pk}/").json()["documents"][0]["url"]
    assert url.startswith("http://testserver/benefits/claims/documents/") and "sig=" in url
    response = APIClient().get(_path(url))  # a fresh client: no session, no token, only the link
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"
    # Someone else's content from the portal's origin: sandboxed, never sniffed, never stored.
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_the_upload_answer_carries_a_signed_link_too(client, claim_world):
    claim = draft_stay(claim_world)
    app = _token_client(client, claim_world.claimant.user)
    response = app.post(f"{BASE}{claim.pk}/documents/", {"kind": "invoice", "file": upload(PDF_BYTES, "a.pdf")},
                        format="multipart")
    assert response.status_code == 201
    opened = APIClient().get(_path(response.json()["url"]))
    assert opened.status_code == 200 and opened["Content-Type"] == "application/pdf"


def test_a_link_expires(client, claim_world, settings, monkeypatch):
    settings.CLAIM_DOCUMENT_URL_MAX_AGE = 60
    claim, _document = _a_draft_with_a_photo(claim_world)
    url = _token_client(client, claim_world.claimant.user).get(f"{BASE}{claim.pk}/").json()["documents"][0]["url"]
    later = time.time() + 61
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert APIClient().get(_path(url)).status_code == 404


def test_a_forged_or_moved_signature_opens_nothing(client, claim_world):
    claim, document = _a_draft_with_a_photo(claim_world)
    other_claim = claims.claim_create(actor=claim_world.other.user, enrolment_id=claim_world.other_enrolment.pk,
                                      kind="inpatient_self_pay", facts={})
    other_document = claims.document_add(actor=claim_world.other.user, claim_id=other_claim.pk,
                                         kind="discharge_summary", upload=upload(png_bytes(), "x.png", "image/png"))
    url = _token_client(client, claim_world.claimant.user).get(f"{BASE}{claim.pk}/").json()["documents"][0]["url"]
    path = _path(url)
    signature = path.split("sig=")[1]
    stranger = APIClient()
    assert stranger.get(path[:-3] + "xyz").status_code == 404  # tampered
    # The owner's signature on another member's document: it names the first document, so it opens nothing.
    assert stranger.get(f"/benefits/claims/documents/{other_document.token}/?sig={signature}").status_code == 404
    # No signature and no session: nothing.
    assert stranger.get(f"/benefits/claims/documents/{document.token}/").status_code == 404


def test_the_link_outlives_neither_the_role_nor_the_document(client, claim_world, django_capture_on_commit_callbacks):
    claim, document = _a_draft_with_a_photo(claim_world)
    with django_capture_on_commit_callbacks(execute=True):
        claims.document_add(actor=claim_world.claimant.user, claim_id=claim.pk, kind="invoice",
                            upload=upload(PDF_BYTES, "a.pdf"))
        claims.claim_submit(actor=claim_world.claimant.user, claim_id=claim.pk)
    reviewer = claim_world.reviewer_base
    review = _token_client(client, reviewer).get(f"/api/v1/claims/review/{claim.pk}/").json()
    url = _path(next(d["url"] for d in review["documents"] if d["token"] == str(document.token)))
    assert APIClient().get(url).status_code == 200
    StaffRole.objects.filter(user=reviewer).delete()  # the reviewer leaves the role
    assert APIClient().get(url).status_code == 404


def test_another_member_cannot_open_it_with_their_own_session(client, claim_world):
    _claim, document = _a_draft_with_a_photo(claim_world)
    client.force_login(claim_world.other.user)
    assert client.get(f"/benefits/claims/documents/{document.token}/").status_code == 404


def test_the_owner_still_opens_it_in_the_browser_with_the_session(client, claim_world):
    _claim, document = _a_draft_with_a_photo(claim_world)
    client.force_login(claim_world.claimant.user)
    response = client.get(f"/benefits/claims/documents/{document.token}/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"].startswith("sandbox")
