"""Claims services: every write on a claim, its documents and its payouts. One transaction each.

A claim moves only along `TRANSITIONS`; `_transition` checks the action is allowed from the claim's state and
writes the new state with a conditional UPDATE on the version the actor saw, so two reviewers acting at the
same moment cannot both win (the second is told the claim changed). Each transition and each change of amount
is a `ClaimEvent` row, audited and told to the member.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import money
from core.digits import ascii_digits
from core.money import yuan
from core.services import audit_entry, audit_log, audit_log_many, outbox_add, outbox_add_many
from core.sql import row_insert
from core.text import visible_strip
from members.models import Branch, StaffRole
from members.notifications.services import notification_send, notifications_send_many, recipient_text

from .. import rules, selectors
from ..models import (
    BenefitKind,
    BenefitRule,
    Claim,
    ClaimDocument,
    ClaimEvent,
    ClaimInvoice,
    ClaimReminder,
    DocumentKind,
    Enrolment,
    Plan,
    RejectReason,
)
from ..review import access, decisions, documents, payouts
from ..review.decisions import lazy_list, notify_member
from ..review.documents import MAX_DOCUMENT_BYTES, document_prepare, sniff_content_type  # noqa: F401
from ..review.kinds import ReviewKind, payout_kind_register
from ..review.transitions import (  # noqa: F401 — ACTION_LABELS, AMOUNT_LABELS, TRANSITIONS, timeline_rows: the claims' doors read them here
    ACTION_LABELS,
    AMOUNT_LABELS,
    TRANSITIONS,
    ReviewChanged,
    ReviewError,
    ensure_from,
    reference_number,
    state_label,
    timeline_rows,
    transition,
    transition_records,
)
from ..review.transitions import now as _now
from . import selectors as claims_selectors

S = Claim.State
REVIEWER_ROLES = [StaffRole.Role.CLAIMS_REVIEWER]
FINANCE_ROLES = [StaffRole.Role.FINANCE]


# A claim refused or changed under the reviewer's hands is the review machinery's error: one type for claims,
# their stays and every review and payout action, whichever module raised it.
ClaimError = ReviewError
ClaimChanged = ReviewChanged


# The facts each kind asks for (in this order); the required ones are checked at submission.
BANK_FIELDS = ("bank_name", "bank_account", "account_holder")
REQUIRED_FACTS: dict[str, tuple[str, ...]] = {
    rules.SERIOUS_DISEASE: ("diagnosis", "disease_code", "event_date", "hospital"),
    rules.NEWBORN_DISEASE: ("diagnosis", "disease_code", "event_date", "hospital"),
    rules.HOSPITAL_DAILY: ("diagnosis", "hospital", "admission_date", "discharge_date"),
    rules.INPATIENT_SELF_PAY: ("diagnosis", "hospital", "admission_date", "discharge_date", "total_cost",
                               "self_paid", "invoice_numbers"),
    rules.LARGE_SINGLE_DISEASE: ("diagnosis", "disease_code", "event_date", "hospital", "total_cost", "self_paid",
                                 "invoice_numbers"),
    rules.WORK_INJURY: ("diagnosis", "event_date", "grade"),
    rules.ON_DUTY: ("diagnosis", "event_date", "grade"),
    rules.ACCIDENTAL_INJURY: ("diagnosis", "event_date", "hospital"),
}
OPTIONAL_FACTS: dict[str, tuple[str, ...]] = {
    rules.SERIOUS_DISEASE: ("first_diagnosis",),
    rules.NEWBORN_DISEASE: ("first_diagnosis",),
    rules.INPATIENT_SELF_PAY: ("bed_fee",),
}
HOSPITAL_STAY_KINDS = frozenset({rules.HOSPITAL_DAILY, rules.INPATIENT_SELF_PAY})
ACCIDENT_KINDS = frozenset({rules.ACCIDENTAL_INJURY, rules.WORK_INJURY, rules.ON_DUTY})
MONEY_FIELDS = ("total_cost", "self_paid", "bed_fee")
DATE_FIELDS = ("event_date", "admission_date", "discharge_date")
TEXT_FIELDS = ("diagnosis", "disease_code", "hospital", "grade", *BANK_FIELDS)


def fields_for_kind(kind: str) -> tuple[str, ...]:
    """Every fact the form asks for this kind: its own facts, then the bank account."""
    return (*REQUIRED_FACTS.get(kind, ()), *OPTIONAL_FACTS.get(kind, ()), *BANK_FIELDS)


@dataclass(frozen=True)
class FactRow:
    """A fact of the claim as a page shows it: money as ¥1,700.00, dates as 2026-03-01, yes/no in words, a list
    (invoice numbers) as its items — never a Python repr."""

    name: str
    label: str
    text: str
    items: tuple[str, ...] = ()


def fact_rows(claim: Claim) -> list[FactRow]:
    rows = []
    for name in fields_for_kind(claim.kind):
        value = getattr(claim, name)
        label = str(Claim._meta.get_field(name).verbose_name)
        if isinstance(value, list | tuple):
            rows.append(FactRow(name, label, str(lazy_list(list(map(str, value)))) or "—", tuple(map(str, value))))
            continue
        if value is None or value == "":
            text = "—"
        elif isinstance(value, bool):
            text = _("是") if value else _("否")
        elif isinstance(value, Decimal):
            text = yuan(value)
        elif isinstance(value, date):
            text = value.isoformat()
        else:
            text = str(value)
        rows.append(FactRow(name, label, text))
    return rows


def _claim_field_label(name: str) -> str:
    return str(Claim._meta.get_field(name).verbose_name)


# --- reading input ----------------------------------------------------------------------------------------


def _parse_date(value, field: str, errors: dict):
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors[field] = _("日期格式应为 年-月-日，例如 2026-03-01。")
        return None


INVOICE_RE = re.compile(r"^[A-Za-z0-9-]{4,50}$")


def _parse_invoices(value, errors: dict) -> list[str]:
    if value in (None, ""):
        return []
    items = value if isinstance(value, list | tuple) else re.split(r"[\s,，;；、]+", str(value))
    numbers = []
    for item in items:
        item = str(item).strip().upper()
        if not item:
            continue
        if not INVOICE_RE.match(item):
            errors["invoice_numbers"] = _("发票号码“%(number)s”格式不对：应为 4 至 50 位字母或数字。") % {
                "number": item[:60]
            }
            return []
        if item not in numbers:
            numbers.append(item)
    if len(numbers) > 50:
        errors["invoice_numbers"] = _("发票号码最多填写 50 个。")
        return []
    return numbers


ALL_FACTS = frozenset({*MONEY_FIELDS, *DATE_FIELDS, *TEXT_FIELDS, "invoice_numbers", "first_diagnosis"})


def facts_refuse_foreign(kind: str, data: dict) -> None:
    """A fact another kind asks for (a bed fee on a serious-disease claim) is refused by name, not dropped in
    silence: the member or app that sent it believes it counts."""
    allowed = set(fields_for_kind(kind))
    foreign = {
        name: _("“%(kind)s”申请不填写这一项。") % {"kind": BenefitKind(kind).label}
        for name in sorted(ALL_FACTS - allowed)
        if data.get(name) not in (None, "", [], False)
    }
    if foreign:
        raise ClaimError(_("提交的内容有误，请检查标出的项目。"), fields=foreign)


def facts_clean(kind: str, data: dict, *, enrolment: Enrolment) -> dict:
    """The facts of `data` this kind asks for, checked; raises ClaimError with every field's problem."""
    facts_refuse_foreign(kind, data)
    allowed = set(fields_for_kind(kind))
    errors: dict[str, str] = {}
    values: dict = {}
    for name in allowed:
        if name not in data:
            continue
        raw = data[name]
        if name in MONEY_FIELDS:
            values[name] = money.amount_parse(raw, name, errors)
        elif name in DATE_FIELDS:
            values[name] = _parse_date(raw, name, errors)
        elif name == "invoice_numbers":
            values[name] = _parse_invoices(raw, errors)
        elif name == "first_diagnosis":
            values[name] = raw if isinstance(raw, bool) else str(raw).lower() in {"1", "true", "on", "yes"}
        else:
            text = visible_strip(str(raw or ""))
            if raw and not text:
                errors[name] = _("请填写看得见的文字：不能只有空格或不可见字符。")
            limit = Claim._meta.get_field(name).max_length
            if len(text) > limit:
                errors[name] = _("最多 %(limit)s 个字。") % {"limit": limit}
            values[name] = text
    if values.get("bank_account"):
        # Full-width or other scripts' digits become ASCII ones; spaces and dashes people group digits with go.
        account = re.sub(r"[\s-]", "", ascii_digits(values["bank_account"]))
        if re.fullmatch(r"[0-9]{8,30}", account):
            values["bank_account"] = account
        else:
            errors["bank_account"] = _("银行账号应为 8 至 30 位数字。")
    total, self_paid, bed = values.get("total_cost"), values.get("self_paid"), values.get("bed_fee")
    if total is not None and self_paid is not None and self_paid > total:
        errors["self_paid"] = _("个人自付金额不能超过医疗费用总额。")
    if self_paid is not None and bed is not None and bed > self_paid:
        errors["bed_fee"] = _("床位费不能超过个人自付金额。")
    admission, discharge = values.get("admission_date"), values.get("discharge_date")
    if admission and discharge and discharge < admission:
        errors["discharge_date"] = _("出院日期不能早于入院日期。")
    today = timezone.localdate()
    for name in DATE_FIELDS:
        if values.get(name) and values[name] > today:
            errors[name] = _("日期不能晚于今天。")
    if kind in HOSPITAL_STAY_KINDS and admission:
        values["event_date"] = admission
    event = values.get("event_date")
    if event and not errors.get("event_date") and enrolment.cover_start and not (
        enrolment.cover_start <= event <= enrolment.cover_end
    ):
        field = "admission_date" if kind in HOSPITAL_STAY_KINDS else "event_date"
        errors[field] = _("事发日期 %(day)s 不在您的保障期 %(start)s 至 %(end)s 内。") % {
            "day": event, "start": enrolment.cover_start, "end": enrolment.cover_end,
        }
    if errors:
        raise ClaimError(_("提交的内容有误，请检查标出的项目。"), fields=errors)
    return values


