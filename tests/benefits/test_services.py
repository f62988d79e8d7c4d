from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from benefits import services
from benefits.models import Enrolment, Payment, Plan, PlanNotice
from benefits.payments import SandboxProvider
from core.models import AuditLogEntry
from members.models import Notification
from tests.benefits.factories import make_plan, make_subsidy

D = Decimal


def tier(plan, code="basic"):
    return plan.tiers.get(code=code)


def enrol(plan, member, code="basic", **kw):
    return services.enrolment_create(actor=member.user, plan_id=plan.pk, tier_id=tier(plan, code).pk,
                                     member=member, **kw)


class TestEnrolment:
    def test_member_enrols_in_the_window(self, plan, people):
        enrolment = enrol(plan, people.owner)
        assert enrolment.status == Enrolment.Status.PENDING
        assert (enrolment.fee, enrolment.member_part, enrolment.subsidy_part) == (D("36.00"), D("36.00"), D("0"))
        assert enrolment.branch == people.owner.branch
        assert AuditLogEntry.objects.filter(action="benefits.enrolment.created").count() == 1

    def test_outside_the_window(self, org_tree, people):
        today = timezone.localdate()
        plan = make_plan(federation=org_tree.city, enrol_opens=today + timedelta(days=1),
                         enrol_closes=today + timedelta(days=5))
        with pytest.raises(services.BenefitsError, match="现在不能参保"):
            enrol(plan, people.owner)
        assert not Enrolment.objects.exists()

    def test_twice(self, plan, people):
        enrol(plan, people.owner)
        with pytest.raises(services.BenefitsError, match="重复参保"):
            enrol(plan, people.owner, "enhanced")
        assert Enrolment.objects.count() == 1

    def test_not_under_the_federation(self, org_tree, people):
        plan = make_plan(federation=org_tree.district_b)
        with pytest.raises(services.BenefitsError, match="不属于本方案的主办工会"):
            enrol(plan, people.owner)
        assert not Enrolment.objects.exists()

    def test_age_limit(self, org_tree, people):
        plan = make_plan(federation=org_tree.city, max_age=30)  # the factory's members were born in 1985
        with pytest.raises(services.BenefitsError, match="不能超过 30 周岁"):
            enrol(plan, people.owner)

    def test_inactive_member(self, plan, people):
        people.owner.status = "suspended"
        people.owner.save()
        with pytest.raises(services.BenefitsError, match="正常状态"):
            enrol(plan, people.owner)

    def test_tier_of_another_plan(self, plan, org_tree, people):
        other = make_plan(federation=org_tree.city, code="other")
        with pytest.raises(services.BenefitsError, match="缴费档次"):
            services.enrolment_create(actor=None, plan_id=plan.pk, tier_id=tier(other).pk, member=people.owner)


class TestSubsidy:
    def test_district_pays_a_share_for_non_public_workers(self, plan, org_tree, people):
        rule = make_subsidy(plan, org_tree.district_a, share=D("0.5"))
        enrolment = enrol(plan, people.owner, employer_non_public=True)
        assert (enrolment.member_part, enrolment.subsidy_part, enrolment.subsidy_rule) == (D("18.00"), D("18.00"), rule)

    def test_public_employer_gets_no_subsidy(self, plan, org_tree, people):
        make_subsidy(plan, org_tree.district_a, share=D("0.5"))
        assert enrol(plan, people.owner).subsidy_part == D("0")

    def test_other_district_does_not_pay(self, plan, org_tree, people):
        make_subsidy(plan, org_tree.district_b, share=D("1"))
        assert enrol(plan, people.owner, employer_non_public=True).subsidy_part == D("0")

    def test_employment_type_filter(self, plan, org_tree, people):
        make_subsidy(plan, org_tree.district_a, fixed_amount=D("20"), non_public_only=False,
                     employment_types=["platform"])
        assert enrol(plan, people.owner).subsidy_part == D("0")
        people.other.employment_type = "platform"
        people.other.save()
        assert enrol(plan, people.other).subsidy_part == D("20.00")

    def test_full_subsidy_activates_without_payment(self, plan, org_tree, people):
        make_subsidy(plan, org_tree.district_a, share=D("1"))
        enrolment = enrol(plan, people.owner, employer_non_public=True)
        assert enrolment.status == Enrolment.Status.ACTIVE and enrolment.member_part == D("0")
        assert enrolment.cover_start == timezone.localdate() + timedelta(days=1)
        assert Notification.objects.filter(user=people.owner.user, kind="benefits.enrolment_confirmed").exists()


