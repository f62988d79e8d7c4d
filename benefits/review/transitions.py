"""The one way an application changes state: the transition table, the conditional UPDATE on the version the
actor saw, the event row and the audit entry; and the history in words for members and reviewers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.services import audit_entry
from core.sql import row_insert, rows_update

from ..models import ReviewState
from ..services import BenefitsError
from .kinds import ReviewKind

S = ReviewState


class ReviewError(BenefitsError):
    """An action on an application that cannot be done, with a message for people (and the fields it concerns)."""

    def __init__(self, message, *, fields: dict | None = None, code: str | None = None):
        super().__init__(str(message), code, fields)


class ReviewChanged(ReviewError):
    code = "conflict"


# action: (states it may start from, state it leads to — None keeps the state)
TRANSITIONS: dict[str, tuple[frozenset, str | None]] = {
    "create": (frozenset(), S.DRAFT),
    "update": (frozenset({S.DRAFT, S.RETURNED}), None),
    "submit": (frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED),
    "assess": (frozenset({S.SUBMITTED}), S.BASE_REVIEW),
    "pass": (frozenset({S.BASE_REVIEW}), S.FEDERATION_REVIEW),
    "approve": (frozenset({S.FEDERATION_REVIEW}), S.APPROVED),
    "return": (frozenset({S.BASE_REVIEW, S.FEDERATION_REVIEW}), S.RETURNED),
    "reject": (frozenset({S.BASE_REVIEW, S.FEDERATION_REVIEW}), S.REJECTED),
    "adjust": (frozenset({S.BASE_REVIEW, S.FEDERATION_REVIEW}), None),
    "withdraw": (frozenset({S.DRAFT, S.SUBMITTED, S.BASE_REVIEW, S.FEDERATION_REVIEW, S.RETURNED}), S.WITHDRAWN),
    "batch": (frozenset({S.APPROVED}), None),
    "pay": (frozenset({S.APPROVED}), S.PAID),
    "payout_failed": (frozenset({S.APPROVED}), None),
    # A reviewer checked something the rules hold the application on (aid declared from elsewhere) and lets the
    # review go on, saying why.
    "override": (frozenset({S.BASE_REVIEW, S.FEDERATION_REVIEW}), None),
    # A claim filed from a hospital settlement record, within the amount its plan approves without review.
    "rule_approve": (frozenset({S.BASE_REVIEW}), S.APPROVED),
    # The member says no to a claim the portal filed for them from a record: before it is paid (an unconfirmed
    # record's claim never enters a payout batch).
    "decline": (frozenset({S.SUBMITTED, S.BASE_REVIEW, S.FEDERATION_REVIEW, S.RETURNED, S.APPROVED}), S.WITHDRAWN),
}

ACTION_LABELS = {
    "create": gettext_lazy("创建草稿"),
    "update": gettext_lazy("修改申请"),
    "submit": gettext_lazy("提交申请"),
    "assess": gettext_lazy("系统核算完成，进入审核"),
    "pass": gettext_lazy("基层工会审核通过，报上级复核"),
    "approve": gettext_lazy("核准补助"),
    "return": gettext_lazy("退回补充材料"),
    "reject": gettext_lazy("不予补助"),
    "adjust": gettext_lazy("调整核定金额"),
    "withdraw": gettext_lazy("撤回申请"),
    "batch": gettext_lazy("列入发放批次"),
    "pay": gettext_lazy("补助已发放"),
    "payout_failed": gettext_lazy("发放未成功"),
    "override": gettext_lazy("核实其他资助后准予继续"),
    "rule_approve": gettext_lazy("按方案规则直接核准"),
    "decline": gettext_lazy("本人放弃申请"),
    "confirm": gettext_lazy("本人确认申请"),
}

# What the amount on a history row is, by the event's action (any other action with an amount: "金额").
AMOUNT_LABELS = {
    "assess": gettext_lazy("核算金额"),
    "adjust": gettext_lazy("调整为"),
    "approve": gettext_lazy("核定金额"),
    "rule_approve": gettext_lazy("核定金额"),
    "pay": gettext_lazy("发放金额"),
}


def now():
    return timezone.now()


def reference_number(prefix: str) -> str:
    """A number people read out (C20261205…): the day and 12 random hex digits. Twelve, not eight: a settlement
    import files 100,000 claims in a day, and among 100,000 draws from 2^32 two share a number more often than not
    (the birthday bound: found by the benchmark, a chunk refused by the unique constraint). From 2^48 the chance is
    about 1 in 50,000 for such a day, and a chunk refused then is filed again by the sweep."""
    return f"{prefix}{timezone.localdate():%Y%m%d}{uuid.uuid4().hex[:12].upper()}"


def state_label(state: str) -> str:
    return str(S(state).label) if state in S.values else state


def ensure_from(application, action: str) -> None:
    if application.state not in TRANSITIONS[action][0]:
        raise ReviewError(
            _("该申请当前为“%(state)s”，不能%(action)s。") % {"state": state_label(application.state),
                                                            "action": ACTION_LABELS[action]},
            code="wrong_state",
        )


def transition(kind: ReviewKind, application, *, action: str, actor, version: int | None = None,
               message: str = "", amount_to=None, event_changes: dict | None = None, **fields):
    """Moves `application` by `action` if the transition table allows it from its state, keeps the event."""
    to_state = TRANSITIONS[action][1]
    ensure_from(application, action)
    expected = application.version if version is None else int(version)
    at = now()
    updates = dict(fields)
    if to_state and to_state != application.state:
        updates.update(state=to_state, state_changed_at=at)
    # Race: two reviewers (or a reviewer and the member withdrawing) act on one application at the same moment.
    # The UPDATE only matches the version and state this actor saw; the loser changes nothing and is told so.
    # (Plain statements written once per process: the assessment task runs this for every claim.)
    changed = rows_update(kind.model, where={"id": application.pk, "version": expected, "state": application.state},
                          values=updates, increment="version")
    if not changed:
        raise ReviewChanged(_("该申请刚刚被他人处理或已经变更，请刷新后查看最新状态。"), code="conflict")
    event, entry = transition_records(kind, application, action=action, actor=actor, at=at, message=message,
                                      amount_to=amount_to, event_changes=event_changes)
    row_insert(event)
    row_insert(entry)
    # The row now holds what the UPDATE wrote: mirror it on the object instead of reading it back.
    for name, value in fields.items():
        setattr(application, name, value)
    application.version = expected + 1
    if to_state and to_state != application.state:
        application.state, application.state_changed_at = to_state, at
    return application


def transition_records(kind: ReviewKind, application, *, action: str, actor, at, message: str = "", amount_to=None,
                       event_changes: dict | None = None, from_state: str | None = None):
    """The history row and the audit entry of `action` on `application`, leaving its state (or `from_state`),
    unsaved: `transition` writes them one at a time; a bulk filing (a chunk of settlement records) many at once."""
    from_state = application.state if from_state is None else from_state
    to_state = TRANSITIONS[action][1] or from_state
    event = kind.event_model(
        **{kind.event_fk: application}, action=action, actor=actor if getattr(actor, "pk", None) else None,
        from_state=from_state, to_state=to_state, message=message, at=at,
        amount_from=application.amount_due if amount_to is not None else None,
        amount_to=amount_to, changes=event_changes or {},
    )
    entry = audit_entry(actor=actor, action=f"benefits.{kind.code}.{action}", target=application,
                        data={"from": from_state, "to": to_state, "message": message[:500],
                              **({"amount": str(amount_to)} if amount_to is not None else {})})
    return event, entry


@dataclass(frozen=True)
class TimelineRow:
    """One history row in words, for the member's timeline and the reviewer's history: no state code, no bare
    figure."""

    event: object  # a ReviewEvent
    label: str
    from_label: str  # "" for the first row (nothing came before)
    to_label: str
    amount: Decimal | None
    amount_before: Decimal | None  # an adjustment's previous amount
    amount_label: str


def timeline_rows(events) -> list[TimelineRow]:
    rows = []
    for event in events:
        before = event.amount_from if event.action == "adjust" and event.amount_from != event.amount_to else None
        rows.append(TimelineRow(
            event=event, label=str(ACTION_LABELS.get(event.action, event.action)),
            from_label=state_label(event.from_state) if event.from_state else "",
            to_label=state_label(event.to_state), amount=event.amount_to, amount_before=before,
            amount_label=str(AMOUNT_LABELS.get(event.action, gettext_lazy("金额"))),
        ))
    return rows
