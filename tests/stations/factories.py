"""Factories of the stations app's tests."""

from datetime import time

import factory
from factory.django import DjangoModelFactory

from stations.models import OpeningHours, Station


class StationFactory(DjangoModelFactory):
    class Meta:
        model = Station

    kind = Station.Kind.REST
    name = factory.Sequence(lambda n: f"测试驿站{n}")
    partner_type = Station.PartnerType.POST_OFFICE
    partner_name = "中国邮政鹭江道营业所"
    district = "思明区"
    address = factory.Sequence(lambda n: f"厦门市思明区鹭江道{n}号")
    lat = 24.4660
    lng = 118.1190
    has_water = True
    has_rest_seats = True


def open_all_day(station: Station) -> Station:
    """Every weekday 00:00 to next day 00:00, so "open now" holds whenever the test runs."""
    OpeningHours.objects.bulk_create(
        OpeningHours(station=station, weekday=d, opens=time(0), closes=time(0), closes_next_day=True) for d in range(7)
    )
    return station