def sandbox_pay(enrolment, *, amount=None, reference="SBX-1"):
    payment = services.payment_start_online(user=enrolment.member.user, enrolment_id=enrolment.pk,
                                            amount=enrolment.member_part)
    sandbox = SandboxProvider()
    body = sandbox.callback_body(payment, amount=amount, reference=reference)
    return payment, body, sandbox.sign(body)


class TestOnlinePayment:
    def test_signed_callback_activates_the_cover(self, plan, people):
        enrolment = enrol(plan, people.owner)
        _payment, body, signature = sandbox_pay(enrolment)
        result = SandboxProvider().handle_callback(body, signature)
        assert result.recorded
        enrolment.refresh_from_db()
        today = timezone.localdate()
        assert enrolment.status == Enrolment.Status.ACTIVE
        assert enrolment.cover_start == today + timedelta(days=1) and enrolment.cover_end == plan.cover_ends
        assert enrolment.waiting_until == today + timedelta(days=90)  # 90 days from cover start, inclusive
        assert Notification.objects.filter(user=people.owner.user, kind="benefits.enrolment_confirmed").count() == 1

    def test_replayed_callback_records_one_payment(self, plan, people):
        enrolment = enrol(plan, people.owner)
        _payment, body, signature = sandbox_pay(enrolment)
        SandboxProvider().handle_callback(body, signature)
        again = SandboxProvider().handle_callback(body, signature)
        assert not again.recorded
        assert Payment.objects.filter(status="paid").count() == 1
        assert Notification.objects.filter(kind="benefits.enrolment_confirmed").count() == 1

    def test_second_transaction_for_a_paid_payment_is_refused(self, plan, people):
        enrolment = enrol(plan, people.owner)
        payment, body, signature = sandbox_pay(enrolment)
        SandboxProvider().handle_callback(body, signature)
        other = SandboxProvider().callback_body(payment, reference="SBX-2")
        with pytest.raises(services.PaymentError, match="已经支付"):
            SandboxProvider().handle_callback(other, SandboxProvider().sign(other))

    def test_forged_signature_is_refused(self, plan, people):
        enrolment = enrol(plan, people.owner)
        payment, body, _signature = sandbox_pay(enrolment)
        with pytest.raises(services.PaymentError, match="签名无效"):
            SandboxProvider().handle_callback(body, "0" * 64)
        payment.refresh_from_db()
        assert payment.status == Payment.Status.PENDING

    def test_wrong_amount_in_callback_is_refused(self, plan, people):
        enrolment = enrol(plan, people.owner)
        _payment, body, signature = sandbox_pay(enrolment, amount=D("1.00"))
        with pytest.raises(services.PaymentError, match="不符"):
            SandboxProvider().handle_callback(body, signature)
        enrolment.refresh_from_db()
        assert enrolment.status == Enrolment.Status.PENDING

    def test_starting_with_a_wrong_amount_is_refused(self, plan, people):
        enrolment = enrol(plan, people.owner)
        with pytest.raises(services.PaymentError, match=r"应为 36\.00"):
            services.payment_start_online(user=people.owner.user, enrolment_id=enrolment.pk, amount="30")
        assert not Payment.objects.exists()

    def test_starting_twice_reuses_the_pending_payment(self, plan, people):
        enrolment = enrol(plan, people.owner)
        first = services.payment_start_online(user=people.owner.user, enrolment_id=enrolment.pk, amount="36")
        second = services.payment_start_online(user=people.owner.user, enrolment_id=enrolment.pk, amount="36.00")
        assert first == second and Payment.objects.count() == 1

    def test_another_member_cannot_pay_my_enrolment(self, plan, people):
        enrolment = enrol(plan, people.owner)
        with pytest.raises(services.BenefitsError, match="找不到"):
            services.payment_start_online(user=people.other.user, enrolment_id=enrolment.pk, amount="36")


