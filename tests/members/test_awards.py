from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from core.models import AuditLogEntry
from members.data.awards import (
    AwardError,
    award_decide,
    award_evaluate,
    award_nominate,
    award_year_totals,
    awarded_in_year,
)
from members.models import Award

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org_tree, staff_of):
    from types import SimpleNamespace

    return SimpleNamespace(
        base_a1=staff_of(org_tree.base_a1), district_a=staff_of(org_tree.district_a),
        district_b=staff_of(org_tree.district_b), city=staff_of(org_tree.city),
    )


def _awarded(org_tree, people, branch, *, year=2026, category="benchmark", score="92.5", subsidy="20000"):
    award = award_nominate(actor=people.city, branch=branch, year=year, category=category,
                           item="职工之家" if category == "single_item" else "")
    award_evaluate(actor=people.city, award_id=award.pk, score=score, subsidy=subsidy)
    return award_decide(actor=people.city, award_id=award.pk, approve=True)


def test_nominate_evaluate_award(org_tree, people):
    award = award_nominate(actor=people.base_a1, branch=org_tree.base_a1, year=2026, category="benchmark")
    assert award.status == "nominated"
    award = award_evaluate(actor=people.district_a, award_id=award.pk, score="88.5", subsidy="10000.005")
    assert (award.status, award.score, award.subsidy, award.evaluated_by) == (
        "evaluated", Decimal("88.5"), Decimal("10000.01"), people.district_a)
    award = award_decide(actor=people.district_a, award_id=award.pk, approve=True)
    assert award.status == "awarded" and award.decided_at
    assert AuditLogEntry.objects.filter(action__startswith="members.award.").count() == 3


def test_rules_refuse_with_reasons(org_tree, people):
    with pytest.raises(AwardError, match="只评定基层工会"):
        award_nominate(actor=people.district_a, branch=org_tree.district_a, year=2026, category="benchmark")
    with pytest.raises(AwardError, match="无权"):
        award_nominate(actor=people.district_a, branch=org_tree.base_b1, year=2026, category="benchmark")
    with pytest.raises(AwardError, match="项目名称"):
        award_nominate(actor=people.district_a, branch=org_tree.base_a1, year=2026, category="single_item")
    award = award_nominate(actor=people.base_a1, branch=org_tree.base_a1, year=2026, category="benchmark")
    with pytest.raises(AwardError, match="同类别"):
        award_nominate(actor=people.district_a, branch=org_tree.base_a1, year=2026, category="benchmark")
    with pytest.raises(AwardError, match="不能评定自己"):
        award_evaluate(actor=people.base_a1, award_id=award.pk, score="90", subsidy="100")
    with pytest.raises(AwardError, match="找不到"):
        award_evaluate(actor=people.district_b, award_id=award.pk, score="90", subsidy="100")
    with pytest.raises(AwardError, match="0 到 100"):
        award_evaluate(actor=people.district_a, award_id=award.pk, score="100.5", subsidy="100")
    with pytest.raises(AwardError, match="负数"):
        award_evaluate(actor=people.district_a, award_id=award.pk, score="90", subsidy="-1")
    with pytest.raises(AwardError, match="已评分"):
        award_decide(actor=people.district_a, award_id=award.pk, approve=True)
    award = award_decide(actor=people.district_a, award_id=award.pk, approve=False)
    assert award.status == "rejected"
    with pytest.raises(AwardError, match="已有结果"):
        award_evaluate(actor=people.district_a, award_id=award.pk, score="90", subsidy="100")


