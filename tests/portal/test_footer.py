"""The footer gives the union hotline 12351 in both languages (#16.9). Persona: a visitor, signed out."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_the_footer_gives_the_union_hotline_in_both_languages(client):
    assert 'href="tel:12351"' in client.get("/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/").content.decode()
    assert 'href="tel:12351"' in page and "hotline" in page.lower()