class TestOfflinePayment:
    def test_staff_of_the_branch_records_cash(self, plan, people):
        enrolment = enrol(plan, people.owner)
        payment = services.payment_record_offline(actor=people.staff_a1, enrolment_id=enrolment.pk,
                                                  method="cash", amount="36.00")
        enrolment.refresh_from_db()
        assert payment.status == "paid" and enrolment.status == "active" and enrolment.payment == payment

    @pytest.mark.parametrize("who", ["staff_a2", "staff_b", "events_manager_a1", "other"])
    def test_others_cannot(self, plan, people, who):
        enrolment = enrol(plan, people.owner)
        actor = getattr(people, who)
        actor = getattr(actor, "user", actor)
        with pytest.raises(services.BenefitsError, match="找不到"):
            services.payment_record_offline(actor=actor, enrolment_id=enrolment.pk, method="cash", amount="36")
        assert not Payment.objects.exists()

    def test_wrong_amount(self, plan, people):
        enrolment = enrol(plan, people.owner)
        with pytest.raises(services.PaymentError):
            services.payment_record_offline(actor=people.staff_parent, enrolment_id=enrolment.pk,
                                            method="transfer", amount="35.99")
        assert not Payment.objects.exists()


class TestGroupEnrolment:
    def test_all_members_of_the_branch_with_one_payment(
        self, plan, org_tree, people, member_factory, django_capture_on_commit_callbacks
    ):
        make_subsidy(plan, org_tree.district_a, share=D("0.5"))
        member_factory.create_batch(3, branch=org_tree.base_a1)
        member_factory(branch=org_tree.base_a1, status="applied", member_number=None)
        member_factory(branch=org_tree.base_a2)
        enrol(plan, people.owner)  # already enrolled: skipped
        with django_capture_on_commit_callbacks(execute=True):
            result = services.group_enrolment_create(
                actor=people.staff_a1, plan_id=plan.pk, tier_id=tier(plan).pk, branch_id=org_tree.base_a1.pk,
                amount="72.00", employer_non_public=True, reference="BANK-001",
            )
        assert result.enrolled == 4 and len(result.skipped) == 1
        assert result.payment.amount == D("72.00") and result.subsidy_total == D("72.00")
        enrolments = Enrolment.objects.filter(payment=result.payment)
        assert enrolments.count() == 4
        assert all(e.status == "active" and e.member_part == D("18.00") and e.cover_start for e in enrolments)
        # The members with accounts were told (the task runs eagerly on commit in tests).
        assert Notification.objects.filter(kind__startswith="benefits.enrolment_confirmed.").count() == 4
        assert services.group_enrolment_notify(payment_id=result.payment.pk) == 0  # a rerun tells no one twice

    def test_wrong_group_amount_saves_nothing(self, plan, org_tree, people):
        with pytest.raises(services.PaymentError, match=r"应为 72\.00"):
            services.group_enrolment_create(actor=people.staff_a1, plan_id=plan.pk, tier_id=tier(plan).pk,
                                            branch_id=org_tree.base_a1.pk, amount="36.00")
        assert not Enrolment.objects.exists() and not Payment.objects.exists()

    def test_chosen_members_only(self, plan, org_tree, people):
        result = services.group_enrolment_create(actor=people.staff_parent, plan_id=plan.pk,
                                                 tier_id=tier(plan, "enhanced").pk, branch_id=org_tree.base_a1.pk,
                                                 member_ids=[people.other.pk])
        assert result.enrolled == 1 and result.payment.amount == D("60.00")
        assert not Enrolment.objects.filter(member=people.owner).exists()

    def test_member_of_another_branch_cannot_be_chosen(self, plan, org_tree, people, member_factory):
        stranger = member_factory(branch=org_tree.base_a2)
        with pytest.raises(services.BenefitsError, match="不属于该工会"):
            services.group_enrolment_create(actor=people.staff_a1, plan_id=plan.pk, tier_id=tier(plan).pk,
                                            branch_id=org_tree.base_a1.pk, member_ids=[stranger.pk])

    def test_sibling_staff_refused(self, plan, org_tree, people):
        with pytest.raises(services.BenefitsError, match="没有为该工会办理参保的权限"):
            services.group_enrolment_create(actor=people.staff_a2, plan_id=plan.pk, tier_id=tier(plan).pk,
                                            branch_id=org_tree.base_a1.pk)
        assert not Enrolment.objects.exists()

    def test_nothing_to_enrol(self, plan, org_tree, people):
        services.group_enrolment_create(actor=people.staff_a1, plan_id=plan.pk, tier_id=tier(plan).pk,
                                        branch_id=org_tree.base_a1.pk)
        with pytest.raises(services.BenefitsError, match="没有可以参保的会员"):
            services.group_enrolment_create(actor=people.staff_a1, plan_id=plan.pk, tier_id=tier(plan).pk,
                                            branch_id=org_tree.base_a1.pk)

    def test_queries_do_not_grow_with_members(self, plan, org_tree, people, member_factory):
        def run(branch, n):
            member_factory.create_batch(n, branch=branch, user=None, mobile="13700000000")
            with CaptureQueriesContext(connection) as ctx:
                services.group_enrolment_create(actor=people.staff_parent, plan_id=plan.pk,
                                                tier_id=tier(plan).pk, branch_id=branch.pk)
            return len(ctx)

        run(org_tree.base_a2, 1)  # warm the per-process caches (content types) so both counts start equal
        assert run(org_tree.base_a2, 3) == run(people.owner.branch, 30)


