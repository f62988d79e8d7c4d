"""English pages read as English (#16.9): no full-width colon or brackets from the templates around values, and the
station page shows its facts the English way. Personas: a visitor, signed out."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_a_station_page_in_english_has_no_full_width_marks_around_values(english, station_factory):
    station = station_factory(name="Harbour rest stop", address="1 Harbour Road", partner_name="Harbour Bank",
                              phone="0592-1234567")
    page = english.get(reverse("stations:detail", args=[station.pk])).content.decode()
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "Harbour Bank" in main and "：" not in main and "（" not in main and "）" not in main
