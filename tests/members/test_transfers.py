"""Transfers: the receiving branch decides; number and history stay; both sides are told."""

import pytest

from core.models import AuditLogEntry
from members.models import Member, Notification, Transfer
from members.organisation import services


@pytest.fixture
def people(org_tree, staff_of, member_factory):
    from types import SimpleNamespace

    return SimpleNamespace(
        admin_a=staff_of(org_tree.district_a),
        admin_b=staff_of(org_tree.district_b),
        member=member_factory(branch=org_tree.base_a1, member_number="M202600000042"),
    )


def test_transfer_approved_by_the_receiving_side_keeps_number_and_history(org_tree, people):
    transfer = services.transfer_request(user=people.member.user, to_branch_id=org_tree.base_b1.pk, note="换工作")
    assert Notification.objects.filter(user=people.admin_b, kind="transfer.requested").count() == 1

    with pytest.raises(services.MembershipError, match="没有管理该组织的权限"):
        services.transfer_approve(actor=people.admin_a, transfer_id=transfer.pk)  # the sending side can't
    services.transfer_approve(actor=people.admin_b, transfer_id=transfer.pk)

    member = Member.objects.get(pk=people.member.pk)
    assert member.branch == org_tree.base_b1 and member.status == "active"
    assert member.member_number == "M202600000042"
    transfer.refresh_from_db()
    assert transfer.status == "approved" and transfer.from_branch == org_tree.base_a1
    assert Notification.objects.filter(user=member.user, kind="transfer.approved").exists()
    assert Notification.objects.filter(user=people.admin_a, kind="transfer.out").exists()
    assert list(
        AuditLogEntry.objects.filter(target_id=str(transfer.pk), action__startswith="transfer.")
        .order_by("id").values_list("action", flat=True)
    ) == ["transfer.requested", "transfer.approved"]


def test_transfer_rejected_with_a_reason(org_tree, people):
    transfer = services.transfer_request(user=people.member.user, to_branch_id=org_tree.base_b1.pk)
    with pytest.raises(services.MembershipError, match="请填写不通过的理由"):
        services.transfer_reject(actor=people.admin_b, transfer_id=transfer.pk, reason="")
    services.transfer_reject(actor=people.admin_b, transfer_id=transfer.pk, reason="请先与原单位办理手续")
    people.member.refresh_from_db()
    assert people.member.branch == org_tree.base_a1
    note = Notification.objects.get(user=people.member.user, kind="transfer.rejected")
    assert "请先与原单位办理手续" in note.body


def test_transfer_to_ones_own_branch_is_refused(org_tree, people):
    with pytest.raises(services.MembershipError, match="不能转到自己所在的工会") as error:
        services.transfer_request(user=people.member.user, to_branch_id=org_tree.base_a1.pk)
    assert error.value.field == "to_branch"
    assert not Transfer.objects.exists()


def test_one_pending_transfer_at_a_time_and_the_member_may_withdraw(org_tree, people):
    transfer = services.transfer_request(user=people.member.user, to_branch_id=org_tree.base_b1.pk)
    with pytest.raises(services.MembershipError, match="已有一份转会申请"):
        services.transfer_request(user=people.member.user, to_branch_id=org_tree.base_a2.pk)
    services.transfer_cancel(user=people.member.user, transfer_id=transfer.pk)
    with pytest.raises(services.MembershipError, match="已经处理过"):
        services.transfer_approve(actor=people.admin_b, transfer_id=transfer.pk)
    assert services.transfer_request(user=people.member.user, to_branch_id=org_tree.base_a2.pk).status == "pending"


def test_another_person_cannot_withdraw_a_transfer(org_tree, people, user_factory):
    transfer = services.transfer_request(user=people.member.user, to_branch_id=org_tree.base_b1.pk)
    with pytest.raises(services.MembershipError) as error:
        services.transfer_cancel(user=user_factory(), transfer_id=transfer.pk)
    assert error.value.code == "not_found"


def test_only_active_members_transfer_and_a_suspension_withdraws_pending_ones(org_tree, people, applicant_user):
    with pytest.raises(services.MembershipError, match="只有正常状态的会员"):
        services.transfer_request(user=applicant_user, to_branch_id=org_tree.base_b1.pk)
    transfer = services.transfer_request(user=people.member.user, to_branch_id=org_tree.base_b1.pk)
    services.member_status_change(actor=people.admin_a, member_id=people.member.pk, change="suspend")
    transfer.refresh_from_db()
    assert transfer.status == "cancelled"
    with pytest.raises(services.MembershipError, match="只有正常状态的会员"):
        services.transfer_request(user=people.member.user, to_branch_id=org_tree.base_b1.pk)


@pytest.fixture
def applicant_user(db):
    from tests.factories import ApplicantFactory

    return ApplicantFactory()
