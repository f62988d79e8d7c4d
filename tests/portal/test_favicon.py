"""The portal's icon: in every browser tab, and at /favicon.ico, which browsers ask for by themselves."""

from django.contrib.staticfiles import finders


def test_a_signed_out_visitors_browser_gets_the_icon_at_favicon_ico(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content).startswith(b"\x00\x00\x01\x00")  # an ICO file
    assert "max-age=86400" in response["Cache-Control"]


def test_every_page_links_the_icon_and_the_files_exist(client, db):
    page = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    assert '<link rel="icon" href="/static/favicon.ico" sizes="32x32">' in page
    assert finders.find("favicon.svg") and finders.find("favicon.ico")