# --- documents --------------------------------------------------------------------------------------------

# --- the core of every state change -----------------------------------------------------------------------


def _transition(claim: Claim, **moves) -> Claim:
    return transition(CLAIM_REVIEW, claim, **moves)


def _notify_member(claim: Claim, title: Promise, body: Promise | str = "") -> None:
    notify_member(CLAIM_REVIEW, claim, title, body)


def kind_label(kind: str) -> Promise | str:
    """The claim kind's lazy label (translated where it is written out), or the code of an unknown kind."""
    return BenefitKind(kind).label if kind in BenefitKind.values else kind


def _federation_branch(claim: Claim) -> Branch | None:
    return claim.enrolment.plan.federation


# --- the member -------------------------------------------------------------------------------------------


def _member_claim_for_update(actor, claim_id: int) -> Claim:
    claim = claims_selectors.claim_for_update(claim_id, member_user_id=getattr(actor, "pk", None), of_member=True)
    if claim is None:
        raise ClaimError(_("找不到该申请。"), code="not_found")
    return claim


def own_active_enrolment(actor, enrolment_id: int) -> Enrolment:
    """The actor's own enrolment, in force, or a ClaimError saying which of the two it is not."""
    enrolment = (
        Enrolment.objects.select_related("plan", "tier", "member")
        .filter(pk=enrolment_id, member__user_id=getattr(actor, "pk", None))
        .first()
    )
    if enrolment is None:
        raise ClaimError(_("请选择您本人的一条参保记录。"), fields={"enrolment": _("找不到该参保记录。")})
    if enrolment.status != Enrolment.Status.ACTIVE:
        raise ClaimError(_("该参保记录尚未生效，不能申请补助。"), fields={"enrolment": _("参保尚未生效。")})
    return enrolment


def claim_line_create(*, actor, enrolment: Enrolment, kind: str, values: dict, stay=None,
                      source: str = Claim.Source.MEMBER) -> Claim:
    """A draft claim of checked facts (`facts_clean`), with its history row and audit entry."""
    claim = Claim.objects.create(**_draft_fields(enrolment=enrolment, kind=kind, values=values, stay=stay,
                                                 source=source))
    event, entry = _creation_records(claim, actor)
    event.save()
    row_insert(entry)
    return claim


