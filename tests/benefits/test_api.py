from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from benefits import services
from benefits.models import Enrolment, Payment
from tests.benefits.factories import make_plan, make_subsidy


@pytest.fixture
def api():
    return APIClient()


def enrol(plan, member, code="basic"):
    return services.enrolment_create(actor=None, plan_id=plan.pk, tier_id=plan.tiers.get(code=code).pk, member=member)


class TestPlans:
    def test_list_with_tiers_and_rules(self, api, plan, people):
        api.force_authenticate(people.owner.user)
        body = api.get(reverse("api:benefits-plan-list")).json()
        assert body["count"] == 1
        tiers = body["results"][0]["tiers"]
        assert [t["fee"] for t in tiers] == ["36.00", "60.00"]
        assert any("每年最多 30 天" in r["description"] for r in tiers[0]["rules"])

    def test_anonymous_refused(self, api, plan):
        assert api.get(reverse("api:benefits-plan-list")).status_code in (401, 403)

    def test_queries_pinned(self, api, org_tree, people, django_assert_max_num_queries):
        for i in range(6):
            make_plan(federation=org_tree.city, code=f"p{i}")
        api.force_authenticate(people.owner.user)
        with django_assert_max_num_queries(6):
            assert api.get(reverse("api:benefits-plan-list")).json()["count"] == 6


class TestEnrolments:
    def test_create_list_and_pay(self, api, plan, people):
        api.force_authenticate(people.owner.user)
        response = api.post(reverse("api:benefits-enrolment-list"),
                            {"plan": plan.pk, "tier": plan.tiers.get(code="enhanced").pk}, format="json")
        assert response.status_code == 201 and response.json()["member_part"] == "60.00"
        enrolment_id = response.json()["id"]
        response = api.post(reverse("api:benefits-enrolment-pay", args=[enrolment_id]), {"amount": "60.00"},
                            format="json")
        assert response.status_code == 201 and "/benefits/pay/sandbox/" in response.json()["checkout_url"]
        assert api.get(reverse("api:benefits-enrolment-list")).json()["count"] == 1

    def test_twice_is_a_clear_400(self, api, plan, people):
        enrol(plan, people.owner)
        api.force_authenticate(people.owner.user)
        response = api.post(reverse("api:benefits-enrolment-list"),
                            {"plan": plan.pk, "tier": plan.tiers.get(code="basic").pk}, format="json")
        assert response.status_code == 400 and "重复参保" in response.json()["error"]["message"]

    def test_outside_window_and_unknown_plan(self, api, org_tree, people):
        from datetime import timedelta

        from django.utils import timezone

        today = timezone.localdate()
        closed = make_plan(federation=org_tree.city, enrol_opens=today - timedelta(days=30),
                           enrol_closes=today - timedelta(days=1))
        api.force_authenticate(people.owner.user)
        response = api.post(reverse("api:benefits-enrolment-list"),
                            {"plan": closed.pk, "tier": closed.tiers.first().pk}, format="json")
        assert response.status_code == 400 and "现在不能参保" in response.json()["error"]["message"]
        response = api.post(reverse("api:benefits-enrolment-list"), {"plan": 999999, "tier": 1}, format="json")
        assert response.status_code == 404
        assert not Enrolment.objects.exists()

    def test_pay_wrong_amount(self, api, plan, people):
        enrolment = enrol(plan, people.owner)
        api.force_authenticate(people.owner.user)
        response = api.post(reverse("api:benefits-enrolment-pay", args=[enrolment.pk]), {"amount": "1.00"},
                            format="json")
        assert response.status_code == 400 and "应为 36.00" in response.json()["error"]["message"]
        assert not Payment.objects.exists()

    def test_another_member_sees_nothing(self, api, plan, people):
        enrolment = enrol(plan, people.owner)
        api.force_authenticate(people.other.user)
        assert api.get(reverse("api:benefits-enrolment-list")).json()["count"] == 0
        assert api.get(reverse("api:benefits-enrolment-detail", args=[enrolment.pk])).status_code == 404
        response = api.post(reverse("api:benefits-enrolment-pay", args=[enrolment.pk]), {"amount": "36"},
                            format="json")
        assert response.status_code == 404

    def test_list_queries_pinned(self, api, org_tree, people, django_assert_max_num_queries):
        for i in range(5):
            plan = make_plan(federation=org_tree.city, code=f"p{i}")
            make_subsidy(plan, org_tree.district_a, share=Decimal("0.5"), non_public_only=False)
            enrol(plan, people.owner)
        api.force_authenticate(people.owner.user)
        with django_assert_max_num_queries(4):
            body = api.get(reverse("api:benefits-enrolment-list")).json()
        assert body["count"] == 5 and body["results"][0]["subsidy_payer"] == "思明区总工会"


class TestMyCover:
    def test_cover_and_caps(self, api, plan, people):
        enrolment = enrol(plan, people.owner, "basic")
        services.payment_record_offline(actor=people.staff_a1, enrolment_id=enrolment.pk, method="cash", amount="36")
        api.force_authenticate(people.owner.user)
        body = api.get(reverse("api:benefits-my-cover")).json()
        assert len(body) == 1
        caps = {c["kind"]: c for c in body[0]["caps"]}
        assert caps["hospital_daily"]["left"] == "30.00" and caps["inpatient_self_pay"]["cap"] == "200000.00"
        assert caps["total"]["left"] == "150000.00"
        assert body[0]["waiting_until"] is not None

    def test_nothing_for_another_member(self, api, plan, people):
        enrol(plan, people.owner)
        api.force_authenticate(people.other.user)
        assert api.get(reverse("api:benefits-my-cover")).json() == []


class TestGroupEnrolment:
    def test_staff_of_the_branch(self, api, plan, org_tree, people):
        api.force_authenticate(people.staff_a1)
        response = api.post(reverse("api:benefits-group-enrolment"), {
            "plan": plan.pk, "tier": plan.tiers.get(code="basic").pk, "branch": org_tree.base_a1.pk,
            "method": "transfer", "amount": "72.00", "reference": "B-1",
        }, format="json")
        assert response.status_code == 201 and response.json()["enrolled"] == 2

    @pytest.mark.parametrize("who", ["staff_a2", "staff_b", "owner"])
    def test_others_refused(self, api, plan, org_tree, people, who):
        user = getattr(people, who)
        api.force_authenticate(getattr(user, "user", user))
        response = api.post(reverse("api:benefits-group-enrolment"), {
            "plan": plan.pk, "tier": plan.tiers.get(code="basic").pk, "branch": org_tree.base_a1.pk,
            "method": "transfer", "amount": "72.00",
        }, format="json")
        assert response.status_code == 400 and "没有为该工会办理参保的权限" in response.json()["error"]["message"]
        assert not Enrolment.objects.exists()

    def test_wrong_amount(self, api, plan, org_tree, people):
        api.force_authenticate(people.staff_parent)
        response = api.post(reverse("api:benefits-group-enrolment"), {
            "plan": plan.pk, "tier": plan.tiers.get(code="basic").pk, "branch": org_tree.base_a1.pk,
            "method": "cash", "amount": "10.00",
        }, format="json")
        assert response.status_code == 400 and not Enrolment.objects.exists() and not Payment.objects.exists()


def test_schema_is_valid(api, db, people):
    api.force_authenticate(people.owner.user)
    assert api.get(reverse("api-schema")).status_code == 200
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
