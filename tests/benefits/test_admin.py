import pytest
from django.urls import reverse

from benefits import services
from benefits.models import DiseaseList, Enrolment, Payment, Plan
from tests.benefits.pdf import page_count


@pytest.fixture
def enrolments(plan, org_tree, people, member_factory):
    member_factory.create_batch(4, branch=org_tree.base_a2)
    services.group_enrolment_create(actor=people.staff_parent, plan_id=plan.pk, tier_id=plan.tiers.first().pk,
                                    branch_id=org_tree.base_a2.pk)
    own = services.enrolment_create(actor=None, plan_id=plan.pk, tier_id=plan.tiers.first().pk, member=people.owner)
    services.payment_record_offline(actor=people.staff_a1, enrolment_id=own.pk, method="cash", amount="36")
    return own


def changelist(name):
    return reverse(f"admin:benefits_{name}_changelist")


class TestEnrolmentAdmin:
    def test_scoped_changelist(self, client, people, enrolments, django_assert_max_num_queries):
        client.force_login(people.staff_parent)
        with django_assert_max_num_queries(16):
            response = client.get(changelist("enrolment"))
        assert response.status_code == 200 and len(response.context["cl"].result_list) == 5
        client.force_login(people.staff_a1)
        assert len(client.get(changelist("enrolment")).context["cl"].result_list) == 1

    def test_sibling_staff_gets_404_on_a_guessed_id(self, client, people, enrolments):
        client.force_login(people.staff_a2)
        url = reverse("admin:benefits_enrolment_change", args=[enrolments.pk])
        assert client.get(url).status_code == 404
        client.force_login(people.staff_a1)
        assert client.get(url).status_code == 200

    def test_staff_of_other_district_and_members_see_nothing(self, client, people, enrolments):
        client.force_login(people.staff_b)
        assert len(client.get(changelist("enrolment")).context["cl"].result_list) == 0
        client.force_login(people.events_manager_a1)
        assert client.get(changelist("enrolment")).status_code == 403

    def test_payment_receipts_action(self, client, people, enrolments):
        client.force_login(people.staff_parent)
        response = client.post(changelist("payment"), {
            "action": "print_receipts", "_selected_action": list(Payment.objects.values_list("pk", flat=True)),
        })
        assert response["Content-Type"] == "application/pdf" and page_count(response.content) == 2


class TestPlanAdmin:
    def test_plan_with_enrolments_is_read_only_and_can_be_copied(self, client, plan, people, enrolments,
                                                                 admin_user):
        client.force_login(admin_user)
        url = reverse("admin:benefits_plan_change", args=[plan.pk])
        response = client.get(url)
        assert response.status_code == 200 and not response.context["has_change_permission"]
        response = client.post(url, {"name": "changed"})
        assert response.status_code == 403
        client.post(changelist("plan"), {"action": "copy_to_next_year", "_selected_action": [plan.pk]})
        copy = Plan.objects.get(year=plan.year + 1)
        assert client.get(reverse("admin:benefits_plan_change", args=[copy.pk])).context["has_change_permission"]

    def test_plan_without_enrolments_is_editable_by_a_city_admin(self, client, plan, org_tree, staff_of):
        client.force_login(staff_of(org_tree.city, role="branch_admin"))
        response = client.get(reverse("admin:benefits_plan_change", args=[plan.pk]))
        assert response.context["has_change_permission"]

    def test_district_staff_only_read_plans(self, client, plan, people):
        client.force_login(people.staff_parent)
        response = client.get(reverse("admin:benefits_plan_change", args=[plan.pk]))
        assert response.status_code == 200 and not response.context["has_change_permission"]
        assert client.get(reverse("admin:benefits_plan_add")).status_code == 403

    def test_rule_with_bad_params_is_refused(self, client, plan, admin_user):
        tier = plan.tiers.get(code="basic")
        rule = tier.rules.get(kind="hospital_daily")
        rule.params = {"daily_amount": "50"}
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            rule.full_clean()
        assert Enrolment.objects.count() == 0


def test_admin_pages_render_for_a_superuser(client, plan, admin_user):
    from benefits.reference import reference_plan_build

    reference_plan_build()
    client.force_login(admin_user)
    tier = plan.tiers.first()
    for url in [changelist("plan"), changelist("diseaselist"), changelist("subsidyrule"), changelist("payment"),
                reverse("admin:benefits_tier_change", args=[tier.pk]), reverse("admin:benefits_plan_add"),
                reverse("admin:benefits_diseaselist_change", args=[DiseaseList.objects.first().pk])]:
        assert client.get(url).status_code == 200, url
