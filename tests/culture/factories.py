"""Factories of the cultural palace's tests."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from culture.models import Category, MenuItem, Session, Venue


class VenueFactory(DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"第{n}展厅")
    kind = Venue.Kind.HALL
    capacity = 200
    address = "示范市工人路 1 号"


class MenuItemFactory(DjangoModelFactory):
    class Meta:
        model = MenuItem

    title = factory.Sequence(lambda n: f"职工文艺演出 {n}")
    description = "全市职工文艺汇演"
    category = Category.PERFORMANCE
    venue = factory.SubFactory(VenueFactory, branch=factory.SelfAttribute("..branch"))
    tags = "演出 周末"
    status = MenuItem.Status.PUBLISHED
    max_seats_per_booking = 2
    cancel_hours_before = 2


class SessionFactory(DjangoModelFactory):
    class Meta:
        model = Session

    item = factory.SubFactory(MenuItemFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    capacity = 10
    price = Decimal("50.00")
    member_price = Decimal("20.00")