def _draft_fields(*, enrolment: Enrolment, kind: str, values: dict, stay, source: str) -> dict:
    return dict(number=reference_number("C"), enrolment=enrolment, member_id=enrolment.member_id,
                branch_id=enrolment.branch_id, kind=kind, state=S.DRAFT, stay=stay, source=source, **values)


def _creation_records(claim: Claim, actor) -> tuple[ClaimEvent, object]:
    """A new claim's first history row and audit entry, unsaved (one claim saves them; a bulk filing many)."""
    event = ClaimEvent(claim=claim, action="create", actor=actor if getattr(actor, "pk", None) else None,
                       to_state=S.DRAFT, at=claim.state_changed_at)
    entry = audit_entry(actor=actor, action="benefits.claim.create", target=claim,
                        data={"kind": claim.kind, **({"stay": claim.stay.number} if claim.stay is not None else {})})
    return event, entry


def _submission_fields(at) -> dict:
    """What every submission sets, a first one or after a return: the assessment starts again from nothing."""
    return {"submitted_at": at, "proposed_amount": None, "approved_amount": None, "assessment": {}, "flags": [],
            "hospital_days_paid": 0, "return_items": []}


ASSESS_BATCH = 100  # claims per assessment task of a bulk filing (about 15 ms each)


def claim_lines_file_submitted(*, lines: list[tuple[Enrolment, str, dict, object]], source: str) -> list[Claim]:
    """Claims the portal files and submits by itself, many at once, with no actor: each (enrolment, kind, checked
    values, stay) gets the rows `claim_line_create` and `claim_line_submit` would write for it (the claim, its
    "create" and "submit" history and audit, its invoice numbers), in a few bulk INSERTs, and their assessment is
    queued a hundred to a task. A chunk of settlement records is thousands of rows: a statement each would make
    filing slower than the assessment it feeds. Inside the caller's transaction; the caller holds the enrolments'
    locks."""
    if not lines:
        return []
    at = _now()
    claims = [Claim(**_draft_fields(enrolment=enrolment, kind=kind, values=values, stay=stay, source=source),
                    state_changed_at=at) for enrolment, kind, values, stay in lines]
    for claim in claims:
        claim.state, claim.version = TRANSITIONS["submit"][1], claim.version + 1
        for name, value in _submission_fields(at).items():
            setattr(claim, name, value)
    Claim.objects.bulk_create(claims)
    # Each claim's history as if created a draft and submitted a moment later (as `transition` writes it).
    records = [_creation_records(claim, None) for claim in claims]
    records += [transition_records(CLAIM_REVIEW, claim, action="submit", actor=None, at=at, from_state=S.DRAFT)
                for claim in claims]
    ClaimEvent.objects.bulk_create([event for event, _entry in records], batch_size=1000)
    audit_log_many(entries=[entry for _event, entry in records])
    ClaimInvoice.objects.bulk_create([ClaimInvoice(claim=claim, number=n) for claim in claims
                                      for n in claim.invoice_numbers], batch_size=1000)
    # A message per ASSESS_BATCH claims: each task ends well within the tasks' time limit, and both worker
    # processes share a chunk's assessments.
    outbox_add_many(task="benefits.tasks.assess_claims",
                    args_list=[[[claim.pk for claim in claims[start:start + ASSESS_BATCH]]]
                               for start in range(0, len(claims), ASSESS_BATCH)])
    return claims


def facts_with_saved_payee(facts: dict | None, enrolment: Enrolment) -> dict:
    facts = dict(facts or {})
    if not any(facts.get(name) for name in BANK_FIELDS):
        # The payee of the member's last submitted claim, so the bank account is not typed again; the
        # member sees it (masked) and may change it before submitting.
        facts.update(claims_selectors.member_payout_account(enrolment.member_id) or {})
    return facts


def claim_create(*, actor, enrolment_id: int, kind: str, facts: dict | None = None) -> Claim:
    """A member opens a draft claim on one of their own active enrolments, for a benefit of its tier."""
    with transaction.atomic():
        enrolment = own_active_enrolment(actor, enrolment_id)
        if not BenefitRule.objects.filter(tier_id=enrolment.tier_id, kind=kind).exists():
            raise ClaimError(_("您参加的档次不包含这项补助。"), fields={"kind": _("请选择档次内的补助项目。")})
        values = facts_clean(kind, facts_with_saved_payee(facts, enrolment), enrolment=enrolment)
        ensure_not_claimed_from_record(enrolment, kind, values)
        claim = claim_line_create(actor=actor, enrolment=enrolment, kind=kind, values=values)
    return claim


def _ensure_not_a_stay_draft(claim: Claim, *, as_stay: bool) -> None:
    """Before submission a stay's lines are changed together (benefits.claims.stays), so their facts and documents stay
    one; after it (a line returned on its own) each line is changed on its own."""
    if claim.stay_id is not None and claim.state == S.DRAFT and not as_stay:
        raise ClaimError(_("这是一次住院申请中的一项，提交前请在住院申请中一并修改、上传或提交。"), code="stay_draft")


def claim_update(*, actor, claim_id: int, facts: dict, as_stay: bool = False) -> Claim:
    """The member saves the facts of a draft (or of a claim returned to them); nothing is saved if any is wrong."""
    with transaction.atomic():
        claim = _member_claim_for_update(actor, claim_id)
        _ensure_not_a_stay_draft(claim, as_stay=as_stay)
        if claim.state not in TRANSITIONS["update"][0]:
            raise ClaimError(_("该申请当前为“%(state)s”，不能修改。") % {"state": state_label(claim.state)},
                             code="wrong_state")
        # Checked together with the facts already saved (a bed fee is compared with the saved self-paid part).
        merged = {name: getattr(claim, name) for name in fields_for_kind(claim.kind)}
        facts_refuse_foreign(claim.kind, facts)
        merged.update({name: value for name, value in facts.items() if name in merged})
        values = facts_clean(claim.kind, merged, enrolment=claim.enrolment)
        changes = _claim_changes(claim, values)
        if not changes:
            return claim
        for name, value in values.items():
            setattr(claim, name, value)
        claim.version += 1
        # The row is locked (select_for_update): no one else changes it between the read and this save.
        claim.save(update_fields=[*values, "version"])
        ClaimEvent.objects.create(claim=claim, action="update", actor=actor, from_state=claim.state,
                                  to_state=claim.state, changes=changes,
                                  message=str(lazy_list([str(_claim_field_label(name)) for name in changes])))
        audit_log(actor=actor, action="benefits.claim.update", target=claim, data={"changes": changes})
        if claim.submitted_at is not None and BANK_FIELDS & changes.keys():
            # After submission a changed payee is what fraud looks like: the member hears of it at once (their
            # account may be in someone else's hands), and reviewers see it on the claim (claim_bank_changes).
            title = recipient_text(gettext_lazy("您的补助申请 %(number)s 的收款账户已更改"), number=claim.number)
            body = recipient_text(gettext_lazy("补助将转入尾号 %(tail)s 的账户。如不是您本人修改，请立即联系工会。"),
                                  tail=claim.bank_account[-4:])
            _notify_member(claim, title, body)
    return claim


