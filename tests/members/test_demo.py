"""The demo federation: a realistic tree, members with valid ID numbers, three accounts; safe to run twice."""

from members import demo
from members.id_numbers import parse_id_number
from members.models import Branch, Member, MembershipApplication


def test_seed_is_idempotent_and_realistic(db):
    rows = demo.seed()
    counts = (Branch.objects.count(), Member.objects.count(), MembershipApplication.objects.count())
    assert demo.seed() == rows
    assert (Branch.objects.count(), Member.objects.count(), MembershipApplication.objects.count()) == counts
    assert Branch.objects.find_problems() == ([], [], [], [], [])

    kinds = set(Branch.objects.values_list("kind", flat=True))
    assert kinds == set(Branch.Kind.values)
    assert set(Branch.objects.exclude(federated_type="").values_list("federated_type", flat=True)) == set(
        Branch.FederatedType.values
    )
    assert Member.objects.filter(status="active").count() >= 30
    for member in Member.objects.all():
        _number, birth_date, gender = parse_id_number(member.id_number)
        assert (birth_date, gender) == (member.birth_date, member.gender)
    numbers = list(Member.objects.exclude(member_number=None).values_list("member_number", flat=True))
    assert len(numbers) == len(set(numbers))

    member_user = Member.objects.get(user__mobile="13900000002")
    assert member_user.status == "active" and member_user.branch.kind == "base"
    assert [row[1] for row in rows] == ["13900000000", "13900000001", "13900000002"]
