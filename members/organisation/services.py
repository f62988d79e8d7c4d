"""Writes of the organisation: the branch tree, staff roles, member numbers, joining, transfers and member records.
One function per action, keyword-only, one transaction each."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError
from core.services import audit_log

from ..id_numbers import parse_id_number
from ..models import (
    Branch,
    Member,
    MemberNumberCounter,
    MembershipApplication,
    StaffRole,
    Transfer,
    User,
    mobile_validator,
)
from ..notifications.services import notification_send, recipient_text
from ..selectors import branch_admins_for, branch_subtree, forget_roles, user_has_branch_scope
from .selectors import joinable_branch_kinds

# --- Branch tree, staff roles, joining, transfers --------------------------------------------------------


class MembershipError(ApplicationError):
    """A request about branches, members, applications or transfers that cannot be done; `message` says why
    in words people understand, `field` names the form field at fault when there is one."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message, code, field=field)


# Which kinds may sit directly under which: the city federation is the root; a base union has no children.
ALLOWED_PARENT_KINDS: dict[str, tuple[str | None, ...]] = {
    Branch.Kind.CITY: (None,),
    Branch.Kind.DISTRICT: (Branch.Kind.CITY,),
    Branch.Kind.STREET: (Branch.Kind.DISTRICT,),
    Branch.Kind.FEDERATED: (Branch.Kind.DISTRICT, Branch.Kind.STREET),
    Branch.Kind.BASE: (Branch.Kind.DISTRICT, Branch.Kind.STREET, Branch.Kind.FEDERATED),
}
BRANCH_ADMIN_ROLES = [StaffRole.Role.BRANCH_ADMIN]


def _kind_label(kind: str | None) -> str:
    return str(Branch.Kind(kind).label) if kind else ""


def branch_check_placement(*, kind: str, federated_type: str, parent: Branch | None, children_kinds=()) -> None:
    """Raises MembershipError when a branch of `kind` may not sit under `parent` or over `children_kinds`."""
    if kind not in Branch.Kind.values:
        raise MembershipError(_("请选择组织类别。"), field="kind")
    if kind == Branch.Kind.FEDERATED and not federated_type:
        raise MembershipError(_("联合工会须选择类型（园区、行业、楼宇、商圈、社区或村）。"), field="federated_type")
    if kind != Branch.Kind.FEDERATED and federated_type:
        raise MembershipError(_("只有联合工会才有联合工会类型。"), field="federated_type")
    parent_kind = parent.kind if parent is not None else None
    allowed = ALLOWED_PARENT_KINDS[kind]
    if parent_kind not in allowed:
        if parent_kind == Branch.Kind.BASE:
            message = _("基层工会之下不能再设下级组织。")
        elif parent is None:
            message = _("只有市总工会可以作为最上级组织，请选择上级组织。")
        elif kind == Branch.Kind.CITY:
            message = _("市总工会是最上级组织，不能设在其他组织之下。")
        else:
            message = _("%(kind)s只能设在%(parents)s之下，不能设在%(parent_kind)s之下。") % {
                "kind": _kind_label(kind),
                "parents": "、".join(_kind_label(k) for k in allowed if k),
                "parent_kind": _kind_label(parent_kind),
            }
        raise MembershipError(message, field="parent")
    for child_kind in set(children_kinds):
        if kind not in ALLOWED_PARENT_KINDS[child_kind]:
            raise MembershipError(
                _("该组织下已有%(child)s，不能改为%(kind)s。")
                % {"child": _kind_label(child_kind), "kind": _kind_label(kind)},
                field="kind",
            )


def _ensure_branch_admin(actor, branch: Branch | None) -> None:
    if actor is None:  # the system itself (demo data, management commands) acts without a person
        return
    if branch is None:
        if not actor.is_superuser:
            raise MembershipError(_("只有系统管理员可以创建最上级组织。"), code="forbidden")
        return
    if not user_has_branch_scope(actor, branch, roles=BRANCH_ADMIN_ROLES):
        raise MembershipError(_("您没有管理该组织的权限。"), code="forbidden")