def claim_bank_changes(events) -> list[ClaimEvent]:
    """The edits, among a claim's `events` (its timeline), that changed where the money goes after the claim was
    first submitted: reviewers are shown each one."""
    return [e for e in events if e.action == "update" and e.from_state == S.RETURNED and BANK_FIELDS & e.changes.keys()]


def _change_value(name: str, value):
    if value is None or value == "":
        return ""
    if name == "bank_account":
        return f"****{str(value)[-4:]}"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return value if isinstance(value, (int, str)) else str(value)


def _claim_changes(claim: Claim, values: dict) -> dict:
    """{field: [before, after]} of the facts `values` would change (JSON: amounts and dates as text, account
    numbers masked)."""
    return {
        name: [_change_value(name, getattr(claim, name)), _change_value(name, value)]
        for name, value in values.items()
        if getattr(claim, name) != value
    }


def document_share(*, actor, claim: Claim, stored: ClaimDocument) -> ClaimDocument:
    """A row for `claim` of a file already stored (a stay's lines share one stored file)."""
    document = ClaimDocument.objects.create(
        claim=claim, kind=stored.kind, file=stored.file.name, content_type=stored.content_type, size=stored.size,
        sha256=stored.sha256, original_name=stored.original_name, uploaded_by=actor,
    )
    audit_log(actor=actor, action="benefits.claim.document_added", target=claim,
              data={"document": str(document.token), "kind": document.kind, "sha256": document.sha256,
                    "shared_from": str(stored.token)})
    return document


def documents_check_room(claim: Claim, kind: str) -> None:
    documents.documents_check_room(claim, kind, kinds=DocumentKind, most=30)


def document_store(*, actor, claim: Claim, kind: str, upload) -> ClaimDocument:
    """Checks the upload, stores it once under a random name and keeps its row on `claim`."""
    return documents.document_store(actor=actor, document_model=ClaimDocument, owner_field="claim", owner=claim,
                                    kind=kind, upload=upload, audit_action="benefits.claim.document_added")


def document_add(*, actor, claim_id: int, kind: str, upload) -> ClaimDocument:
    with transaction.atomic():
        claim = _member_claim_for_update(actor, claim_id)
        _ensure_not_a_stay_draft(claim, as_stay=False)
        documents_check_room(claim, kind)
        document = document_store(actor=actor, claim=claim, kind=kind, upload=upload)
    return document


documents_batch = documents.documents_batch
DocumentsAdded = documents.DocumentsAdded


def documents_add(*, actor, claim_id: int, kind: str, uploads) -> DocumentsAdded:
    """Files of one kind for one claim (`documents_batch` of `document_add`)."""
    return documents_batch(uploads, lambda upload: document_add(actor=actor, claim_id=claim_id, kind=kind,
                                                                upload=upload))


def document_remove(*, actor, claim_id: int, token, as_stay: bool = False) -> ClaimDocument:
    """Takes a document off a draft; the file and row are kept (documents are never deleted)."""
    with transaction.atomic():
        claim = _member_claim_for_update(actor, claim_id)
        _ensure_not_a_stay_draft(claim, as_stay=as_stay)
        return documents.document_mark_removed(actor=actor, application=claim, token=token,
                                               audit_action="benefits.claim.document_removed")


def claim_missing(claim: Claim) -> list[str]:
    """What the claim still lacks to be submitted: facts, then the documents the plan's rule requires."""
    missing = []
    for name in (*REQUIRED_FACTS.get(claim.kind, ()), *BANK_FIELDS):
        if getattr(claim, name) in (None, "", []):
            missing.append(_claim_field_label(name))
    required, present = claims_selectors.claim_documents_required_and_present(claim)
    for kind in required:
        if kind not in present:
            missing.append(str(DocumentKind(kind).label) if kind in DocumentKind.values else kind)
    return missing


def claim_submit(*, actor, claim_id: int, as_stay: bool = False) -> Claim:
    """The member submits a draft (or a returned claim, amended). Assessment follows in a task."""
    with transaction.atomic():
        claim = _member_claim_for_update(actor, claim_id)
        _ensure_not_a_stay_draft(claim, as_stay=as_stay)
        if claim.state not in TRANSITIONS["submit"][0]:
            raise ClaimError(
                _("该申请已经提交过（当前为“%(state)s”），不能重复提交。") % {"state": state_label(claim.state)},
                code="wrong_state",
            )
        missing = claim_missing(claim)
        if missing:
            raise ClaimError(_("还不能提交，缺少：%(items)s。") % {"items": _("、").join(missing)},
                             fields={"missing": missing})
        claim = claim_line_submit(actor=actor, claim=claim)
    return claim


def claim_line_submit(*, actor, claim: Claim, notify: bool = True) -> Claim:
    """Submits a claim locked by the caller, checked by the caller (the member's submit above; a settlement record's
    lines, which the record stands in for the documents of), and queues its assessment: one submission, whoever
    filed the claim."""
    # Inside the caller's transaction (no savepoint: a record's lines are submitted by the thousand).
    with transaction.atomic(savepoint=False):
        ClaimInvoice.objects.filter(claim=claim).delete()
        ClaimInvoice.objects.bulk_create([ClaimInvoice(claim=claim, number=n) for n in claim.invoice_numbers])
        resubmitted = claim.state == S.RETURNED
        claim = _transition(claim, action="submit", actor=actor, **_submission_fields(_now()))
        if notify:
            title = (gettext_lazy("您的补助申请 %(number)s 已重新提交") if resubmitted
                     else gettext_lazy("您的补助申请 %(number)s 已提交"))
            _notify_member(claim, recipient_text(title, number=claim.number),
                           gettext_lazy("系统核算后将交由工会审核，每一步都会通知您。"))
        outbox_add(task="benefits.tasks.assess_claim", args=[claim.pk])
    return claim


