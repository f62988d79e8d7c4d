"""Joining: applying with validated identity, approving/rejecting (one or many), numbers, notifications."""

import datetime
import re

import pytest
from django.utils import timezone

from core.models import AuditLogEntry
from members.models import Member, MemberNumberCounter, MembershipApplication, Notification
from members.organisation import services
from tests.factories import ApplicantFactory, apply_form_data, id_number_for


@pytest.fixture
def applicant(db):
    return ApplicantFactory()


def apply(user, branch, serial=1, **overrides):
    return services.membership_apply(user=user, branch_id=branch.pk, **apply_form_data(serial, **overrides))


def test_apply_creates_an_applied_member_and_tells_the_branch_admin(org_tree, staff_of, applicant):
    admin_a = staff_of(org_tree.district_a)
    application = apply(applicant, org_tree.base_a1, id_number=f" {id_number_for(502, birth='19920229')} ")
    member = application.member
    assert member.status == Member.Status.APPLIED and member.member_number is None
    # Birth date and gender come from the ID number (sequence 502: even → female); spaces are trimmed.
    assert member.birth_date == datetime.date(1992, 2, 29) and member.gender == "F"
    assert member.id_number == id_number_for(502, birth="19920229")
    assert Notification.objects.filter(user=admin_a, kind="membership.application").count() == 1
    assert AuditLogEntry.objects.filter(action="membership.applied").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_number": "350203198503150012"}, "id_number", "校验位不正确"),
        ({"id_number": "350203198502300011"}, "id_number", "出生日期不存在"),
        ({"id_number": "12345"}, "id_number", "应为 18 位"),
        ({"mobile": "12345678901"}, "mobile", "11 位中国大陆手机号码"),
        ({"name": "  "}, "name", "请填写真实姓名"),
        ({"employment_type": "gig"}, "employment_type", "请选择就业形态"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(org_tree, applicant, overrides, field, message):
    with pytest.raises(services.MembershipError) as error:
        apply(applicant, org_tree.base_a1, **overrides)
    assert error.value.field == field and message in error.value.message
    assert not Member.objects.exists() and not MembershipApplication.objects.exists()


def test_a_birth_date_in_the_future_is_refused(org_tree, applicant):
    from members.id_numbers import checksum_char

    next_year = timezone.localdate().year + 1
    first17 = f"350203{next_year}0101001"
    with pytest.raises(services.MembershipError, match="出生日期不可能"):
        apply(applicant, org_tree.base_a1, id_number=first17 + checksum_char(first17))
    assert not Member.objects.exists()


def test_an_id_number_already_registered_is_refused(org_tree, applicant, member_factory):
    existing = member_factory(branch=org_tree.base_b1)
    with pytest.raises(services.MembershipError, match="该身份证号已登记为会员") as error:
        apply(applicant, org_tree.base_a1, id_number=existing.id_number)
    assert error.value.field == "id_number"
    assert Member.objects.count() == 1 and not MembershipApplication.objects.exists()


def test_a_mobile_used_by_another_member_is_refused(org_tree, applicant, member_factory):
    existing = member_factory(branch=org_tree.base_b1)
    with pytest.raises(services.MembershipError, match="该手机号已被其他会员使用") as error:
        apply(applicant, org_tree.base_a1, mobile=existing.mobile)
    assert error.value.field == "mobile"
    assert not MembershipApplication.objects.exists()


def test_a_mobile_given_up_by_someone_who_left_can_be_used(org_tree, applicant, member_factory):
    member_factory(branch=org_tree.base_b1, status=Member.Status.LEFT, mobile="13511112222")
    assert apply(applicant, org_tree.base_a1, mobile="13511112222").status == "pending"


def test_applying_while_already_a_member_is_refused(org_tree, member_factory):
    member = member_factory(branch=org_tree.base_b1)
    with pytest.raises(services.MembershipError, match="不能重复入会") as error:
        apply(member.user, org_tree.base_a1, id_number=member.id_number, mobile=member.mobile)
    assert error.value.code == "already_member"
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE and member.branch == org_tree.base_b1
    assert not MembershipApplication.objects.exists()


def test_applying_twice_while_pending_is_refused(org_tree, applicant):
    apply(applicant, org_tree.base_a1)
    with pytest.raises(services.MembershipError, match="已有一份入会申请"):
        apply(applicant, org_tree.base_a2)
    assert MembershipApplication.objects.count() == 1


def test_only_base_and_federated_unions_take_applications(org_tree, applicant):
    with pytest.raises(services.MembershipError, match="基层工会或联合工会"):
        apply(applicant, org_tree.district_a)


def test_approve_numbers_the_member_and_notifies_them(org_tree, staff_of, applicant):
    admin_a = staff_of(org_tree.district_a)
    application = apply(applicant, org_tree.base_a1)
    services.application_approve(actor=admin_a, application_id=application.pk)
    member = Member.objects.get(user=applicant)
    assert member.status == Member.Status.ACTIVE and member.joined_at is not None
    assert re.fullmatch(rf"M{timezone.localdate().year}\d{{8}}", member.member_number)
    note = Notification.objects.get(user=applicant, kind="membership.approved")
    assert member.member_number in note.body
    application.refresh_from_db()
    assert application.status == "approved" and application.decided_by == admin_a
    with pytest.raises(services.MembershipError, match="已经处理过"):
        services.application_approve(actor=admin_a, application_id=application.pk)


def test_member_numbers_count_up_and_are_never_reused(org_tree, staff_of):
    admin_a = staff_of(org_tree.district_a)
    numbers = []
    for serial in range(3):
        user = ApplicantFactory()
        application = apply(user, org_tree.base_a1, serial=serial)
        services.application_approve(actor=admin_a, application_id=application.pk)
        numbers.append(Member.objects.get(user=user).member_number)
    assert numbers == sorted(numbers) and len(set(numbers)) == 3
    # The last member leaves: the counter does not go back, the next person gets a new number.
    last = Member.objects.get(member_number=numbers[-1])
    services.member_status_change(actor=admin_a, member_id=last.pk, change="leave")
    user = ApplicantFactory()
    services.application_approve(actor=admin_a, application_id=apply(user, org_tree.base_a1, serial=9).pk)
    assert Member.objects.get(user=user).member_number > numbers[-1]
    assert MemberNumberCounter.objects.get(year=timezone.localdate().year).last_value == 4


def test_staff_of_a_sibling_branch_cannot_decide(org_tree, staff_of, applicant):
    application = apply(applicant, org_tree.base_a1)
    for outsider in (staff_of(org_tree.district_b), staff_of(org_tree.base_a1, role="claims_reviewer")):
        with pytest.raises(services.MembershipError, match="没有管理该组织的权限"):
            services.application_approve(actor=outsider, application_id=application.pk)
    application.refresh_from_db()
    assert application.status == "pending"
    # The parent federation's admin may decide.
    services.application_approve(actor=staff_of(org_tree.city), application_id=application.pk)


def test_reject_needs_a_reason_and_removes_a_first_time_applicants_row(org_tree, staff_of, applicant):
    admin_a = staff_of(org_tree.district_a)
    application = apply(applicant, org_tree.base_a1)
    with pytest.raises(services.MembershipError, match="请填写不通过的理由"):
        services.application_reject(actor=admin_a, application_id=application.pk, reason=" ")
    services.application_reject(actor=admin_a, application_id=application.pk, reason="不是本单位职工")
    application.refresh_from_db()
    assert application.status == "rejected" and application.member is None
    assert not Member.objects.filter(user=applicant).exists()
    assert "不是本单位职工" in Notification.objects.get(user=applicant, kind="membership.rejected").body
    # The person may apply again (to the right union this time).
    assert apply(applicant, org_tree.base_a2).status == "pending"


def test_reapplying_after_leaving_keeps_the_member_number(org_tree, staff_of, member_factory):
    admin_a = staff_of(org_tree.district_a)
    member = member_factory(branch=org_tree.base_a1, member_number="M202500000001")
    services.member_status_change(actor=admin_a, member_id=member.pk, change="leave")
    application = services.membership_apply(
        user=member.user, branch_id=org_tree.base_a2.pk, name=member.name, id_number=member.id_number,
        mobile=member.mobile, employer="厦门港务", employment_type="standard",
    )
    member.refresh_from_db()
    assert member.status == Member.Status.APPLIED and member.branch == org_tree.base_a1
    # A rejection puts the old status back; an approval moves them and keeps the number.
    services.application_reject(actor=admin_a, application_id=application.pk, reason="材料不全")
    member.refresh_from_db()
    assert member.status == Member.Status.LEFT
    application = services.membership_apply(
        user=member.user, branch_id=org_tree.base_a2.pk, name=member.name, id_number=member.id_number,
        mobile=member.mobile, employer="厦门港务", employment_type="standard",
    )
    services.application_approve(actor=admin_a, application_id=application.pk)
    member.refresh_from_db()
    assert member.status == "active" and member.branch == org_tree.base_a2 and member.member_number == "M202500000001"


def test_reapplying_with_another_id_number_is_refused(org_tree, staff_of, member_factory):
    member = member_factory(branch=org_tree.base_a1, status=Member.Status.LEFT)
    with pytest.raises(services.MembershipError, match="与您此前登记的不一致"):
        # A birth date the member factory never uses, so the number is nobody's in any test order.
        apply(member.user, org_tree.base_a2, id_number=id_number_for(777, birth="19700101"))


def test_decide_many_at_once_skips_those_already_decided(org_tree, staff_of):
    admin_a = staff_of(org_tree.district_a)
    applications = [apply(ApplicantFactory(), org_tree.base_a1, serial=n) for n in range(3)]
    services.application_approve(actor=admin_a, application_id=applications[0].pk)
    result = services.applications_decide(
        actor=admin_a, application_ids=[a.pk for a in applications], approve=False, reason="名额已满"
    )
    assert result == {"done": 2, "skipped": 1}
    assert MembershipApplication.objects.filter(status="rejected").count() == 2


def test_decide_many_stops_everything_on_an_application_out_of_scope(org_tree, staff_of):
    admin_a = staff_of(org_tree.district_a)
    mine = apply(ApplicantFactory(), org_tree.base_a1, serial=1)
    theirs = apply(ApplicantFactory(), org_tree.base_b1, serial=2)
    with pytest.raises(services.MembershipError):
        services.applications_decide(actor=admin_a, application_ids=[mine.pk, theirs.pk], approve=True)
    assert MembershipApplication.objects.filter(status="pending").count() == 2
    assert not Member.objects.filter(status="active").exists()