def branch_create(*, actor, parent: Branch | None, name: str, kind: str, federated_type: str = "", **fields) -> Branch:
    """Adds a branch under `parent` (or a root city federation), after checking the kind order."""
    name = (name or "").strip()
    if not name:
        raise MembershipError(_("请填写组织名称。"), field="name")
    with transaction.atomic():
        if parent is not None:
            # Lock the parent: treebeard computes the new child's path from its siblings.
            parent = Branch.objects.select_for_update().get(pk=parent.pk)
        _ensure_branch_admin(actor, parent)
        branch_check_placement(kind=kind, federated_type=federated_type, parent=parent)
        instance = Branch(name=name, kind=kind, federated_type=federated_type, **fields)
        if parent is None:
            branch = Branch.objects.add_root(instance=instance)
        else:
            branch = Branch.objects.add_child(parent, instance=instance)
        audit_log(actor=actor, action="branch.created", target=branch, data={"parent": parent.pk if parent else None})
    return branch


def branch_update(*, actor, branch: Branch, **fields) -> Branch:
    """Changes a branch's own fields (not its place in the tree: that is `branch_move`)."""
    with transaction.atomic():
        branch = Branch.objects.select_for_update().get(pk=branch.pk)
        _ensure_branch_admin(actor, branch)
        kind = fields.get("kind", branch.kind)
        federated_type = fields.get("federated_type", branch.federated_type)
        if kind != branch.kind or federated_type != branch.federated_type:
            children_kinds = Branch.objects.get_children(branch).values_list("kind", flat=True)
            branch_check_placement(
                kind=kind,
                federated_type=federated_type,
                parent=Branch.objects.get_parent(branch),
                children_kinds=children_kinds,
            )
        if "name" in fields and not (fields["name"] or "").strip():
            raise MembershipError(_("请填写组织名称。"), field="name")
        changed = {}
        for field, value in fields.items():
            if getattr(branch, field) != value:
                changed[field] = str(value)
                setattr(branch, field, value)
        if changed:
            branch.save(update_fields=list(changed))
            audit_log(actor=actor, action="branch.updated", target=branch, data={"fields": sorted(changed)})
    return branch


def branch_move(*, actor, branch: Branch, new_parent: Branch) -> Branch:
    """Moves a branch with its whole subtree under `new_parent`; members, roles and records follow because
    they point at branch rows, and treebeard rewrites the subtree's paths in one statement."""
    with transaction.atomic():
        branch = Branch.objects.select_for_update().get(pk=branch.pk)
        new_parent = Branch.objects.select_for_update().get(pk=new_parent.pk)
        _ensure_branch_admin(actor, branch)
        _ensure_branch_admin(actor, new_parent)
        if branch_subtree(branch).filter(pk=new_parent.pk).exists():
            raise MembershipError(_("不能把组织移到它自己或它的下级组织之下。"), field="parent")
        old_parent = Branch.objects.get_parent(branch)
        if old_parent is not None and old_parent.pk == new_parent.pk:
            return branch
        branch_check_placement(kind=branch.kind, federated_type=branch.federated_type, parent=new_parent)
        Branch.objects.move(branch, new_parent, "sorted-child")
        branch.refresh_from_db()
        audit_log(
            actor=actor,
            action="branch.moved",
            target=branch,
            data={"from": old_parent.pk if old_parent else None, "to": new_parent.pk},
        )
    return branch


def staff_role_grant(*, actor, user: User, branch: Branch, role: str) -> StaffRole:
    """Gives `user` a role on `branch`; a branch admin can grant roles only inside their own subtree."""
    if role not in StaffRole.Role.values:
        raise MembershipError(_("请选择角色。"), field="role")
    with transaction.atomic():
        _ensure_branch_admin(actor, branch)
        if not user.is_active:
            raise MembershipError(_("该账户已停用，不能授予角色。"), field="user")
        staff_role, created = StaffRole.objects.get_or_create(user=user, branch=branch, role=role)
        if not created:
            raise MembershipError(_("该用户在这个组织已有这个角色。"), field="role")
        if not user.is_staff:
            User.objects.filter(pk=user.pk).update(is_staff=True)
            user.is_staff = True
        forget_roles(user)
        audit_log(actor=actor, action="staff_role.granted", target=staff_role, data={"user": user.pk, "role": role})
    return staff_role