def test_database_constraints(org_tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        Award.objects.create(branch=org_tree.base_a1, year=2026, category="benchmark", score=Decimal("101"),
                             status="evaluated")
    with pytest.raises(IntegrityError), transaction.atomic():
        Award.objects.create(branch=org_tree.base_a1, year=2026, category="benchmark", subsidy=Decimal("-1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Award.objects.create(branch=org_tree.base_a1, year=2026, category="benchmark", status="awarded")
    Award.objects.create(branch=org_tree.base_a1, year=2026, category="benchmark")
    with pytest.raises(IntegrityError), transaction.atomic():
        Award.objects.create(branch=org_tree.base_a1, year=2026, category="benchmark")


def test_awarded_list_and_total_in_one_query(org_tree, people, django_assert_num_queries):
    _awarded(org_tree, people, org_tree.base_a1, subsidy="20000")
    _awarded(org_tree, people, org_tree.base_a2, category="single_item", subsidy="5000.50")
    _awarded(org_tree, people, org_tree.base_b1, year=2025, subsidy="999")
    nominated = award_nominate(actor=people.city, branch=org_tree.base_b1, year=2026, category="benchmark")
    assert nominated.status == "nominated"
    with django_assert_num_queries(1):
        assert award_year_totals(2026) == {"count": 2, "total_subsidy": Decimal("25000.50")}
    assert [a.branch for a in awarded_in_year(2026)] == [org_tree.base_a1, org_tree.base_a2]


def test_awards_page_and_api_are_public_and_list_awarded_only(client, org_tree, people,
                                                              django_assert_max_num_queries):
    for branch in (org_tree.base_a1, org_tree.base_a2, org_tree.base_b1):
        _awarded(org_tree, people, branch, subsidy="1000")
    award_nominate(actor=people.city, branch=org_tree.base_a1, year=2026, category="single_item", item="书屋")
    with django_assert_max_num_queries(6):
        response = client.get(reverse("members:awards"), {"year": 2026})
    text = response.content.decode()
    assert response.status_code == 200 and "3000.00" in text and "书屋" not in text
    with django_assert_max_num_queries(6):
        data = client.get(reverse("api:awards"), {"year": 2026}).json()
    assert data["total_subsidy"] == "3000.00" and data["count"] == 3 and data["year"] == 2026
    assert {r["branch_name"] for r in data["results"]} == {org_tree.base_a1.name, org_tree.base_a2.name,
                                                           org_tree.base_b1.name}
    assert client.get(reverse("members:awards"), {"year": 1999}).status_code == 200


def test_admin_is_scoped(client, org_tree, people):
    award_a = award_nominate(actor=people.city, branch=org_tree.base_a1, year=2026, category="benchmark")
    award_b = award_nominate(actor=people.city, branch=org_tree.base_b1, year=2026, category="benchmark")
    client.force_login(people.district_a)
    response = client.get(reverse("admin:members_award_changelist"))
    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [award_a]
    assert client.get(reverse("admin:members_award_change", args=[award_a.pk])).status_code == 200
    assert client.get(reverse("admin:members_award_change", args=[award_b.pk])).status_code == 404
    form = client.get(reverse("admin:members_award_add")).context["adminform"].form
    assert set(form.fields["branch"].queryset) == {org_tree.base_a1, org_tree.base_a2}


def test_admin_nominates_evaluates_and_grants_through_the_services(client, org_tree, people):
    client.force_login(people.district_a)
    response = client.post(reverse("admin:members_award_add"), {
        "branch": org_tree.base_a1.pk, "year": 2026, "category": "benchmark", "item": "", "notes": "",
    })
    assert response.status_code == 302
    award = Award.objects.get()
    response = client.post(reverse("admin:members_award_change", args=[award.pk]),
                           {"score": "95", "subsidy": "30000", "notes": "优秀"})
    assert response.status_code == 302
    award.refresh_from_db()
    assert (award.status, award.score, award.evaluated_by) == ("evaluated", Decimal("95"), people.district_a)
    client.post(reverse("admin:members_award_changelist"), {"action": "grant", "_selected_action": [award.pk]})
    award.refresh_from_db()
    assert award.status == "awarded"


def test_base_union_admin_cannot_grade_itself_in_the_admin(client, org_tree, people):
    award = award_nominate(actor=people.base_a1, branch=org_tree.base_a1, year=2026, category="benchmark")
    client.force_login(people.base_a1)
    client.post(reverse("admin:members_award_change", args=[award.pk]), {"score": "99", "subsidy": "1", "notes": ""})
    award.refresh_from_db()
    assert award.status == "nominated" and award.score is None


def test_member_without_role_has_no_admin_screens(client, org_tree, user_factory):
    user = user_factory(is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:members_award_changelist")).status_code == 403
    assert client.get(reverse("admin:members_importjob_changelist")).status_code == 403


def test_schema_is_valid(client, db):
    assert client.get(reverse("api-schema")).status_code == 200
