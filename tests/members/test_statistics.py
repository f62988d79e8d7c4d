from decimal import Decimal

import pytest
from django.urls import reverse

from members.data.statistics import branch_statistics, statistics_for_staff
from tests.factories import make_branch

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted_tree(org_tree, member_factory):
    """Workers: district A 100 (own) + A1 60 + A2 40; B1 300. Active members: A1 3, B1 1; A2 has only a
    member who left."""
    for branch, workers in ((org_tree.district_a, 100), (org_tree.base_a1, 60), (org_tree.base_a2, 40),
                            (org_tree.base_b1, 300)):
        branch.worker_count = workers
        branch.save(update_fields=["worker_count"])
    member_factory.create_batch(3, branch=org_tree.base_a1)
    member_factory(branch=org_tree.base_a2, status="left")
    member_factory(branch=org_tree.base_b1)
    return org_tree


def test_numbers_per_branch_over_its_subtree(counted_tree):
    t = counted_tree
    stats = {s.branch_id: s for s in branch_statistics([t.city.pk, t.district_a.pk, t.base_a2.pk, t.district_b.pk])}
    city, district_a = stats[t.city.pk], stats[t.district_a.pk]
    assert (city.members, city.workers, city.base_unions, city.base_unions_covered) == (4, 500, 3, 2)
    assert city.unionisation_rate == Decimal("0.8")
    assert (district_a.members, district_a.workers, district_a.base_unions_covered) == (3, 200, 1)
    assert district_a.unionisation_rate == Decimal("1.5")
    assert (stats[t.base_a2.pk].members, stats[t.base_a2.pk].base_unions_covered) == (0, 0)
    assert stats[t.district_b.pk].unionisation_rate == Decimal("0.3")  # 1/300 = 0.333…% → 0.3


def test_rate_is_none_without_workers_and_rounds_half_up(org_tree, member_factory):
    assert branch_statistics([org_tree.district_b.pk])[0].unionisation_rate is None
    org_tree.base_b1.worker_count = 8
    org_tree.base_b1.save()
    member_factory(branch=org_tree.base_b1)  # 1/8 = 12.5 %
    assert branch_statistics([org_tree.base_b1.pk])[0].unionisation_rate == Decimal("12.5")
    org_tree.base_b1.worker_count = 16
    org_tree.base_b1.save()  # 1/16 = 6.25 % → 6.3
    assert branch_statistics([org_tree.base_b1.pk])[0].unionisation_rate == Decimal("6.3")


def test_statistics_take_one_query_with_3_or_30_branches(org_tree, member_factory, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert len(branch_statistics([org_tree.city.pk, org_tree.district_a.pk, org_tree.district_b.pk])) == 3
    for i in range(27):
        base = make_branch(f"新增工会{i:02d}", parent=org_tree.district_b, kind="base", worker_count=10)
        member_factory(branch=base)
    from members.models import Branch

    ids = list(Branch.objects.values_list("id", flat=True))
    assert len(ids) == 33
    with django_assert_num_queries(1):
        stats = branch_statistics(ids)
    assert {s.branch_id: s for s in stats}[org_tree.district_b.pk].members == 27


def test_staff_sees_their_branches_and_direct_children(counted_tree, staff_of):
    t = counted_tree
    sections = statistics_for_staff(staff_of(t.district_a))
    assert len(sections) == 1
    own, children = sections[0]
    assert own.branch_id == t.district_a.pk and {c.branch_id for c in children} == {t.base_a1.pk, t.base_a2.pk}


def test_statistics_page_queries_do_not_grow_with_branches(client, org_tree, staff_of, member_factory,
                                                           django_assert_max_num_queries):
    staff = staff_of(org_tree.city)
    client.force_login(staff)
    with django_assert_max_num_queries(8) as small:
        assert client.get(reverse("members:statistics")).status_code == 200
    for i in range(30):
        make_branch(f"街道{i:02d}", parent=org_tree.city, kind="street")
    with django_assert_max_num_queries(8) as large:
        response = client.get(reverse("members:statistics"))
    assert len(small.captured_queries) == len(large.captured_queries)
    assert len(response.context["sections"][0][1]) == 32


def test_statistics_page_personas(client, counted_tree, staff_of, user_factory):
    client.force_login(staff_of(counted_tree.base_b1, role="station_manager"))
    response = client.get(reverse("members:statistics"))
    assert response.status_code == 200 and counted_tree.base_b1.name in response.content.decode()
    assert counted_tree.base_a1.name not in response.content.decode()
    client.force_login(user_factory())
    assert client.get(reverse("members:statistics")).status_code == 403
    client.logout()
    assert client.get(reverse("members:statistics")).status_code == 302


def test_statistics_api_is_scoped(client, counted_tree, staff_of, user_factory):
    t = counted_tree
    url = reverse("api:branch-statistics", args=[t.district_a.pk])
    client.force_login(staff_of(t.district_a))
    data = client.get(url).json()
    assert (data["members"], data["workers"], data["base_unions_covered"], data["unionisation_rate"]) == (
        3, 200, 1, "1.5")
    assert {c["branch_id"] for c in data["children"]} == {t.base_a1.pk, t.base_a2.pk}
    client.force_login(staff_of(t.city))
    assert client.get(url).status_code == 200  # staff of the parent
    client.force_login(staff_of(t.district_b))
    assert client.get(url).status_code == 404  # sibling
    client.force_login(user_factory())
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code in (401, 403)