def staff_role_revoke(*, actor, staff_role: StaffRole) -> None:
    with transaction.atomic():
        _ensure_branch_admin(actor, staff_role.branch)
        audit_log(
            actor=actor,
            action="staff_role.revoked",
            target=staff_role,
            data={"user": staff_role.user_id, "branch": staff_role.branch_id, "role": staff_role.role},
        )
        user = staff_role.user
        staff_role.delete()
        forget_roles(user)
        if not user.is_superuser and not StaffRole.objects.filter(user=user).exists():
            User.objects.filter(pk=user.pk).update(is_staff=False)


def member_numbers_reserve(*, count: int, today: datetime.date | None = None) -> list[str]:
    """Reserves `count` consecutive member numbers of this year ("M" + year + 8 digits) in one locked UPDATE:
    approvals take one, a bulk import takes a block per batch. Call inside the caller's transaction."""
    if count <= 0:
        return []
    year = (today or timezone.localdate()).year
    with transaction.atomic():
        try:
            with transaction.atomic():
                MemberNumberCounter.objects.get_or_create(year=year)
        except IntegrityError:
            pass  # another transaction created this year's counter first; lock theirs below
        # Lock the counter row: two approvals or imports at once must not take the same numbers.
        last = MemberNumberCounter.objects.select_for_update().values_list("last_value", flat=True).get(year=year)
        MemberNumberCounter.objects.filter(year=year).update(last_value=F("last_value") + count)
    return [f"M{year}{n:08d}" for n in range(last + 1, last + count + 1)]


def member_number_next(*, today: datetime.date | None = None) -> str:
    """The next member number. Call inside the caller's transaction."""
    return member_numbers_reserve(count=1, today=today)[0]


def _validated_identity(*, name: str, id_number: str, mobile: str, employment_type: str):
    name = (name or "").strip()
    if not name:
        raise MembershipError(_("请填写真实姓名。"), field="name")
    try:
        number, birth_date, gender = parse_id_number(id_number, today=timezone.localdate())
    except ValidationError as exc:
        raise MembershipError(exc.messages[0], field="id_number") from None
    mobile = (mobile or "").strip()
    try:
        mobile_validator(mobile)
    except ValidationError as exc:
        raise MembershipError(exc.messages[0], field="mobile") from None
    if employment_type not in Member.EmploymentType.values:
        raise MembershipError(_("请选择就业形态。"), field="employment_type")
    return name, number, birth_date, gender, mobile


def member_mobile_check(*, mobile: str, member_id: int | None) -> None:
    """Raises MembershipError when another current member or applicant already uses `mobile`."""
    _ensure_mobile_free(mobile, except_member_id=member_id)


def _ensure_mobile_free(mobile: str, *, except_member_id: int | None) -> None:
    # A mobile number identifies a member for SMS; people who left may have given theirs up (numbers are
    # recycled by carriers), so only current members and applicants count.
    taken = Member.objects.filter(mobile=mobile).exclude(status__in=[Member.Status.LEFT, Member.Status.TRANSFERRED_OUT])
    if except_member_id is not None:
        taken = taken.exclude(pk=except_member_id)
    if taken.exists():
        raise MembershipError(_("该手机号已被其他会员使用，请换一个号码或联系工会。"), field="mobile")


