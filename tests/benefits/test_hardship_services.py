"""The hardship register's rules, through its services: filing, figures, the visit → notice → confirm order,
objections, re-check, leaving, care visits, conflict of interest, scope, reminders. Personas: `hw` (conftest)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from benefits.hardship import selectors, services
from benefits.hardship.services import HardshipError
from benefits.models import CareVisit, HardshipEvent, HardshipFamily, HardshipObjection, HomeVisit
from core.models import AuditLogEntry
from members.models import Notification
from tests.benefits.hardship_helpers import S, family_at, file_family, notice_over

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_chinese():
    """The services' messages are matched in the source language, whatever an earlier test left active."""
    with translation.override("zh-hans"):
        yield


def test_the_member_files_their_family_with_per_capita_income_and_the_district_standard(hw):
    family = file_family(hw, income="2000", size=3)
    assert family.status == S.FILED
    assert family.per_capita_income == Decimal("666.67")  # 2000 / 3, two places, half up
    assert family.minimum_living == Decimal("800.00")  # district A's standard, found from base A1
    assert family.below_standard is True
    assert family.filed_by == hw.member.user
    assert [e.action for e in family.events.all()] == ["filed"]
    assert AuditLogEntry.objects.filter(action="benefits.hardship.filed").count() == 1
    # The base union's hardship officer hears of it.
    assert Notification.objects.filter(user=hw.officer, kind="benefits.hardship.filed").count() == 1


@pytest.mark.parametrize(("income", "size", "field"), [
    ("-1", 3, "monthly_income"), ("abc", 3, "monthly_income"), ("NaN", 3, "monthly_income"),
    ("100000000", 3, "monthly_income"), ("1000", 0, "household_size"), ("1000", 21, "household_size"),
    ("1000", "x", "household_size"),
])
def test_income_or_household_size_out_of_range_is_refused_and_nothing_is_saved(hw, income, size, field):
    with pytest.raises(HardshipError) as refused:
        file_family(hw, income=income, size=size)
    assert field in refused.value.fields
    assert not HardshipFamily.objects.exists()
    assert not HardshipEvent.objects.exists()


def test_a_second_active_family_is_refused_with_a_message(hw):
    file_family(hw)
    with pytest.raises(HardshipError) as refused:
        file_family(hw)
    assert refused.value.code == "conflict"
    assert "不能重复登记" in str(refused.value.message)
    assert HardshipFamily.objects.count() == 1


def test_the_database_keeps_one_active_family_per_member(hw):
    family = file_family(hw)
    with pytest.raises(IntegrityError), transaction.atomic():
        HardshipFamily.objects.create(number="X1", member=hw.member, cause="other", monthly_income=0,
                                      household_size=1, per_capita_income=0)
    # After leaving, the member may file again.
    services.family_leave(actor=hw.member.user, family_id=family.pk, reason="情况好转")
    assert file_family(hw).status == S.FILED


@pytest.mark.parametrize(("field", "value"), [("monthly_income", -1), ("household_size", 0),
                                              ("household_size", 21)])
def test_the_database_refuses_figures_out_of_range(hw, field, value):
    family = file_family(hw)
    with pytest.raises(IntegrityError), transaction.atomic():
        HardshipFamily.objects.filter(pk=family.pk).update(**{field: value})


def test_staff_file_for_a_member_in_scope_but_not_outside_it(hw, member_factory):
    family = file_family(hw, actor=hw.officer)
    assert family.filed_by == hw.officer
    stranger = member_factory(branch=hw.tree.base_a2)
    with pytest.raises(HardshipError) as refused:
        file_family(hw, stranger, actor=hw.officer)
    assert refused.value.code == "not_found"
    # A member cannot file for another member.
    with pytest.raises(HardshipError):
        file_family(hw, hw.other, actor=hw.member.user)
    # A finance officer holds no hardship role.
    with pytest.raises(HardshipError):
        file_family(hw, hw.other, actor=hw.finance)


