"""The year's turn: next year's plan copied, renewals from its renewal day in one tap with the same tier, what
the cover gives before paying, offline payments recorded late, and the demo's cover starting in the past.
Personas: a member enrolled this year (owner), a member who is not (newcomer), another member (outsider),
company-union finance (staff)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from benefits import services
from benefits.models import Enrolment, Plan
from tests.benefits.factories import make_active_enrolment, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_turn(org_tree, member_factory):
    """This year's plan with an enrolled member, and next year's copy whose renewals opened yesterday while its
    enrolment window opens in three weeks."""
    today = timezone.localdate()
    this_year = make_plan(federation=org_tree.city, code="plan-this")
    owner = member_factory(branch=org_tree.base_a1)
    enrolment = make_active_enrolment(this_year, owner, tier_code="enhanced")
    next_year = services.plan_copy_to_year(actor=None, plan_id=this_year.pk, year=this_year.year + 1)
    Plan.objects.filter(pk=next_year.pk).update(
        renewal_opens=today - timedelta(days=1), enrol_opens=today + timedelta(days=21),
        enrol_closes=today + timedelta(days=60), cover_starts=today + timedelta(days=27),
        cover_ends=today + timedelta(days=392))
    next_year.refresh_from_db()
    newcomer = member_factory(branch=org_tree.base_a1)
    return this_year, next_year, owner, enrolment, newcomer


def test_the_copy_keeps_the_renewal_day_and_the_service_time(org_tree):
    plan = make_plan(federation=org_tree.city, renewal_opens=timezone.localdate() - timedelta(days=40),
                     review_service_days=7)
    copy = services.plan_copy_to_year(actor=None, plan_id=plan.pk, year=plan.year + 1)
    assert copy.renewal_opens == plan.renewal_opens.replace(year=plan.renewal_opens.year + 1)
    assert copy.review_service_days == 7 and copy.previous == plan


def test_the_owner_renews_in_one_tap_with_the_same_tier_before_the_window_opens(client, year_turn):
    _this_year, next_year, owner, enrolment, _newcomer = year_turn
    client.force_login(owner.user)
    page = client.get("/benefits/my-cover/").content.decode()
    assert next_year.name in page and f"/benefits/enrolments/{enrolment.pk}/renew/" in page
    response = client.post(f"/benefits/enrolments/{enrolment.pk}/renew/")
    renewed = Enrolment.objects.get(plan=next_year, member=owner)
    assert response.status_code == 302 and response["Location"] == f"/benefits/enrolments/{renewed.pk}/"
    assert renewed.tier.code == "enhanced" and renewed.status == Enrolment.Status.PENDING
    # The offer is gone once taken; a second tap is refused, nothing doubled.
    assert f"/benefits/enrolments/{enrolment.pk}/renew/" not in client.get("/benefits/my-cover/").content.decode()
    client.post(f"/benefits/enrolments/{enrolment.pk}/renew/")
    assert Enrolment.objects.filter(plan=next_year, member=owner).count() == 1


def test_a_newcomer_waits_for_the_window_and_sees_no_renewal(client, year_turn):
    _this_year, next_year, _owner, _enrolment, newcomer = year_turn
    client.force_login(newcomer.user)
    assert "renew" not in client.get("/benefits/my-cover/").content.decode()
    with pytest.raises(services.BenefitsError, match="参保时间"):
        services.enrolment_create(actor=newcomer.user, plan_id=next_year.pk,
                                  tier_id=next_year.tiers.get(code="basic").pk, member=newcomer)


def test_an_outsider_cannot_renew_someone_elses_enrolment(client, year_turn):
    _this_year, next_year, _owner, enrolment, newcomer = year_turn
    client.force_login(newcomer.user)
    client.post(f"/benefits/enrolments/{enrolment.pk}/renew/")
    assert not Enrolment.objects.filter(plan=next_year).exists()
    api = APIClient()
    api.force_authenticate(newcomer.user)
    assert api.post(f"/api/v1/enrolments/{enrolment.pk}/renew/").status_code == 404


def test_renewal_is_refused_before_the_renewal_day(year_turn):
    _this_year, next_year, owner, enrolment, _newcomer = year_turn
    Plan.objects.filter(pk=next_year.pk).update(renewal_opens=timezone.localdate() + timedelta(days=2))
    with pytest.raises(services.BenefitsError, match="参保时间"):
        services.enrolment_renew(actor=owner.user, enrolment_id=enrolment.pk)
    assert not Enrolment.objects.filter(plan=next_year).exists()


def test_the_api_renews_too(year_turn):
    _this_year, next_year, owner, enrolment, _newcomer = year_turn
    api = APIClient()
    api.force_authenticate(owner.user)
    response = api.post(f"/api/v1/enrolments/{enrolment.pk}/renew/")
    assert response.status_code == 201, response.json()
    assert Enrolment.objects.get(pk=response.json()["id"]).plan == next_year
    again = api.post(f"/api/v1/enrolments/{enrolment.pk}/renew/")
    assert again.status_code == 400 and "重复参保" in again.json()["error"]["message"]


def test_a_renewal_paid_in_time_skips_the_waiting_period(year_turn, org_tree, staff_of):
    _this_year, next_year, owner, enrolment, _newcomer = year_turn
    renewed = services.enrolment_renew(actor=owner.user, enrolment_id=enrolment.pk)
    finance = staff_of(org_tree.base_a1, role="finance")
    services.payment_record_offline(actor=finance, enrolment_id=renewed.pk, method="cash", amount=renewed.member_part)
    renewed.refresh_from_db()
    assert renewed.status == Enrolment.Status.ACTIVE and renewed.is_renewal and renewed.waiting_until is None
    assert renewed.cover_start == next_year.cover_starts


def test_before_paying_in_december_the_member_sees_it_is_mostly_waiting_and_next_years_plan(client, org_tree,
                                                                                          member_factory):
    today = timezone.localdate()
    plan = make_plan(federation=org_tree.city, code="late", cover_ends=today + timedelta(days=27))
    next_year = services.plan_copy_to_year(actor=None, plan_id=plan.pk, year=plan.year + 1)
    newcomer = member_factory(branch=org_tree.base_a1)
    preview = services.cover_preview(plan, newcomer)
    assert preview.cover_start == today + timedelta(days=1) and preview.waiting_until >= preview.cover_end
    assert preview.illness_days == 0 and preview.mostly_waiting and preview.next_plan == next_year
    client.force_login(newcomer.user)
    page = client.get(f"/benefits/plans/{plan.pk}/").content.decode()
    assert "本年度不能申请疾病类补助" in page and next_year.name in page
    enrolment = services.enrolment_create(actor=newcomer.user, plan_id=plan.pk, tier_id=plan.tiers.first().pk,
                                          member=newcomer)
    assert "本年度不能申请疾病类补助" in client.get(f"/benefits/enrolments/{enrolment.pk}/").content.decode()


def test_early_in_the_year_the_preview_does_not_push_next_year(org_tree, member_factory):
    plan = make_plan(federation=org_tree.city)
    preview = services.cover_preview(plan, member_factory(branch=org_tree.base_a1))
    assert preview.illness_days > 200 and not preview.mostly_waiting and preview.next_plan is None


def test_cash_recorded_late_starts_cover_from_the_day_it_came_in(org_tree, member_factory, staff_of):
    today = timezone.localdate()
    plan = make_plan(federation=org_tree.city)
    member = member_factory(branch=org_tree.base_a1)
    finance = staff_of(org_tree.base_a1, role="finance")
    enrolment = services.enrolment_create(actor=member.user, plan_id=plan.pk, tier_id=plan.tiers.first().pk,
                                          member=member)
    for bad in (today + timedelta(days=1), plan.enrol_opens - timedelta(days=1)):
        with pytest.raises(services.PaymentError, match="收款日期"):
            services.payment_record_offline(actor=finance, enrolment_id=enrolment.pk, method="cash",
                                            amount=enrolment.member_part, paid_on=bad)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.PENDING
    services.payment_record_offline(actor=finance, enrolment_id=enrolment.pk, method="cash",
                                    amount=enrolment.member_part, paid_on=today - timedelta(days=5))
    enrolment.refresh_from_db()
    assert enrolment.cover_start == today - timedelta(days=4)


def test_online_payment_through_the_api_is_refused_where_no_gateway_is_configured(settings, org_tree,
                                                                                   member_factory):
    settings.BENEFITS_SANDBOX_PAYMENTS = False
    plan = make_plan(federation=org_tree.city)
    member = member_factory(branch=org_tree.base_a1)
    enrolment = services.enrolment_create(actor=member.user, plan_id=plan.pk, tier_id=plan.tiers.first().pk,
                                          member=member)
    api = APIClient()
    api.force_authenticate(member.user)
    response = api.post(f"/api/v1/enrolments/{enrolment.pk}/pay/", {"amount": str(enrolment.member_part)},
                        format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "no_online_payment"
    enrolment.refresh_from_db()
    assert enrolment.payment_id is None


def test_members_of_this_year_are_invited_to_renew_once(year_turn):
    from members.models import Notification

    _this_year, next_year, owner, _enrolment, newcomer = year_turn
    assert services.renewal_open_notify() == 1
    assert services.renewal_open_notify() == 0  # a rerun of the beat task tells no one twice
    invitation = Notification.objects.get(user=owner.user, kind="benefits.renewal_open")
    assert next_year.name in invitation.title and invitation.url == "/benefits/my-cover/"
    assert not Notification.objects.filter(user=newcomer.user, kind="benefits.renewal_open").exists()


def test_a_company_union_renews_last_years_members_in_one_go(year_turn, org_tree, staff_of, member_factory):
    """Finance persona (staff of the company union): from the renewal day, only last year's members; a newcomer
    and a member of another union are left out."""
    this_year, next_year, owner, _enrolment, newcomer = year_turn
    colleague = member_factory(branch=org_tree.base_a1)
    make_active_enrolment(this_year, colleague)
    elsewhere = member_factory(branch=org_tree.base_a2)
    make_active_enrolment(this_year, elsewhere)
    finance = staff_of(org_tree.base_a1, role="finance")
    tier = next_year.tiers.get(code="basic")
    with pytest.raises(services.BenefitsError, match="参保时间"):  # all members: only in the window proper
        services.group_enrolment_create(actor=finance, plan_id=next_year.pk, tier_id=tier.pk,
                                        branch_id=org_tree.base_a1.pk)
    result = services.group_enrolment_create(actor=finance, plan_id=next_year.pk, tier_id=tier.pk,
                                             branch_id=org_tree.base_a1.pk, renewals_only=True)
    assert result.enrolled == 2
    assert set(Enrolment.objects.filter(plan=next_year).values_list("member_id", flat=True)) == {
        owner.pk, colleague.pk}
    assert not Enrolment.objects.filter(plan=next_year, member__in=[newcomer, elsewhere]).exists()
    other_finance = staff_of(org_tree.base_a2, role="finance")
    with pytest.raises(services.BenefitsError):  # outsider: another union's staff cannot renew this one's
        services.group_enrolment_create(actor=other_finance, plan_id=next_year.pk, tier_id=tier.pk,
                                        branch_id=org_tree.base_a1.pk, renewals_only=True)


def test_an_unpaid_renewal_reads_back_through_the_api_as_its_schema_says(year_turn, client):
    """Generated-client persona: an enrolment without a payment yet has `payment: null`, and the schema allows it."""
    _this_year, _next_year, owner, enrolment, _newcomer = year_turn
    api = APIClient()
    api.force_authenticate(owner.user)
    renewed = api.post(f"/api/v1/enrolments/{enrolment.pk}/renew/").json()
    assert renewed["payment"] is None
    schema = client.get("/api/schema/?format=json").json()
    payment = schema["components"]["schemas"]["Enrolment"]["properties"]["payment"]
    assert payment.get("nullable") or {"type": "null"} in payment.get("oneOf", [])
