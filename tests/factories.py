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
    password = factory.django.Password("correct-horse-battery")
    mobile_verified = True


def make_branch(name: str, *, parent=None, kind: str | None = None, **fields):
    """A branch in the tree (treebeard needs add_root/add_child, not a plain create)."""
    from members.models import Branch

    if kind is None:
        kind = Branch.Kind.CITY if parent is None else Branch.Kind.BASE
    if parent is None:
        return Branch.objects.add_root(instance=Branch(name=name, kind=kind, **fields))
    parent.refresh_from_db()  # treebeard keeps child counts on the parent row
    return Branch.objects.add_child(parent, instance=Branch(name=name, kind=kind, **fields))


def id_number_for(serial: int, birth: str = "19850315") -> str:
    """A valid ID number (right checksum) that differs by `serial`."""
    from members.id_numbers import checksum_char

    first17 = f"350203{birth}{serial % 1000:03d}"
    if serial >= 1000:
        first17 = f"{350203 + serial // 1000:06d}{birth}{serial % 1000:03d}"
    return first17 + checksum_char(first17)


class MemberFactory(DjangoModelFactory):
    class Meta:
        model = "members.Member"

    user = factory.SubFactory(UserFactory)
    name = factory.LazyAttribute(lambda o: o.user.name if o.user else "职工")
    id_number = factory.Sequence(lambda n: id_number_for(n + 1))
    birth_date = factory.LazyAttribute(lambda o: __import__("datetime").date(1985, 3, 15))
    gender = "M"
    mobile = factory.LazyAttribute(lambda o: o.user.mobile if o.user else "13700000000")
    employer = "鹭江机械有限公司"
    status = "active"
    member_number = factory.Sequence(lambda n: f"T{n:09d}")
    joined_at = factory.LazyFunction(lambda: __import__("django.utils.timezone").utils.timezone.now())


class ApplicantFactory(UserFactory):
    """A signed-in person who is not (yet) a member."""

    name = factory.Sequence(lambda n: f"申请人{n}")
    mobile = factory.Sequence(lambda n: f"136{n:08d}")


def apply_form_data(serial: int, **overrides) -> dict:
    """Valid input for `membership_apply` (without user and branch)."""
    data = {
        "name": f"申请人{serial}",
        "id_number": id_number_for(500 + serial, birth="19880808"),  # never one the member factory makes
        "mobile": f"135{serial:08d}",
        "employer": "鹭江机械有限公司",
        "employment_type": "standard",
    }
    data.update(overrides)
    return data