def test_confirming_needs_the_visit_then_the_notice_then_its_end(hw):
    family = file_family(hw)
    with pytest.raises(HardshipError, match="尚未入户走访"):
        services.family_confirm(actor=hw.officer, family_id=family.pk, level="deep")
    with pytest.raises(HardshipError, match="请先记录入户走访"):
        services.notice_start(actor=hw.officer, family_id=family.pk)
    services.home_visit_record(actor=hw.officer, family_id=family.pk, visited_on=timezone.localdate(), notes="核实")
    with pytest.raises(HardshipError, match="尚未公示"):
        services.family_confirm(actor=hw.officer, family_id=family.pk, level="deep")
    family = services.notice_start(actor=hw.officer, family_id=family.pk)
    assert family.notice_ends_on == timezone.localdate() + timedelta(days=4)  # 5 days, today the first
    with pytest.raises(HardshipError, match="期满后才能确认建档"):
        services.family_confirm(actor=hw.officer, family_id=family.pk, level="deep")
    family.refresh_from_db()
    assert family.status == S.NOTICE and family.level == ""
    notice_over(family)
    family = services.family_confirm(actor=hw.officer, family_id=family.pk, level="deep")
    assert family.status == S.CONFIRMED and family.level == "deep"
    assert family.recheck_due == timezone.localdate().replace(year=timezone.localdate().year + 1)
    assert [e.action for e in family.events.order_by("at", "id")] == ["filed", "home_visit", "notice_started",
                                                                        "confirmed"]
    assert Notification.objects.filter(user=hw.member.user, kind="benefits.hardship.status").count() == 1


def test_an_unanswered_objection_holds_the_confirmation(hw):
    family = family_at(hw, S.NOTICE)
    objection = services.objection_record(actor=hw.officer, family_id=family.pk, received_on=timezone.localdate(),
                                          content="有房产出租收入")
    notice_over(family)
    with pytest.raises(HardshipError, match="未处理的公示异议"):
        services.family_confirm(actor=hw.officer, family_id=family.pk, level="relative")
    services.objection_resolve(actor=hw.officer, objection_id=objection.pk, resolution="经核实无出租收入")
    assert services.family_confirm(actor=hw.officer, family_id=family.pk, level="relative").status == S.CONFIRMED


def test_objections_are_recorded_only_while_the_notice_runs(hw):
    family = family_at(hw, S.VISITED)
    with pytest.raises(HardshipError, match="公示中"):
        services.objection_record(actor=hw.officer, family_id=family.pk, received_on=timezone.localdate(),
                                  content="异议")
    assert not HardshipObjection.objects.exists()


def test_a_staff_member_never_acts_on_their_own_family(hw):
    own = hw.officer_member
    family = file_family(hw, own)  # they may file their own, as a member
    with pytest.raises(HardshipError) as refused:
        services.home_visit_record(actor=own.user, family_id=family.pk, visited_on=timezone.localdate(),
                                   notes="自己走访自己")
    assert refused.value.code == "forbidden"
    assert "利益冲突" in str(refused.value.message)
    assert not HomeVisit.objects.exists()
    # A colleague takes it to the notice; the owner still cannot confirm it.
    services.home_visit_record(actor=hw.officer, family_id=family.pk, visited_on=timezone.localdate(), notes="核实")
    services.notice_start(actor=hw.officer, family_id=family.pk)
    notice_over(family)
    with pytest.raises(HardshipError, match="利益冲突"):
        services.family_confirm(actor=own.user, family_id=family.pk, level="deep")
    assert HardshipFamily.objects.get(pk=family.pk).status == S.NOTICE
    assert services.family_confirm(actor=hw.officer, family_id=family.pk, level="deep").status == S.CONFIRMED


def test_sibling_branch_staff_cannot_act(hw):
    family = family_at(hw, S.FILED)
    with pytest.raises(HardshipError) as refused:
        services.home_visit_record(actor=hw.sibling, family_id=family.pk, visited_on=timezone.localdate(),
                                   notes="越权")
    assert refused.value.code == "not_found"
    # The parent district's admin may.
    services.home_visit_record(actor=hw.district_admin, family_id=family.pk, visited_on=timezone.localdate(),
                               notes="区总走访")


