"""Visits and ratings (#16.8): a signed-in worker visits with one tap (their occupation remembered), visits with a
typed-in number are counted apart from verified people, a refused rating names its real reason, and only one's
own visits open a rating. Personas: a signed-in member, a signed-out visitor, someone who typed the member's
number, the station manager of the district."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from stations import services
from stations.models import Rating, Visit

pytestmark = pytest.mark.django_db


def _visit_url(station):
    return reverse("stations:visit", args=[station.pk, services.station_visit_token(station)])


def test_a_signed_in_worker_visits_again_with_one_tap(client, station_factory, personas):
    first, second = station_factory(), station_factory()
    client.force_login(personas.member)
    page = client.get(_visit_url(first)).content.decode()
    assert "一键登记" not in page  # nothing to remember yet: the occupation is asked
    client.post(_visit_url(first), {"job_type": "delivery"})
    page = client.get(_visit_url(second)).content.decode()
    assert "一键登记到访（" in page and 'type="hidden" name="job_type" value="delivery"' in page
    assert client.post(_visit_url(second), {"job_type": "delivery"}).status_code == 302
    assert list(Visit.objects.order_by("id").values_list("job_type", "mobile_verified")) == [
        ("delivery", True), ("delivery", True)]


def test_typed_in_numbers_are_counted_apart_from_verified_people(client, station_factory, personas, org_tree):
    station = station_factory(branch=org_tree.district_a)
    client.post(_visit_url(station), {"mobile": "13812340001", "job_type": "courier"})
    client.post(_visit_url(station), {"mobile": "13812340002", "job_type": "courier"})
    client.force_login(personas.member)
    client.post(_visit_url(station), {"job_type": "delivery"})
    assert sorted(Visit.objects.values_list("mobile_verified", flat=True)) == [False, False, True]
    client.force_login(personas.manager_a)
    page = client.get(reverse("stations:staff-visits")).content.decode()
    row = page.split(station.name)[1].split("</tr>")[0]
    assert [cell.split("</td>")[0] for cell in row.split("<td>")[1:]] == ["3", "1", "2"]  # visits, people, apart


def test_a_second_rating_is_refused_for_its_real_reason(client, station_factory, personas):
    station = station_factory()
    client.force_login(personas.member)
    client.post(_visit_url(station), {"job_type": "delivery"})
    assert client.post(reverse("stations:rate", args=[station.pk]), {"score": "4"}).status_code == 302
    again = client.post(reverse("stations:rate", args=[station.pk]), {"score": "5"})
    text = again.content.decode()
    assert again.status_code == 400 and "您已评价过" in text and "先扫描" not in text
    assert Rating.objects.count() == 1


def test_a_visit_typed_in_with_someones_number_does_not_let_them_rate(station_factory, personas, user_factory):
    station = station_factory()
    unverified = user_factory(mobile="13812349876", mobile_verified=False)
    services.visit_record(station_id=station.pk, token=services.station_visit_token(station), job_type="courier",
                          mobile="13812349876", now=timezone.now() - timedelta(hours=2))
    with pytest.raises(services.StationError) as refused:
        services.rating_create(user=unverified, station_id=station.pk, score=5)
    assert "先扫描" in refused.value.message and not Rating.objects.exists()