def claim_decline(*, actor, claim: Claim) -> Claim:
    """The member declines a claim the portal filed from their settlement record (locked by the caller)."""
    with transaction.atomic():
        claim = _transition(claim, action="decline", actor=actor, message=_("本人放弃根据医保结算记录生成的申请。"))
    return claim


def claim_withdraw(*, actor, claim_id: int, message: str = "") -> Claim:
    """The member withdraws a claim before any decision; it is kept, marked withdrawn."""
    with transaction.atomic():
        claim = _member_claim_for_update(actor, claim_id)
        return decisions.application_withdraw(CLAIM_REVIEW, claim, actor=actor, message=message)


# --- assessment (the task) --------------------------------------------------------------------------------


def claim_facts(claim: Claim) -> rules.ClaimFacts:
    filed = timezone.localdate(claim.submitted_at) if claim.submitted_at else timezone.localdate()
    return rules.ClaimFacts(
        kind=claim.kind, event_date=claim.event_date or claim.admission_date or filed, filed_on=filed,
        disease_code=claim.disease_code, first_diagnosis=claim.first_diagnosis,
        is_accident=claim.kind in ACCIDENT_KINDS, admission_date=claim.admission_date,
        discharge_date=claim.discharge_date, self_paid=claim.self_paid or rules.ZERO,
        bed_fee=claim.bed_fee or rules.ZERO, grade=claim.grade,
    )


LIVE_STATES = claims_selectors.LIVE_STATES


def claim_duplicate_flags(claim: Claim) -> list[dict]:
    """Same invoice number on another live claim (anyone's), or a hospital stay of the same kind overlapping
    one already claimed by the same member (one statement for both searches)."""
    invoices, stays = claims_selectors.assessment_duplicates(claim)
    flags = [{"code": "duplicate_invoice", "message": _("发票号码 %(invoice)s 已在申请 %(other)s 中使用。")
              % {"invoice": number, "other": other}} for number, other in invoices]
    flags += [{"code": "overlapping_stay", "message": _("住院期间与申请 %(other)s 重叠。") % {"other": other}}
              for other in stays]
    return flags


def claim_preview(claim: Claim) -> rules.Assessment | None:
    """Before submission: what the rules would say of the facts as they stand (writes nothing), so the member
    sees a waiting period, a passed deadline or a disease off the list while still entering them. They may
    still submit. None until the date the claim turns on is known."""
    if claim.state not in (S.DRAFT, S.RETURNED) or not (claim.event_date or claim.admission_date):
        return None
    enrolment = claim.enrolment
    paid, in_flight = claims_selectors.assessment_usage(enrolment.pk, claim_id=claim.pk)
    return rules.assess(
        claims_selectors.assessment_rule_specs(enrolment.tier_id), selectors.cover_terms(enrolment),
        claim_facts(claim), paid, in_flight,
    )


# Review levels still ahead in each state (base union, then the federation), for the expected decision date.
_LEVELS_AHEAD = {S.SUBMITTED: 2, S.BASE_REVIEW: 2, S.FEDERATION_REVIEW: 1}


def claim_expected_decision(claim: Claim) -> date | None:
    """When the member may expect a decision: the plan's service time (`review_service_days`) for each review
    level still ahead, counted from the day the claim entered its current state. None once decided."""
    levels = _LEVELS_AHEAD.get(claim.state)
    if levels is None:
        return None
    start = timezone.localdate(claim.state_changed_at)
    return start + timedelta(days=claim.enrolment.plan.review_service_days * levels)


def claim_assess(*, claim_id: int) -> Claim:
    """Runs the rules engine on a submitted claim, flags duplicates, proposes the amount with its breakdown,
    and sends it to the base union's reviewers. Idempotent: a claim already assessed is left as it is."""
    with transaction.atomic():
        # Lock: two deliveries of the same task (a retry racing a slow first run) must not both assess.
        # The plan year (enrolment) is locked with it: the other claims of the year are counted below.
        claim = claims_selectors.claim_for_update(claim_id, lock_enrolment=True)
        if claim is None or claim.state != S.SUBMITTED:
            return claim
        enrolment = claim.enrolment
        paid, in_flight = claims_selectors.assessment_usage(enrolment.pk, claim_id=claim.pk)
        assessment = rules.assess(
            claims_selectors.assessment_rule_specs(enrolment.tier_id), selectors.cover_terms(enrolment),
            claim_facts(claim), paid, in_flight,
        )
        flags = [{"code": "ineligible", "message": m.render()} for m in assessment.reasons]
        flags += claim_duplicate_flags(claim)
        breakdown = assessment.as_data()
        by_rule = _rule_approval(claim, assessment, flags)
        if by_rule is not None:
            breakdown["lines"].append({"kind": "rule_approve", "text": by_rule, "amount": str(assessment.amount),
                                       "inputs": {}})
        claim = _transition(
            claim, action="assess", actor=None, proposed_amount=assessment.amount, amount_to=assessment.amount,
            assessment=breakdown, flags=flags, assessed_at=_now(),
            hospital_days_paid=assessment.hospital_days_paid,
        )
        if by_rule is not None:
            claim = _transition(claim, action="rule_approve", actor=None, message=by_rule,
                                amount_to=assessment.amount, approved_amount=assessment.amount, decided_at=_now())
        # The member and the base union's reviewers, in one pass (what _notify_member and _notify_reviewers send).
        messages = []
        if claim.member.user_id is not None and claim.source == Claim.Source.SETTLEMENT:
            messages += [message for message in [settlement_stay_message(claim)] if message is not None]
        elif claim.member.user_id is not None:
            messages.append((claim.member.user, f"benefits.claim.{claim.state}",
                             recipient_text(gettext_lazy("您的补助申请 %(number)s 已进入审核"), number=claim.number),
                             recipient_text(gettext_lazy("系统核算金额 %(amount)s 元，以工会审核结果为准。"),
                                            amount=money.figures(claim.proposed_amount)),
                             f"/benefits/claims/{claim.pk}/"))
        # One lazy text for every reviewer, written in each one's language (the users carry it: no query).
        review_title = recipient_text(gettext_lazy("有一份补助申请待审核：%(number)s"), number=claim.number)
        review_body = recipient_text(gettext_lazy("%(member)s，%(kind)s。"), member=claim.member.name,
                                     kind=kind_label(claim.kind))
        # Not for claims filed from settlement records: an import brings thousands at once, and a message each
        # would bury the reviewers' inbox; the uploader is told when the import is done, and the claims wait in
        # the review queue (and its overdue reminders) like any other.
        if by_rule is None and claim.source != Claim.Source.SETTLEMENT:
            messages += [(user, "benefits.claim.review", review_title, review_body,
                          f"/admin/benefits/claim/{claim.pk}/change/")
                         for user in claims_selectors.assessment_reviewers(claim.branch)]
        notifications_send_many(messages=messages)
    return claim