def test_a_home_visit_date_in_the_future_is_refused(hw):
    family = family_at(hw, S.FILED)
    with pytest.raises(HardshipError) as refused:
        services.home_visit_record(actor=hw.officer, family_id=family.pk,
                                   visited_on=timezone.localdate() + timedelta(days=1), notes="走访")
    assert "visited_on" in refused.value.fields
    assert HardshipFamily.objects.get(pk=family.pk).status == S.FILED


def test_a_bad_visit_photo_saves_nothing_of_the_visit(hw):
    from django.core.files.uploadedfile import SimpleUploadedFile

    family = family_at(hw, S.FILED)
    with pytest.raises(HardshipError) as refused:
        services.home_visit_record(actor=hw.officer, family_id=family.pk, visited_on=timezone.localdate(),
                                   notes="走访", photos=[SimpleUploadedFile("a.txt", b"not an image")])
    assert "photos" in refused.value.fields
    assert not HomeVisit.objects.exists()
    assert HardshipFamily.objects.get(pk=family.pk).status == S.FILED
    assert not family.documents.exists()


def test_household_cannot_outgrow_the_household_size(hw):
    family = file_family(hw, size=2)
    services.household_member_add(actor=hw.member.user, family_id=family.pk, name="王芳", relation="配偶", age=40)
    with pytest.raises(HardshipError, match="家庭人口为 2 人"):
        services.household_member_add(actor=hw.member.user, family_id=family.pk, name="王小明", relation="子女",
                                      age=16, schooling="high")
    with pytest.raises(HardshipError) as refused:
        services.household_member_add(actor=hw.member.user, family_id=family.pk, name="某", relation="子女", age=200)
    assert "age" in refused.value.fields
    assert family.household.count() == 1


def test_the_yearly_recheck_updates_the_figures_and_moves_the_due_date(hw):
    family = family_at(hw, S.CONFIRMED)
    HardshipFamily.objects.filter(pk=family.pk).update(recheck_due=timezone.localdate())
    family = services.family_recheck(actor=hw.officer, family_id=family.pk, monthly_income="3000", household_size=4,
                                     level="relative", notes="孩子已工作")
    assert family.per_capita_income == Decimal("750.00")
    assert family.level == "relative"
    assert family.recheck_due > timezone.localdate()
    with pytest.raises(HardshipError):
        services.family_recheck(actor=hw.officer, family_id=family.pk, monthly_income="-5", household_size=4,
                                level="relative")


def test_leaving_needs_a_reason_and_ends_all_changes(hw):
    family = family_at(hw, S.CONFIRMED)
    with pytest.raises(HardshipError, match="退出原因"):
        services.family_leave(actor=hw.officer, family_id=family.pk, reason=" ")
    family = services.family_leave(actor=hw.officer, family_id=family.pk, reason="家庭收入已超过标准")
    assert family.status == S.LEFT and family.left_at is not None
    with pytest.raises(HardshipError, match="已退出"):
        services.household_member_add(actor=hw.member.user, family_id=family.pk, name="王芳", relation="配偶", age=40)


def test_care_visits_are_planned_for_confirmed_families_and_recorded_once(hw):
    filed = family_at(hw, S.FILED, hw.other)
    with pytest.raises(HardshipError, match="已建档"):
        services.care_visit_plan(actor=hw.officer, family_id=filed.pk, kind="festival", due_on=timezone.localdate())
    family = family_at(hw, S.CONFIRMED)
    visit = services.care_visit_plan(actor=hw.officer, family_id=family.pk, kind="psychological",
                                     due_on=timezone.localdate(), purpose="心理疏导")
    services.care_visit_record(actor=hw.officer, visit_id=visit.pk, done_on=timezone.localdate(), notes="谈心")
    with pytest.raises(HardshipError, match="已经记录完成"):
        services.care_visit_record(actor=hw.officer, visit_id=visit.pk, done_on=timezone.localdate(), notes="再记")
    assert CareVisit.objects.get(pk=visit.pk).visitor == hw.officer