class TestRenewalAndCopy:
    def test_copy_to_a_new_year_keeps_tiers_rules_and_subsidies(self, plan, org_tree, people):
        make_subsidy(plan, org_tree.district_a, share=D("0.5"))
        plan.tiers.get(code="basic").rules.filter(kind="hospital_daily").update(
            required_documents=["id_card", "discharge_summary", "bank_card"])
        copy = services.plan_copy_to_year(actor=people.staff_parent, plan_id=plan.pk, year=plan.year + 1)
        assert copy.previous == plan and copy.year == plan.year + 1
        assert copy.enrol_opens.year == plan.enrol_opens.year + 1
        assert sorted(copy.tiers.values_list("code", "fee")) == sorted(plan.tiers.values_list("code", "fee"))
        assert copy.tiers.get(code="basic").rules.count() == 3
        # The papers a claim needs come along: a copied plan must not pay claims without them.
        copied_rules = {r.kind: r.required_documents for r in copy.tiers.get(code="basic").rules.all()}
        original_rules = {r.kind: r.required_documents for r in plan.tiers.get(code="basic").rules.all()}
        assert copied_rules == original_rules
        assert copied_rules["hospital_daily"] == ["id_card", "discharge_summary", "bank_card"]
        assert copy.subsidy_rules.count() == 1

    def test_copy_must_move_forward(self, plan):
        with pytest.raises(services.BenefitsError):
            services.plan_copy_to_year(actor=None, plan_id=plan.pk, year=plan.year)

    def test_plan_with_enrolments_is_not_editable(self, plan, people):
        services.ensure_plan_editable(plan)
        enrol(plan, people.owner)
        with pytest.raises(services.BenefitsError, match="复制为新年度"):
            services.ensure_plan_editable(plan)

    def test_renewal_within_grace_skips_waiting(self, org_tree, people):
        today = timezone.localdate()
        old = make_plan(federation=org_tree.city, code="old", year=today.year - 1,
                        enrol_opens=today - timedelta(days=400), enrol_closes=today - timedelta(days=380),
                        cover_starts=today - timedelta(days=380), cover_ends=today - timedelta(days=5))
        new = make_plan(federation=org_tree.city, code="new", previous=old)
        Enrolment.objects.create(plan=old, tier=tier(old), member=people.other, branch=people.other.branch,
                                 fee=D(36), member_part=D(36), status="active",
                                 cover_start=old.cover_starts, cover_end=old.cover_ends)
        renewing = enrol(new, people.other)
        services.payment_record_offline(actor=people.staff_a1, enrolment_id=renewing.pk, method="cash", amount="36")
        renewing.refresh_from_db()
        assert renewing.is_renewal and renewing.waiting_until is None
        newcomer = enrol(new, people.owner)
        services.payment_record_offline(actor=people.staff_a1, enrolment_id=newcomer.pk, method="cash", amount="36")
        newcomer.refresh_from_db()
        assert not newcomer.is_renewal and newcomer.waiting_until is not None