def _rule_approval(claim: Claim, assessment: rules.Assessment, flags: list[dict]) -> str | None:
    """The words of the plan's rule approving a claim filed from a settlement record without review, or None when
    it goes to review as any other: the plan sets no limit for the kind, the amount is above it, or anything is
    flagged (a stay claimed already, a rule not met). The plan year's limits are checked as at any approval (the
    enrolment is locked by the caller)."""
    if claim.source != Claim.Source.SETTLEMENT or flags or not assessment.eligible or assessment.amount <= 0:
        return None
    limit = (BenefitRule.objects.filter(tier_id=claim.enrolment.tier_id, kind=claim.kind)
             .values_list("settlement_auto_approve_up_to", flat=True).first())
    if limit is None or assessment.amount > limit:
        return None
    try:
        _ensure_within_limits(claim, assessment.amount)
    except ClaimError:
        return None
    return _("医保结算记录生成的申请，核算金额不超过方案规定的免审核上限 %(limit)s 元，按规则直接核准。") % {
        "limit": limit}


def settlement_stay_message(claim: Claim) -> tuple | None:
    """What the member is told once the last line of a stay filed from their settlement record is assessed: one
    message for the stay (what was found, each line's amount, the total) and the one step left (confirm, with a
    bank account) or declining. None while another line of the stay still waits for its assessment: the lines
    share the enrolment, whose lock the assessment holds, so the last one sees the others' results."""
    lines = (list(Claim.objects.filter(stay_id=claim.stay_id).exclude(state=S.WITHDRAWN).order_by("id")
                  .only("id", "kind", "state", "proposed_amount", "approved_amount"))
             if claim.stay_id else [claim])
    if any(line.state == S.SUBMITTED for line in lines):
        return None

    def amount(line):
        return (line.approved_amount if line.state == S.APPROVED else line.proposed_amount) or Decimal("0")

    words = [recipient_text(gettext_lazy("%(kind)s %(amount)s 元，已核准") if line.state == S.APPROVED
                            else gettext_lazy("%(kind)s %(amount)s 元"),
                            kind=kind_label(line.kind), amount=money.figures(amount(line))) for line in lines]
    total = money.figures(sum((amount(line) for line in lines), Decimal("0")))
    if all(line.state == S.APPROVED for line in lines):
        title = recipient_text(gettext_lazy("已根据医保住院结算记录为您核准住院补助共 %(amount)s 元"), amount=total)
    else:
        title = recipient_text(gettext_lazy("已根据医保住院结算记录为您申请住院补助，系统核算共 %(amount)s 元"),
                               amount=total)
    body = recipient_text(
        gettext_lazy("%(hospital)s 住院 %(start)s 至 %(end)s：%(lines)s。请确认并填写收款银行账户后发放；"
                     "如不需要，也可以放弃。"),
        hospital=claim.hospital, start=claim.admission_date, end=claim.discharge_date, lines=lazy_list(words))
    return (claim.member.user, "benefits.settlement.found", title, body,
            f"/benefits/settlement/stays/{claim.stay_id}/")


def stay_claimed_from_record(member_id: int, kind: str | None, admission, discharge) -> str | None:
    """The number of a live claim the portal filed from a settlement record for this member's stay overlapping
    these dates (of `kind`, or of any stay kind), or None: the member need not, and may not, claim it again."""
    if not (admission and discharge):
        return None
    kinds = [kind] if kind else list(HOSPITAL_STAY_KINDS)
    return (Claim.objects.filter(member_id=member_id, kind__in=kinds, source=Claim.Source.SETTLEMENT,
                                 state__in=[S.DRAFT, *LIVE_STATES], admission_date__lte=discharge,
                                 discharge_date__gte=admission)
            .values_list("number", flat=True).first())


def ensure_not_claimed_from_record(enrolment: Enrolment, kind: str | None, values: dict) -> None:
    """Refuses a stay the portal already claimed for the member from a settlement record: paid once.

    Race: the record's claims filed while the member enters the same stay by hand. Both lock the enrolment row
    first (here and in benefits.settlement.services), so the second sees the first's claim."""
    if kind is not None and kind not in HOSPITAL_STAY_KINDS:
        return
    Enrolment.objects.select_for_update().filter(pk=enrolment.pk).first()
    number = stay_claimed_from_record(enrolment.member_id, kind, values.get("admission_date"),
                                      values.get("discharge_date"))
    if number:
        raise ClaimError(
            _("这次住院已根据医保结算记录为您申请（申请编号 %(number)s），无需再次申请；请在该申请中确认。")
            % {"number": number}, fields={"admission_date": _("这次住院已有申请。")}, code="duplicate")


# --- claims as a kind of reviewed application -------------------------------------------------------------


