"""The reviewers' decisions on any kind of application: pass at the base union, approve at the federation,
return with a checklist, reject with a reason, adjust the amount; and reviewers reminded of the service time.

Each runs in one transaction on the application locked for review (`access.for_review`), checks who may act
(`access.ensure_allowed`), moves it (`transitions.transition`) and tells the member in their language."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core import money
from members.models import Branch
from members.notifications.services import notification_send, recipient_text
from members.selectors import branch_admins_for

from ..models import ReviewState
from . import access
from .kinds import ReviewKind
from .transitions import TRANSITIONS, ReviewChanged, ReviewError, now, state_label, transition

S = ReviewState


def lazy_list(items: list) -> Promise | str:
    """`items` joined by the list separator of the language the text is written in ("、" in Chinese)."""
    separator = gettext_lazy("、")
    pieces = [piece for item in items for piece in (separator, item)][1:]
    return format_lazy("{}" * len(pieces), *pieces) if pieces else ""


# Titles and bodies are lazy texts (gettext_lazy, recipient_text, format_lazy): each message is written in its
# recipient's language, not in that of the reviewer or task whose action sends it.
def notify_member(kind: ReviewKind, application, title: Promise, body: Promise | str = "") -> None:
    if application.member.user_id is None:
        return
    notification_send(user=application.member.user, kind=f"benefits.{kind.code}.{application.state}", title=title,
                      body=body, url=kind.member_url(application))


def notify_reviewers(kind: ReviewKind, application, branch: Branch, title: Promise,
                     body: Promise | str = "") -> None:
    for user in branch_admins_for(branch, role=kind.reviewer_role):
        notification_send(user=user, kind=f"benefits.{kind.code}.review", title=title, body=body,
                          url=kind.review_url(application))


def _text(kind: ReviewKind, key: str, **values):
    return recipient_text(kind.texts[key], **values)


def decision_arguments(action: str, *, message: str = "", reason: str = "", amount=None, items=()) -> dict:
    """What a review `action` takes besides the actor, id and version, from the fields every door's decision form
    has (the admin's page, the API): reject a reason and a note, adjust and override a reason (the note), adjust
    and approve an amount (approve: the amount the approver saw), return the ticked items and a note."""
    if action == "reject":
        return {"reason": reason or "", "message": message}
    if action == "adjust":
        return {"amount": amount, "reason": message}
    if action == "override":
        return {"reason": message}
    if action == "approve":
        return {"amount": amount, "message": message}
    if action == "return":
        return {"message": message, "items": list(items or [])}
    return {"message": message}


def application_withdraw(kind: ReviewKind, application, *, actor, message: str = ""):
    """The member withdraws `application` (locked by the caller) before any decision; it is kept, marked
    withdrawn."""
    if application.state not in TRANSITIONS["withdraw"][0]:
        raise ReviewError(
            _("该申请当前为“%(state)s”，已有决定，不能撤回。") % {"state": state_label(application.state)},
            code="wrong_state",
        )
    application = transition(kind, application, action="withdraw", actor=actor, message=message.strip()[:500])
    notify_member(kind, application, _text(kind, "withdrawn", number=application.number))
    return application


def review_pass(kind: ReviewKind, *, actor, application_id: int, version: int, message: str = ""):
    """The base union's reviewer agrees and sends the application on to the federation."""
    with transaction.atomic():
        application = access.for_review(kind, actor, application_id)
        access.ensure_allowed(kind, actor, application, "pass")
        application = transition(kind, application, action="pass", actor=actor, version=version,
                                 message=message.strip()[:1000], base_decided_by=actor)
        notify_member(kind, application, _text(kind, "passed", number=application.number), kind.texts["passed_body"])
        federation = kind.federation(application)
        if federation is not None:
            notify_reviewers(kind, application, federation, _text(kind, "review_waiting", number=application.number))
    return application


def review_approve(kind: ReviewKind, *, actor, application_id: int, version: int, message: str = "", amount=None):
    """The federation's reviewer approves the amount due. `amount`, when given, is the figure the approver saw
    and confirms: if it is not the amount due now, nothing is approved (someone changed it meanwhile). The
    approval event records the amount approved."""
    confirmed = None
    if amount not in (None, ""):
        errors: dict = {}
        confirmed = money.amount_parse(amount, "amount", errors)
        if errors:
            raise ReviewError(_("核准金额须是正确的金额。"), fields=errors)
    with transaction.atomic():
        application = access.for_review(kind, actor, application_id)
        access.ensure_allowed(kind, actor, application, "approve")
        due = application.amount_due
        if not due or due <= 0:
            raise ReviewError(_("核定金额为 0，不能核准；如不符合条件请选择不予补助。"))
        if confirmed is not None and confirmed != due:
            raise ReviewChanged(_("核定金额已变为 %(due)s 元，与您核准的 %(amount)s 元不同，请刷新后重新核对。")
                                % {"due": due, "amount": confirmed}, code="conflict")
        kind.amount_check(application, due)
        application = transition(kind, application, action="approve", actor=actor, version=version,
                                 message=message.strip()[:1000], amount_to=due, approved_amount=due,
                                 federation_decided_by=actor, decided_at=now(),
                                 decision_message=message.strip()[:1000])
        notify_member(kind, application, _text(kind, "approved", number=application.number),
                      _text(kind, "approved_body", amount=money.figures(application.approved_amount)))
    return application


def return_choices(kind: ReviewKind, application) -> list[tuple[str, str]]:
    """What a reviewer may tick as missing when returning `application`, labels in the active language."""
    return [(value, str(label)) for value, label in kind.return_choices(application)]


def return_labels(kind: ReviewKind, application) -> list[str]:
    labels = dict(return_choices(kind, application))
    return [labels.get(item, item) for item in application.return_items]


def return_note(kind: ReviewKind, application) -> str:
    """The note the reviewer wrote with the last return (after the ticked items)."""
    event = (kind.event_model.objects.filter(**{kind.event_fk: application}, action="return")
             .order_by("-at", "-id").first())
    return (event.changes or {}).get("note", "") if event is not None else ""


def review_return(kind: ReviewKind, *, actor, application_id: int, version: int, message: str = "",
                  items: list[str] | None = None):
    """Back to the member to add what the reviewer ticked (at least one item), with a note if needed."""
    message = (message or "").strip()
    items = list(dict.fromkeys(items or []))
    if not items:
        raise ReviewError(_("退回时请勾选需要补充的材料或内容。"), fields={"items": _("请至少勾选一项。")})
    with transaction.atomic():
        application = access.for_review(kind, actor, application_id)
        lazy_labels = dict(kind.return_choices(application))
        if set(items) - lazy_labels.keys():
            raise ReviewError(_("勾选的项目不属于这类申请。"), fields={"items": _("请从列表中勾选。")})
        access.ensure_allowed(kind, actor, application, "return")
        text = "、".join(str(lazy_labels[item]) for item in items) + (f"。{message}" if message else "")
        application = transition(kind, application, action="return", actor=actor, version=version,
                                 message=text[:1000], return_items=items,
                                 event_changes={"items": items, "note": message[:1000]})
        # The items in the member's language (lazy labels); the reviewer's note as written.
        wanted = _text(kind, "returned_body", items=lazy_list([lazy_labels[i] for i in items]))
        body = format_lazy("{}{}", wanted, message) if message else wanted
        notify_member(kind, application, _text(kind, "returned", number=application.number), body)
    return application


def review_reject(kind: ReviewKind, *, actor, application_id: int, version: int, reason: str, message: str = ""):
    reasons = kind.reject_reasons
    if reason not in reasons.values:
        raise ReviewError(_("请选择不予补助的原因。"), fields={"reason": _("请选择原因。")})
    message = (message or "").strip()
    if reason == "other" and not message:
        raise ReviewError(_("选择“其他原因”时请写明原因。"), fields={"message": _("请填写原因。")})
    with transaction.atomic():
        application = access.for_review(kind, actor, application_id)
        access.ensure_allowed(kind, actor, application, "reject")
        decided = ({"federation_decided_by": actor} if application.state == S.FEDERATION_REVIEW
                   else {"base_decided_by": actor})
        label = reasons(reason).label
        text = f"{label}{'：' + message if message else ''}"
        application = transition(kind, application, action="reject", actor=actor, version=version,
                                 message=text[:1000], reject_reason=reason, decision_message=message[:1000],
                                 decided_at=now(), **decided)
        # The event keeps the text as the reviewer wrote it; the member reads the reason in their own language.
        body = recipient_text(pgettext_lazy("reject reason and the reviewer's note", "%(reason)s：%(note)s"),
                              reason=label, note=message) if message else label
        notify_member(kind, application, _text(kind, "rejected", number=application.number), body)
    return application


def review_adjust(kind: ReviewKind, *, actor, application_id: int, version: int, amount, reason: str):
    reason = (reason or "").strip()
    errors: dict = {}
    value = money.amount_parse(amount, "amount", errors)
    if value is None and not errors:
        errors["amount"] = _("请填写金额。")
    if not reason:
        errors["reason"] = _("调整金额须写明理由。")
    if errors:
        raise ReviewError(_("调整金额须填写正确的金额和理由。"), fields=errors)
    with transaction.atomic():
        application = access.for_review(kind, actor, application_id)
        access.ensure_allowed(kind, actor, application, "adjust")
        extra = kind.amount_check(application, value)
        application = transition(kind, application, action="adjust", actor=actor, version=version,
                                 message=reason[:1000], amount_to=value, approved_amount=value, **extra)
        notify_member(kind, application, _text(kind, "adjusted", number=application.number),
                      _text(kind, "adjusted_body", amount=money.figures(value), reason=reason))
    return application


def overdue_remind(kind: ReviewKind, *, now_at=None) -> int:
    """Reminds reviewers of applications waiting longer than their service time, at most once a day each (the
    beat task may run as often as it likes). Returns the number of applications reminded about."""
    at = now_at or now()
    reminded = 0
    waiting = Q(state__in=[S.BASE_REVIEW, S.FEDERATION_REVIEW])
    for days, scope in kind.service_times(waiting):
        with transaction.atomic():
            overdue = list(
                kind.model.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(waiting, scope, state_changed_at__lt=at - timedelta(days=days))
                .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=at - timedelta(days=1)))
                .select_related(*kind.review_related)
                .order_by("state_changed_at")
            )
            if not overdue:
                continue
            groups: dict[tuple, list] = {}
            for application in overdue:
                target = (application.branch if application.state == S.BASE_REVIEW
                          else (kind.federation(application) or application.branch))
                groups.setdefault((target.pk, application.state), []).append((target, application))
            for pairs in groups.values():
                target, first = pairs[0]
                notify_reviewers(kind, first, target, _text(kind, "overdue", count=len(pairs), days=days),
                                 lazy_list([application.number for _target, application in pairs[:20]]))
            kind.model.objects.filter(pk__in=[a.pk for a in overdue]).update(reminded_at=at)
            reminded += len(overdue)
    return reminded