def test_reminders_go_out_once_per_occasion(hw):
    family = family_at(hw, S.CONFIRMED)
    today = timezone.localdate()
    HardshipFamily.objects.filter(pk=family.pk).update(recheck_due=today + timedelta(days=10))
    services.care_visit_plan(actor=hw.officer, family_id=family.pk, kind="festival", due_on=today + timedelta(days=1))
    Notification.objects.all().delete()
    assert services.recheck_remind() == 1
    assert services.recheck_remind() == 0  # the same due date: nothing again
    assert Notification.objects.filter(user=hw.officer, kind="benefits.hardship.recheck").count() == 1
    assert Notification.objects.filter(user=hw.member.user, kind="benefits.hardship.recheck").count() == 1
    assert services.care_visits_remind() == 1
    assert services.care_visits_remind() == 0
    assert Notification.objects.filter(user=hw.officer, kind="benefits.hardship.care").count() == 1
    assert not Notification.objects.filter(user=hw.sibling).exists()
    # A new due date (after a re-check) is reminded about again.
    HardshipFamily.objects.filter(pk=family.pk).update(recheck_due=today + timedelta(days=20))
    assert services.recheck_remind() == 1


def test_the_notice_list_is_anonymised(hw, member_factory):
    named = member_factory(branch=hw.tree.base_a1, name="张晓明")
    family_at(hw, S.NOTICE, named)
    rows = selectors.notices_in_scope(hw.officer)
    assert [row.name for row in rows] == ["张*明"]
    assert not hasattr(rows[0], "id_number")
    assert selectors.notices_in_scope(hw.sibling) == []
    assert selectors.notice_name("李四") == "李*"
    assert selectors.notice_name("欧阳小明") == "欧**明"


def test_statistics_count_confirmed_families_by_level_cause_and_branch(hw, member_factory):
    family_at(hw, S.CONFIRMED)
    family_at(hw, S.FILED, hw.other)
    stats = selectors.statistics(hw.district_admin)
    assert stats.totals["total"] == 1 and stats.totals["in_progress"] == 1
    assert stats.rows[0]["levels"][[v for v, _ in stats.levels].index("deep")] == 1
    assert stats.rows[0]["causes"][[v for v, _ in stats.causes].index("illness")] == 1
    assert selectors.statistics(hw.sibling).rows == []


def test_what_was_filed_is_corrected_before_the_notice_only(hw):
    family = file_family(hw, size=2)
    services.household_member_add(actor=hw.member.user, family_id=family.pk, name="王芳", relation="配偶", age=40)
    family = services.family_update(actor=hw.member.user, family_id=family.pk, cause="disaster",
                                    monthly_income="3000", household_size=4)
    assert (family.cause, family.household_size, family.per_capita_income) == ("disaster", 4, Decimal("750.00"))
    with pytest.raises(HardshipError) as refused:
        services.family_update(actor=hw.member.user, family_id=family.pk, cause="disaster", monthly_income="3000",
                               household_size=1)  # one other person is listed
    assert "household_size" in refused.value.fields
    with pytest.raises(HardshipError):
        services.family_update(actor=hw.sibling, family_id=family.pk, cause="disaster", monthly_income="1",
                               household_size=4)
    services.home_visit_record(actor=hw.officer, family_id=family.pk, visited_on=timezone.localdate(), notes="核实")
    services.notice_start(actor=hw.officer, family_id=family.pk)
    with pytest.raises(HardshipError, match="公示开始后"):
        services.family_update(actor=hw.officer, family_id=family.pk, cause="disaster", monthly_income="100",
                               household_size=4)
    family.refresh_from_db()
    assert family.monthly_income == Decimal("3000.00")
