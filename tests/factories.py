"""factory_boy factories shared by every app's tests."""

import factory
from factory.django import DjangoModelFactory

from members.models import User


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("mobile",)

    name = factory.Sequence(lambda n: f"职工{n}")
    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")
    mobile_verified = True
