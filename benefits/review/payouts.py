"""Payout batches: finance puts every approved application of a branch's subtree — of every kind paid this way
(`kinds.payout_kinds`) — into one batch for the bank, then marks the batch paid, or single transfers failed."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core import money
from core.services import audit_log
from members.notifications.services import recipient_text
from members.selectors import branch_subtree, branches_in_scope

from ..models import PayoutBatch, PayoutItem, ReviewState
from . import access
from .decisions import notify_member
from .kinds import ReviewKind, payout_kinds
from .transitions import ReviewChanged, ReviewError, now, reference_number, transition

S = ReviewState


@dataclass
class BatchResult:
    batch: PayoutBatch
    count: int
    total: Decimal
    own_left_out: int = 0  # the finance officer's own approved applications: left for a colleague's batch


def _finance_roles(kinds: list[ReviewKind]) -> list[str]:
    return sorted({kind.finance_role for kind in kinds})


def item_kind(item: PayoutItem, kinds: list[ReviewKind]) -> tuple[ReviewKind, object]:
    """The kind and the application a payout item pays."""
    for kind in kinds:
        if getattr(item, f"{kind.payout_fk}_id") is not None:
            return kind, getattr(item, kind.payout_fk)
    raise LookupError(f"payout item {item.pk} pays no registered kind")


def batches_in_scope(user):
    return PayoutBatch.objects.filter(branch__in=branches_in_scope(user, roles=_finance_roles(payout_kinds())))


def batch_items(batch: PayoutBatch) -> list[PayoutItem]:
    """The batch's items, each with `kind` and `application` (its member and branch loaded), in one query."""
    kinds = payout_kinds()
    related = [f"{kind.payout_fk}__{name}" for kind in kinds for name in ("member", "branch")]
    items = list(batch.items.select_related(*related).order_by("id"))
    for item in items:
        item.kind, item.application = item_kind(item, kinds)
    return items


def payout_batch_create(*, actor, branch_id: int) -> BatchResult:
    """Finance puts every approved application of the branch's subtree not already in an unpaid batch into a
    new one."""
    kinds = payout_kinds()
    with transaction.atomic():
        branch = branches_in_scope(actor, roles=_finance_roles(kinds)).filter(pk=branch_id).first()
        if branch is None:
            raise ReviewError(_("您不能为该工会制作发放批次。"), code="not_found")
        chosen: list[tuple[ReviewKind, object]] = []
        own_left_out = 0
        for kind in kinds:
            payable = (
                kind.model.objects.select_for_update(of=("self",))
                .filter(kind.payable(), state=S.APPROVED, branch__in=branch_subtree(branch))
                .exclude(payout_items__status=PayoutItem.Status.PENDING)
            )
            # No one pays themselves: a finance officer's own applications go into a colleague's batch.
            chosen += [(kind, a) for a in payable.exclude(member__user=actor).order_by("decided_at", "id")]
            own_left_out += payable.filter(member__user=actor).count()
        if not chosen:
            if own_left_out:
                raise ReviewError(_("待发放的只有您本人的申请，须由其他财务人员制作发放批次。"), code="forbidden")
            raise ReviewError(_("没有待发放的已核准申请。"))
        batch = PayoutBatch.objects.create(number=reference_number("B"), branch=branch, created_by=actor)
        try:
            # The partial unique constraints close the race of two finance staff batching the same application.
            with transaction.atomic():
                PayoutItem.objects.bulk_create([
                    PayoutItem(batch=batch, amount=a.approved_amount, **{kind.payout_fk: a}) for kind, a in chosen
                ])
        except IntegrityError as exc:
            raise ReviewChanged(_("其中有申请刚刚被列入另一个批次，请刷新后重试。")) from exc
        for kind in kinds:
            kind.event_model.objects.bulk_create([
                kind.event_model(**{kind.event_fk: a}, action="batch", actor=actor, from_state=a.state,
                                 to_state=a.state, message=batch.number)
                for each_kind, a in chosen if each_kind is kind
            ])
        total = sum((a.approved_amount for _kind, a in chosen), Decimal("0.00"))
        audit_log(actor=actor, action="benefits.payout.batch_created", target=batch,
                  data={"claims": len(chosen), "total": str(total)})
    return BatchResult(batch=batch, count=len(chosen), total=total, own_left_out=own_left_out)