def membership_apply(
    *,
    user: User,
    branch_id: int,
    name: str,
    id_number: str,
    mobile: str,
    employer: str = "",
    employment_type: str = Member.EmploymentType.STANDARD,
) -> MembershipApplication:
    """A signed-in person applies to join a branch. One Member row per person: a returning member (left or
    transferred out) applies with their old row and keeps their member number."""
    name, number, birth_date, gender, mobile = _validated_identity(
        name=name, id_number=id_number, mobile=mobile, employment_type=employment_type
    )
    with transaction.atomic():
        # Lock the applicant's user row: a double-submitted form must not create two applications.
        User.objects.select_for_update().filter(pk=user.pk).first()
        branch = Branch.objects.filter(pk=branch_id, is_active=True).first()
        if branch is None:
            raise MembershipError(_("没有找到这个工会组织。"), field="branch")
        if branch.kind not in joinable_branch_kinds():
            raise MembershipError(_("请选择一个基层工会或联合工会申请入会。"), field="branch")
        member = Member.objects.select_for_update().filter(user=user).first()
        if member is not None:
            if member.status in (Member.Status.ACTIVE, Member.Status.SUSPENDED):
                raise MembershipError(
                    _("您已是%(branch)s的会员，不能重复入会；如要换到其他工会，请申请转会。")
                    % {"branch": member.branch},
                    code="already_member",
                )
            if member.status == Member.Status.APPLIED:
                raise MembershipError(_("您已有一份入会申请在审核中，请等待结果。"), code="already_applied")
            if member.id_number != number:
                raise MembershipError(
                    _("身份证号与您此前登记的不一致。如需更正，请联系原所在工会。"), field="id_number"
                )
        elif Member.objects.filter(id_number=number).exists():
            raise MembershipError(_("该身份证号已登记为会员。如确系本人，请联系所在工会关联账户。"), field="id_number")
        _ensure_mobile_free(mobile, except_member_id=member.pk if member else None)

        previous_status = member.status if member is not None else ""
        try:
            with transaction.atomic():
                if member is None:
                    member = Member.objects.create(
                        user=user,
                        name=name,
                        id_number=number,
                        birth_date=birth_date,
                        gender=gender,
                        mobile=mobile,
                        employer=employer.strip(),
                        employment_type=employment_type,
                        branch=branch,
                        status=Member.Status.APPLIED,
                        applied_at=timezone.now(),
                    )
                else:
                    member.name, member.mobile = name, mobile
                    member.employer, member.employment_type = employer.strip(), employment_type
                    member.status, member.applied_at = Member.Status.APPLIED, timezone.now()
                    member.save(update_fields=["name", "mobile", "employer", "employment_type", "status", "applied_at"])
                application = MembershipApplication.objects.create(
                    user=user,
                    member=member,
                    branch=branch,
                    name=name,
                    employer=member.employer,
                    employment_type=employment_type,
                    previous_status=previous_status,
                )
        except IntegrityError:
            # The unique ID number (or one pending application per user) was taken by a concurrent request.
            raise MembershipError(_("该身份证号已登记为会员，或您已有一份申请在审核中。"), field="id_number") from None
        audit_log(actor=user, action="membership.applied", target=application, data={"branch": branch.pk})
        for staff in branch_admins_for(branch):
            notification_send(
                user=staff,
                kind="membership.application",
                title=gettext_lazy("新的入会申请"),
                body=recipient_text(
                    gettext_lazy("%(name)s 申请加入%(branch)s。"), name=member.masked_name, branch=branch
                ),
                url=reverse("members:staff-applications"),
            )
    return application