class TestCoverDates:
    def test_rules(self, org_tree):
        plan = Plan(cover_start_rule="first_of_next_month", cover_starts=date(2026, 1, 1),
                    cover_ends=date(2026, 12, 31))
        assert services.cover_dates(plan, paid_on=date(2026, 1, 31)) == (date(2026, 2, 1), date(2026, 12, 31))
        plan.cover_start_rule = "day_after_payment"
        assert services.cover_dates(plan, paid_on=date(2025, 12, 10))[0] == date(2026, 1, 1)
        assert services.cover_dates(plan, paid_on=date(2026, 3, 10))[0] == date(2026, 3, 11)
        plan.cover_start_rule = "plan_start"
        assert services.cover_dates(plan, paid_on=date(2026, 3, 10))[0] == date(2026, 1, 1)


class TestNotices:
    def test_window_open_told_once_per_member(self, plan, people):
        assert services.window_open_notify() == 2  # the owner and the other member
        assert services.window_open_notify() == 0
        assert PlanNotice.objects.filter(kind="window_open").count() == 2
        assert Notification.objects.filter(kind="benefits.window_open").count() == 2

    def test_enrolled_members_are_not_told_the_window_opened(self, plan, people):
        enrol(plan, people.owner)
        assert services.window_open_notify() == 1

    def test_cover_ending_told_once(self, org_tree, people):
        today = timezone.localdate()
        plan = make_plan(federation=org_tree.city, cover_ends=today + timedelta(days=20))
        enrolment = enrol(plan, people.owner)
        services.payment_record_offline(actor=people.staff_a1, enrolment_id=enrolment.pk, method="cash", amount="36")
        assert services.cover_ending_notify() == 1
        assert services.cover_ending_notify() == 0
        assert Notification.objects.filter(kind="benefits.cover_ending").count() == 1

    def test_tasks_run(self, plan, people):
        from benefits import tasks

        tasks.notify_open_windows.delay()
        tasks.notify_cover_ending.delay()
        assert PlanNotice.objects.count() == 2


def test_no_enrolment_row_without_tier_constraint(plan, people):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(plan=plan, tier=tier(plan), member=people.owner, branch=people.owner.branch,
                                 fee=D(36), member_part=D(30), subsidy_part=D(0))