def _days_for(claim: Claim, amount: Decimal, spec) -> int:
    """The hospital days an amount of a daily-allowance claim pays (a reviewer's adjustment changes them too)."""
    if spec is None or not spec.daily_amount:
        return claim.hospital_days_paid or 0
    return int(amount // spec.daily_amount)


def _ensure_within_limits(claim: Claim, amount: Decimal) -> int:
    """Every limit of the plan year, re-checked for `amount` at each approval and amount adjustment: the kind's and
    the tier's yearly money caps, the yearly hospital days, once-only benefits per disease, counted over the year's
    other claims that are decided (approved, paid) or under review (what they would take), as the assessment
    counted them. So what the live claims of a year take together never exceeds a limit, whatever the order of
    filing, assessing, adjusting and approving. Returns the hospital days `amount` pays.

    Race: two reviewers approving (or adjusting) two of one member's claims at the same moment, in two processes.
    The enrolment row (the member's plan year) is locked first, so the second waits, then counts the first."""
    enrolment = Enrolment.objects.select_for_update().select_related("tier").get(pk=claim.enrolment_id)
    paid, in_flight = selectors.enrolment_usage(enrolment, exclude_claim_id=claim.pk)
    spec = selectors.tier_rule_specs(enrolment.tier).get(claim.kind)
    zero = Decimal("0.00")
    limits = []
    if spec is not None and spec.yearly_cap is not None:
        limits.append(spec.yearly_cap - paid.by_kind.get(claim.kind, zero) - in_flight.by_kind.get(claim.kind, zero))
    if enrolment.tier.yearly_cap is not None:
        limits.append(enrolment.tier.yearly_cap - paid.total - in_flight.total)
    left = max(min(limits), zero) if limits else None
    if left is not None and amount > left:
        raise ClaimError(
            _("核定金额 %(amount)s 元超过本年度上限的剩余额度 %(left)s 元（已扣除已核准和审核中的申请），"
              "请先调整金额。")
            % {"amount": amount, "left": left}
        )
    days = _days_for(claim, amount, spec)
    if spec is not None and spec.max_days_per_year is not None and days:
        days_left = max(spec.max_days_per_year - paid.hospital_days - in_flight.hospital_days, 0)
        if days > days_left:
            raise ClaimError(
                _("本次按 %(days)s 天补助，超过本年度住院补助天数的剩余 %(left)s 天，请调整金额后再核准。")
                % {"days": days, "left": days_left}
            )
    disease = (claim.kind, claim.disease_code)
    if claim.kind in rules.ONCE_PER_DISEASE_KINDS and (disease in paid.diseases_paid or disease in in_flight.diseases):
        raise ClaimError(_("该疾病已有一件本项目的申请获得补助或正在审核，本项目只补助一次。"))
    return days


class ClaimReview(ReviewKind):
    """Mutual-aid claims, reviewed by the claim's base union and the plan's federation, paid in payout batches."""

    code = "claim"
    model = Claim
    event_model = ClaimEvent
    event_fk = "claim"
    payout_fk = "claim"
    review_related = ("member__user", "enrolment__plan__federation", "branch")
    reject_reasons = RejectReason
    bank_memo = "职工医疗互助补助"
    texts = {
        "withdrawn": gettext_lazy("您的补助申请 %(number)s 已撤回"),
        "passed": gettext_lazy("您的补助申请 %(number)s 已通过基层工会审核"),
        "passed_body": gettext_lazy("现由上级工会复核。"),
        "review_waiting": gettext_lazy("有一份补助申请待复核：%(number)s"),
        "approved": gettext_lazy("您的补助申请 %(number)s 已核准"),
        "approved_body": gettext_lazy("核定补助 %(amount)s 元，将转入您填写的银行账户。"),
        "returned": gettext_lazy("您的补助申请 %(number)s 需要补充材料"),
        "returned_body": gettext_lazy("请补充：%(items)s。"),
        "rejected": gettext_lazy("您的补助申请 %(number)s 未予补助"),
        "adjusted": gettext_lazy("您的补助申请 %(number)s 核定金额已调整"),
        "adjusted_body": gettext_lazy("调整为 %(amount)s 元。理由：%(reason)s"),
        "overdue": gettext_lazy("%(count)s 份补助申请等待审核已超过 %(days)s 天"),
        "paid": gettext_lazy("补助已发放：%(amount)s 元"),
        "paid_body": gettext_lazy("您的补助申请 %(number)s 的补助已转入尾号 %(tail)s 的银行账户。"),
        "payout_failed": gettext_lazy("补助发放未成功：%(number)s"),
        "payout_failed_body": gettext_lazy("原因：%(note)s。请核对银行账户信息，工会将重新发放。"),
    }

    def federation(self, application: Claim) -> Branch | None:
        return _federation_branch(application)

    def member_url(self, application: Claim) -> str:
        return f"/benefits/claims/{application.pk}/"

    def review_url(self, application: Claim) -> str:
        return f"/admin/benefits/claim/{application.pk}/change/"

    def return_choices(self, application: Claim) -> list[tuple[str, Promise]]:
        """Every kind of document, then the facts the claim's kind asks for."""
        document_items = [(f"document:{value}", label) for value, label in DocumentKind.choices]
        facts = [(f"fact:{name}", Claim._meta.get_field(name).verbose_name)
                 for name in fields_for_kind(application.kind)]
        return document_items + facts

    def amount_check(self, application: Claim, amount: Decimal) -> dict:
        return {"hospital_days_paid": _ensure_within_limits(application, amount)}

    def payable(self) -> Q:
        # A claim the portal filed from a settlement record is paid only once the member confirmed it (and so
        # gave the account it goes to): no money leaves for a stay the member may decline.
        return Q(source=Claim.Source.MEMBER) | Q(stay__settlement_record__answer="confirmed")

    def service_times(self, waiting: Q):
        plan_days = dict(Plan.objects.filter(enrolments__claims__in=Claim.objects.filter(waiting))
                         .distinct().values_list("pk", "review_service_days"))
        return [(days, Q(enrolment__plan_id=plan_id)) for plan_id, days in plan_days.items()]


CLAIM_REVIEW = payout_kind_register(ClaimReview())


# --- reviewers: the review machinery, spoken of as claims ---------------------------------------------------

REVIEW_ACTION_NAMES = access.REVIEW_ACTION_NAMES
PAYOUT_ACTIONS = access.PAYOUT_ACTIONS


def is_federation_reviewer(user, claim: Claim) -> bool:
    return access.is_federation_reviewer(CLAIM_REVIEW, user, claim)


def reviewer_levels(user, claim: Claim) -> set[str]:
    return access.reviewer_levels(CLAIM_REVIEW, user, claim)


def claim_action_refusal(user, claim: Claim, action: str, *, levels: set[str] | None = None) -> str | None:
    return access.action_refusal(CLAIM_REVIEW, user, claim, action, levels=levels)


def claim_actions_allowed(user, claim: Claim) -> list[str]:
    return access.actions_allowed(CLAIM_REVIEW, user, claim)


def claim_pass(*, actor, claim_id: int, version: int, message: str = "") -> Claim:
    """The base union's reviewer agrees and sends the claim on to the federation."""
    return decisions.review_pass(CLAIM_REVIEW, actor=actor, application_id=claim_id, version=version, message=message)


def claim_approve(*, actor, claim_id: int, version: int, message: str = "", amount=None) -> Claim:
    """The federation's reviewer approves the amount due (`amount`: the figure the approver saw and confirms);
    every limit of the plan year is checked again first (`_ensure_within_limits`)."""
    return decisions.review_approve(CLAIM_REVIEW, actor=actor, application_id=claim_id, version=version,
                                    message=message, amount=amount)


def return_item_choices(claim: Claim) -> list[tuple[str, str]]:
    """What a reviewer may tick as missing when returning `claim`: every kind of document, then the facts its kind
    asks for, as ("document:<kind>" | "fact:<field>", label)."""
    return decisions.return_choices(CLAIM_REVIEW, claim)


def return_item_labels(claim: Claim) -> list[str]:
    return decisions.return_labels(CLAIM_REVIEW, claim)


def claim_return_note(claim: Claim) -> str:
    return decisions.return_note(CLAIM_REVIEW, claim)


def claim_return(*, actor, claim_id: int, version: int, message: str = "", items: list[str] | None = None) -> Claim:
    """Back to the member to add what the reviewer ticked (at least one item), with a note if needed."""
    return decisions.review_return(CLAIM_REVIEW, actor=actor, application_id=claim_id, version=version,
                                   message=message, items=items)


def claim_reject(*, actor, claim_id: int, version: int, reason: str, message: str = "") -> Claim:
    return decisions.review_reject(CLAIM_REVIEW, actor=actor, application_id=claim_id, version=version,
                                   reason=reason, message=message)


def claim_adjust(*, actor, claim_id: int, version: int, amount, reason: str) -> Claim:
    return decisions.review_adjust(CLAIM_REVIEW, actor=actor, application_id=claim_id, version=version,
                                   amount=amount, reason=reason)


REVIEW_ACTIONS = {
    "pass": claim_pass,
    "approve": claim_approve,
    "return": claim_return,
    "reject": claim_reject,
    "adjust": claim_adjust,
}


def claims_overdue_remind(*, now=None) -> int:
    """Reminds reviewers of claims waiting longer than their plan's service time, at most once a day per claim."""
    return decisions.overdue_remind(CLAIM_REVIEW, now_at=now)


# --- payouts: batches of every kind paid this way (benefits.review.payouts) ----------------------------------

payout_batch_create = payouts.payout_batch_create
payout_batch_mark_paid = payouts.payout_batch_mark_paid
payout_item_mark_failed = payouts.payout_item_mark_failed


# --- reminding members --------------------------------------------------------------------------------------

DRAFT_IDLE_DAYS = 3
RETURN_UNANSWERED_DAYS = 7
DEADLINE_NEAR_DAYS = 14


def claims_member_remind(*, now=None) -> int:
    """Reminds members (inbox, and SMS or email as each chose) of a draft left unsubmitted for 3 days, a return
    unanswered for 7, and a claim whose deadline is 14 days away or less; each occasion once (a ClaimReminder
    row written with the message, so reruns of the beat task and two workers at once tell no one twice)."""
    now = now or _now()
    today = timezone.localdate(now)
    sent = 0
    waiting = Claim.objects.filter(member__user__isnull=False).select_related("member__user", "enrolment__plan")
    occasions = [
        (ClaimReminder.Kind.DRAFT_IDLE,
         waiting.filter(state=S.DRAFT, created_at__lt=now - timedelta(days=DRAFT_IDLE_DAYS))),
        (ClaimReminder.Kind.RETURN_UNANSWERED,
         waiting.filter(state=S.RETURNED, state_changed_at__lt=now - timedelta(days=RETURN_UNANSWERED_DAYS))),
        (ClaimReminder.Kind.DEADLINE_NEAR, waiting.filter(state__in=[S.DRAFT, S.RETURNED])),
    ]
    for kind, candidates in occasions:
        for claim in candidates.iterator(chunk_size=500):
            message = _member_reminder(kind, claim, today)
            if message is None:
                continue
            key = f"{claim.state_changed_at:%Y%m%d%H%M%S}" if kind == ClaimReminder.Kind.RETURN_UNANSWERED else ""
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        ClaimReminder.objects.create(claim=claim, kind=kind, key=key)
                except IntegrityError:
                    continue  # told already (this occasion), by an earlier run or another worker
                title, body = message
                notification_send(user=claim.member.user, kind=f"benefits.claim.{kind}", title=title, body=body,
                                  url=f"/benefits/claims/{claim.pk}/")
            sent += 1
    return sent


def _claim_deadline(claim: Claim) -> date | None:
    ended = claim.discharge_date or claim.event_date
    return ended + timedelta(days=claim.enrolment.plan.claim_deadline_days) if ended else None


def _member_reminder(kind: str, claim: Claim, today: date):
    number = claim.number
    if kind == ClaimReminder.Kind.DRAFT_IDLE:
        return (recipient_text(gettext_lazy("您的补助申请 %(number)s 还没有提交"), number=number),
                gettext_lazy("填写完整、上传材料后提交，工会才能开始审核。"))
    if kind == ClaimReminder.Kind.RETURN_UNANSWERED:
        return (recipient_text(gettext_lazy("您的补助申请 %(number)s 等待您补充材料"), number=number),
                gettext_lazy("请按退回说明补充后重新提交。"))
    deadline = _claim_deadline(claim)
    if deadline is None or not today <= deadline <= today + timedelta(days=DEADLINE_NEAR_DAYS):
        return None
    return (recipient_text(gettext_lazy("补助申请 %(number)s 的申请时限将到"), number=number),
            recipient_text(gettext_lazy("请在 %(deadline)s 前提交，逾期可能不予补助。"), deadline=deadline))