def _pending_application_for_decision(*, actor, application_id: int) -> MembershipApplication:
    # Lock the application: two reviewers deciding at once must not both act (or hand out two numbers).
    application = (
        MembershipApplication.objects.select_for_update(of=("self",))
        .select_related("branch")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise MembershipError(_("没有找到这份申请。"), code="not_found")
    _ensure_branch_admin(actor, application.branch)
    if application.status != MembershipApplication.Status.PENDING:
        raise MembershipError(_("这份申请已经处理过了。"), code="already_decided")
    return application


def application_approve(*, actor, application_id: int) -> MembershipApplication:
    """Makes the applicant an active member of the branch, giving a member number if they have none."""
    with transaction.atomic():
        application = _pending_application_for_decision(actor=actor, application_id=application_id)
        member = Member.objects.select_for_update().get(pk=application.member_id)
        if member.member_number is None:
            member.member_number = member_number_next()
        member.branch = application.branch
        member.status = Member.Status.ACTIVE
        member.joined_at = timezone.now()
        member.left_at = None
        member.save(update_fields=["member_number", "branch", "status", "joined_at", "left_at"])
        application.status = MembershipApplication.Status.APPROVED
        application.decided_by = actor
        application.decided_at = timezone.now()
        application.save(update_fields=["status", "decided_by", "decided_at"])
        audit_log(actor=actor, action="membership.approved", target=application, data={"member": member.pk})
        notification_send(
            user=application.user,
            kind="membership.approved",
            title=gettext_lazy("入会申请已通过"),
            body=recipient_text(
                gettext_lazy("您已成为%(branch)s的会员，会员号 %(number)s。"),
                branch=application.branch,
                number=member.member_number,
            ),
            url=reverse("members:membership"),
        )
    return application


def application_reject(*, actor, application_id: int, reason: str) -> MembershipApplication:
    """Turns an application down with a reason the applicant reads. A first-time applicant's Member row is
    removed (the application keeps name, branch and reason, not the ID number); a returning member's row
    goes back to the status it had."""
    reason = (reason or "").strip()
    if not reason:
        raise MembershipError(_("请填写不通过的理由，申请人会看到它。"), field="reason")
    with transaction.atomic():
        application = _pending_application_for_decision(actor=actor, application_id=application_id)
        member = Member.objects.select_for_update().filter(pk=application.member_id).first()
        if member is not None:
            if application.previous_status:
                member.status = application.previous_status
                member.save(update_fields=["status"])
            else:
                application.member = None
                member.delete()
        application.status = MembershipApplication.Status.REJECTED
        application.reason = reason
        application.decided_by = actor
        application.decided_at = timezone.now()
        application.save(update_fields=["member", "status", "reason", "decided_by", "decided_at"])
        audit_log(actor=actor, action="membership.rejected", target=application, data={"reason": reason})
        notification_send(
            user=application.user,
            kind="membership.rejected",
            title=gettext_lazy("入会申请未通过"),
            body=recipient_text(
                gettext_lazy("您申请加入%(branch)s未通过。理由：%(reason)s"), branch=application.branch, reason=reason
            ),
            url=reverse("members:membership"),
        )
    return application


def applications_decide(*, actor, application_ids: list[int], approve: bool, reason: str = "") -> dict:
    """Approves or rejects several applications at once, all in one transaction: a bad id (outside the
    actor's scope) stops everything; applications someone else already decided are skipped and counted."""
    if not approve and not (reason or "").strip():
        raise MembershipError(_("请填写不通过的理由，申请人会看到它。"), field="reason")
    done, skipped = 0, 0
    with transaction.atomic():
        for application_id in sorted(set(application_ids)):
            try:
                with transaction.atomic():
                    if approve:
                        application_approve(actor=actor, application_id=application_id)
                    else:
                        application_reject(actor=actor, application_id=application_id, reason=reason)
                done += 1
            except MembershipError as exc:
                if exc.code != "already_decided":
                    raise
                skipped += 1
    return {"done": done, "skipped": skipped}


def transfer_request(*, user: User, to_branch_id: int, note: str = "") -> Transfer:
    """A member asks to move to another branch; the receiving branch's admins decide."""
    with transaction.atomic():
        # Lock the member: two requests at once must not both be pending (the constraint backs this up).
        member = Member.objects.select_for_update(of=("self",)).select_related("branch").filter(user=user).first()
        if member is None or member.status != Member.Status.ACTIVE:
            raise MembershipError(_("只有正常状态的会员可以申请转会。"), code="not_member")
        to_branch = Branch.objects.filter(pk=to_branch_id, is_active=True).first()
        if to_branch is None:
            raise MembershipError(_("没有找到这个工会组织。"), field="to_branch")
        if to_branch.pk == member.branch_id:
            raise MembershipError(
                _("您已在%(branch)s，不能转到自己所在的工会。") % {"branch": to_branch}, field="to_branch"
            )
        if to_branch.kind not in joinable_branch_kinds():
            raise MembershipError(_("请选择一个基层工会或联合工会。"), field="to_branch")
        if member.transfers.filter(status=Transfer.Status.PENDING).exists():
            raise MembershipError(_("您已有一份转会申请在审核中，请等待结果或先撤回。"), code="already_pending")
        transfer = Transfer.objects.create(
            member=member, from_branch=member.branch, to_branch=to_branch, note=(note or "").strip()[:500]
        )
        audit_log(
            actor=user,
            action="transfer.requested",
            target=transfer,
            data={"from": member.branch_id, "to": to_branch.pk},
        )
        for staff in branch_admins_for(to_branch):
            notification_send(
                user=staff,
                kind="transfer.requested",
                title=gettext_lazy("新的转会申请"),
                body=recipient_text(
                    gettext_lazy("%(name)s 申请从%(from)s转入%(to)s。"),
                    # "from" is a Python keyword, so the values go in as a dict.
                    **{"name": member.masked_name, "from": member.branch, "to": to_branch},
                ),
                url=reverse("members:staff-applications"),
            )
    return transfer


def _pending_transfer_for_decision(*, actor, transfer_id: int) -> Transfer:
    # Lock the transfer: two reviewers deciding at once must not both act.
    transfer = (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("to_branch", "from_branch")
        .filter(pk=transfer_id)
        .first()
    )
    if transfer is None:
        raise MembershipError(_("没有找到这份转会申请。"), code="not_found")
    _ensure_branch_admin(actor, transfer.to_branch)
    if transfer.status != Transfer.Status.PENDING:
        raise MembershipError(_("这份转会申请已经处理过了。"), code="already_decided")
    return transfer


def transfer_approve(*, actor, transfer_id: int) -> Transfer:
    """The receiving branch accepts: the member row changes branch, keeping its number and history."""
    with transaction.atomic():
        transfer = _pending_transfer_for_decision(actor=actor, transfer_id=transfer_id)
        member = Member.objects.select_for_update(of=("self",)).select_related("user").get(pk=transfer.member_id)
        if member.status != Member.Status.ACTIVE or member.branch_id != transfer.from_branch_id:
            raise MembershipError(_("会员的状态或所在工会已经变化，这份转会申请不能再批准。"), code="stale")
        member.branch = transfer.to_branch
        member.save(update_fields=["branch"])
        transfer.status = Transfer.Status.APPROVED
        transfer.decided_by, transfer.decided_at = actor, timezone.now()
        transfer.save(update_fields=["status", "decided_by", "decided_at"])
        audit_log(
            actor=actor,
            action="transfer.approved",
            target=transfer,
            data={"from": transfer.from_branch_id, "to": transfer.to_branch_id},
        )
        if member.user is not None:
            notification_send(
                user=member.user,
                kind="transfer.approved",
                title=gettext_lazy("转会已完成"),
                body=recipient_text(
                    gettext_lazy("您已从%(from)s转入%(to)s，会员号 %(number)s 不变。"),
                    # "from" is a Python keyword, so the values go in as a dict.
                    **{"from": transfer.from_branch, "to": transfer.to_branch, "number": member.member_number},
                ),
                url=reverse("members:membership"),
            )
        for staff in branch_admins_for(transfer.from_branch):
            notification_send(
                user=staff,
                kind="transfer.out",
                title=gettext_lazy("会员已转出"),
                body=recipient_text(
                    gettext_lazy("会员 %(name)s（%(number)s）已转入%(to)s。"),
                    name=member.masked_name,
                    number=member.member_number,
                    to=transfer.to_branch,
                ),
            )
    return transfer


def transfer_reject(*, actor, transfer_id: int, reason: str) -> Transfer:
    reason = (reason or "").strip()
    if not reason:
        raise MembershipError(_("请填写不通过的理由，申请人会看到它。"), field="reason")
    with transaction.atomic():
        transfer = _pending_transfer_for_decision(actor=actor, transfer_id=transfer_id)
        transfer.status = Transfer.Status.REJECTED
        transfer.reason = reason
        transfer.decided_by, transfer.decided_at = actor, timezone.now()
        transfer.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        audit_log(actor=actor, action="transfer.rejected", target=transfer, data={"reason": reason})
        member_user = User.objects.filter(member__pk=transfer.member_id).first()
        if member_user is not None:
            notification_send(
                user=member_user,
                kind="transfer.rejected",
                title=gettext_lazy("转会申请未通过"),
                body=recipient_text(
                    gettext_lazy("您申请转入%(to)s未通过。理由：%(reason)s"), to=transfer.to_branch, reason=reason
                ),
                url=reverse("members:membership"),
            )
    return transfer


def transfer_cancel(*, user: User, transfer_id: int) -> Transfer:
    """The member withdraws their own pending transfer request."""
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update(of=("self",)).filter(pk=transfer_id, member__user=user).first()
        if transfer is None:
            raise MembershipError(_("没有找到这份转会申请。"), code="not_found")
        if transfer.status != Transfer.Status.PENDING:
            raise MembershipError(_("这份转会申请已经处理过了，不能撤回。"), code="already_decided")
        transfer.status = Transfer.Status.CANCELLED
        transfer.decided_by, transfer.decided_at = user, timezone.now()
        transfer.save(update_fields=["status", "decided_by", "decided_at"])
        audit_log(actor=user, action="transfer.cancelled", target=transfer)
    return transfer


# Status changes staff may make to a member, and from which statuses.
_MEMBER_STATUS_CHANGES = {
    "suspend": (Member.Status.SUSPENDED, (Member.Status.ACTIVE,)),
    "reinstate": (Member.Status.ACTIVE, (Member.Status.SUSPENDED,)),
    "leave": (Member.Status.LEFT, (Member.Status.ACTIVE, Member.Status.SUSPENDED)),
    "transfer_out": (Member.Status.TRANSFERRED_OUT, (Member.Status.ACTIVE, Member.Status.SUSPENDED)),
}


def member_status_change(*, actor, member_id: int, change: str, reason: str = "") -> Member:
    """Suspends, reinstates, records leaving, or records a transfer out of the city's unions."""
    new_status, allowed_from = _MEMBER_STATUS_CHANGES[change]
    with transaction.atomic():
        # Lock the member: a status change racing an approval or a transfer must see the other's result.
        member = (
            Member.objects.select_for_update(of=("self",)).select_related("branch", "user").filter(pk=member_id).first()
        )
        if member is None:
            raise MembershipError(_("没有找到这位会员。"), code="not_found")
        _ensure_branch_admin(actor, member.branch)
        if member.status not in allowed_from:
            raise MembershipError(
                _("%(name)s 当前状态为“%(status)s”，不能改为“%(new)s”。")
                % {
                    "name": member.masked_name,
                    "status": member.get_status_display(),
                    "new": Member.Status(new_status).label,
                },
                code="wrong_status",
            )
        old_status = member.status
        member.status = new_status
        if new_status in (Member.Status.LEFT, Member.Status.TRANSFERRED_OUT):
            member.left_at = timezone.now()
        member.save(update_fields=["status", "left_at"])
        if new_status != Member.Status.ACTIVE:
            # A member who is no longer active cannot be transferred: withdraw what is pending.
            member.transfers.filter(status=Transfer.Status.PENDING).update(
                status=Transfer.Status.CANCELLED, decided_by=actor, decided_at=timezone.now()
            )
        audit_log(
            actor=actor,
            action=f"member.{change}",
            target=member,
            data={"from": old_status, "to": new_status, "reason": reason},
        )
        if member.user is not None:
            notification_send(
                user=member.user,
                kind=f"member.{change}",
                title=gettext_lazy("会员状态已变更"),
                body=recipient_text(
                    gettext_lazy("您的会员状态已改为“%(status)s”。%(reason)s"),
                    status=Member.Status(member.status).label,  # the lazy label: in the member's language
                    reason=reason,
                ),
                url=reverse("members:membership"),
            )
    return member


def member_update(*, actor, member_id: int, **fields) -> Member:
    """Staff correct a member's name, mobile, employer or employment type (not the ID number, branch or
    status: those change through applications, transfers and status changes)."""
    allowed = {"name", "mobile", "employer", "employment_type"}
    if set(fields) - allowed:
        raise MembershipError(_("这些信息不能在这里修改。"))
    with transaction.atomic():
        # Lock the member: an edit racing a status change or transfer must not overwrite it.
        member = Member.objects.select_for_update(of=("self",)).select_related("branch").filter(pk=member_id).first()
        if member is None:
            raise MembershipError(_("没有找到这位会员。"), code="not_found")
        _ensure_branch_admin(actor, member.branch)
        if "name" in fields and not (fields["name"] or "").strip():
            raise MembershipError(_("请填写真实姓名。"), field="name")
        if "mobile" in fields:
            try:
                mobile_validator(fields["mobile"])
            except ValidationError as exc:
                raise MembershipError(exc.messages[0], field="mobile") from None
            _ensure_mobile_free(fields["mobile"], except_member_id=member.pk)
        if fields.get("employment_type", member.employment_type) not in Member.EmploymentType.values:
            raise MembershipError(_("请选择就业形态。"), field="employment_type")
        changed = [name for name, value in fields.items() if getattr(member, name) != value]
        for name in changed:
            setattr(member, name, fields[name])
        if changed:
            member.save(update_fields=changed)
            audit_log(actor=actor, action="member.updated", target=member, data={"fields": sorted(changed)})
    return member