def payout_batch_mark_paid(*, actor, batch_id: int) -> int:
    """The bank paid the batch: every transfer not marked failed is paid; members are told the amount."""
    kinds = payout_kinds()
    with transaction.atomic():
        batch = (
            PayoutBatch.objects.select_for_update()
            .filter(pk=batch_id, branch__in=branches_in_scope(actor, roles=_finance_roles(kinds))).first()
        )
        if batch is None:
            raise ReviewError(_("找不到该批次。"), code="not_found")
        if batch.status != PayoutBatch.Status.OPEN:
            raise ReviewError(_("该批次已经标记为已发放。"), code="wrong_state")
        items = list(batch.items.filter(status=PayoutItem.Status.PENDING)
                     .select_related(*(f"{kind.payout_fk}__member__user" for kind in kinds)).order_by("id"))
        paying = [(item, *item_kind(item, kinds)) for item in items]
        if any(application.member.user_id == actor.pk for _item, _kind, application in paying):
            raise ReviewError(_("该批次中有您本人的申请，须由其他财务人员标记发放。"), code="forbidden")
        at = now()
        for item, kind, application in paying:
            application = transition(kind, application, action="pay", actor=actor, message=batch.number,
                                     amount_to=item.amount, paid_amount=item.amount, paid_at=at)
            notify_member(kind, application, recipient_text(kind.texts["paid"], amount=money.figures(item.amount)),
                          recipient_text(kind.texts["paid_body"], number=application.number,
                                         tail=application.bank_account[-4:]))
        batch.items.filter(status=PayoutItem.Status.PENDING).update(status=PayoutItem.Status.PAID)
        batch.status, batch.paid_at, batch.paid_by = PayoutBatch.Status.PAID, at, actor
        batch.save(update_fields=["status", "paid_at", "paid_by"])
        audit_log(actor=actor, action="benefits.payout.batch_paid", target=batch, data={"paid": len(items)})
    return len(items)


def payout_item_mark_failed(*, actor, item_id: int, note: str) -> PayoutItem:
    """One transfer bounced: the application goes back to approved (it can join a later batch) with the note."""
    kinds = payout_kinds()
    note = (note or "").strip()
    if not note:
        raise ReviewError(_("请写明发放失败的原因。"), fields={"note": _("请填写原因。")})
    with transaction.atomic():
        item = (
            PayoutItem.objects.select_for_update(of=("self",))
            .select_related("batch", *(f"{kind.payout_fk}__member__user" for kind in kinds))
            .filter(pk=item_id, batch__branch__in=branches_in_scope(actor, roles=_finance_roles(kinds))).first()
        )
        if item is None:
            raise ReviewError(_("找不到该发放明细。"), code="not_found")
        kind, application = item_kind(item, kinds)
        refusal = access.action_refusal(kind, actor, application, "payout_failed")
        if refusal is not None:
            raise ReviewError(refusal, code="forbidden")
        if item.status != PayoutItem.Status.PENDING or item.batch.status != PayoutBatch.Status.OPEN:
            raise ReviewError(_("只有未发放批次中的待发放明细可以标记失败。"), code="wrong_state")
        item.status, item.note = PayoutItem.Status.FAILED, note[:200]
        item.save(update_fields=["status", "note"])
        application = transition(kind, application, action="payout_failed", actor=actor, message=note[:500])
        notify_member(kind, application, recipient_text(kind.texts["payout_failed"], number=application.number),
                      recipient_text(kind.texts["payout_failed_body"], note=note))
    return item