class TestFrozenPlanAndEngineInputs:
    def test_model_validation_refuses_edits_of_an_enrolled_plan(self, plan, people):
        from django.core.exceptions import ValidationError

        basic = tier(plan)
        rule = basic.rules.first()
        plan.full_clean()
        basic.full_clean()
        rule.full_clean()
        enrol(plan, people.owner)
        for obj in (plan, basic, rule):
            with pytest.raises(ValidationError, match="复制为新年度"):
                obj.full_clean()

    def test_enrolment_feeds_the_rules_engine(self, plan, people):
        from benefits import rules, selectors

        enrolment = enrol(plan, people.owner)
        services.payment_record_offline(actor=people.staff_a1, enrolment_id=enrolment.pk, method="cash", amount="36")
        enrolment.refresh_from_db()
        specs, terms = selectors.tier_rule_specs(enrolment.tier), selectors.cover_terms(enrolment)
        last_waiting_day = enrolment.waiting_until

        def stay(day):
            return rules.ClaimFacts(kind="hospital_daily", event_date=day, filed_on=day + timedelta(days=5),
                                    admission_date=day, discharge_date=day + timedelta(days=3))

        assert not rules.assess(specs, terms, stay(last_waiting_day)).eligible
        assert rules.assess(specs, terms, stay(last_waiting_day + timedelta(days=1))).amount == D("150.00")


class TestGroupEnrolmentSql:
    """The INSERT … SELECT works out per member what the single enrolment works out in Python."""

    def test_subsidy_by_employment_type_renewal_and_skips(self, org_tree, people, member_factory):
        today = timezone.localdate()
        old = make_plan(federation=org_tree.city, code="old", year=today.year - 1,
                        enrol_opens=today - timedelta(days=400), enrol_closes=today - timedelta(days=380),
                        cover_starts=today - timedelta(days=380), cover_ends=today - timedelta(days=5))
        plan = make_plan(federation=org_tree.city, code="new", previous=old, max_age=60)
        make_subsidy(plan, org_tree.district_a, fixed_amount=D("30"), non_public_only=False,
                     employment_types=["platform"])
        Enrolment.objects.create(plan=old, tier=tier(old), member=people.other, branch=people.other.branch,
                                 fee=D(36), member_part=D(36), status="active",
                                 cover_start=old.cover_starts, cover_end=old.cover_ends)
        courier = member_factory(branch=org_tree.base_a1, employment_type="platform")
        suspended = member_factory(branch=org_tree.base_a1, status="suspended")
        senior = member_factory(branch=org_tree.base_a1, birth_date=date(1950, 1, 1))
        result = services.group_enrolment_create(
            actor=people.staff_a1, plan_id=plan.pk, tier_id=tier(plan).pk, branch_id=org_tree.base_a1.pk,
            member_ids=[people.owner.pk, people.other.pk, courier.pk, suspended.pk, senior.pk],
        )
        assert result.enrolled == 3
        assert sorted(name for name, _reason in result.skipped) == sorted([suspended.name, senior.name])
        reasons = dict(result.skipped)
        assert "正常状态" in reasons[suspended.name] and "60 周岁" in reasons[senior.name]
        rows = {e.member_id: e for e in Enrolment.objects.filter(plan=plan)}
        assert rows[courier.pk].subsidy_part == D("30.00") and rows[courier.pk].member_part == D("6.00")
        assert rows[courier.pk].subsidy_rule is not None
        assert rows[people.owner.pk].subsidy_part == D("0") and rows[people.owner.pk].subsidy_rule is None
        assert rows[people.other.pk].is_renewal and rows[people.other.pk].waiting_until is None
        assert not rows[people.owner.pk].is_renewal
        assert rows[people.owner.pk].waiting_until == rows[people.owner.pk].cover_start + timedelta(days=89)
        assert result.payment.amount == D("36") + D("36") + D("6")
        assert all(e.payment_id == result.payment.pk and e.enrolled_by == people.staff_a1 for e in rows.values())

    def test_plan_without_waiting_period_and_without_subsidy(self, org_tree, people):
        plan = make_plan(federation=org_tree.city, code="nowait", waiting_days=0)
        result = services.group_enrolment_create(actor=people.staff_a1, plan_id=plan.pk, tier_id=tier(plan).pk,
                                                 branch_id=org_tree.base_a1.pk)
        assert result.enrolled == 2
        assert not Enrolment.objects.filter(plan=plan, waiting_until__isnull=False).exists()
        assert not Enrolment.objects.filter(plan=plan, subsidy_rule__isnull=False).exists()
