"""One application per hospital stay (住院申请): services. One transaction each.

The member enters a stay once: dates, hospital, diagnosis, costs, invoice numbers, payee. The portal files a
claim line for every benefit kind of the member's tier that the facts qualify for (the daily allowance for any
stay, the self-pay subsidy when there is a self-paid cost). Each line is an ordinary `Claim`: its own assessment,
amount, review decision and payout, returned and resubmitted on its own. Until the lines are submitted the stay
is edited as one: a change of facts is saved on every line (each keeps the facts its kind asks for), a document
is stored once and a row of it is kept on every line, and one submit submits them all or none.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from core.services import audit_entry, audit_log, audit_log_many

from .. import rules
from ..models import Claim, ClaimDocument, ClaimStay, Enrolment
from . import selectors, services
from .services import ClaimError, DocumentsAdded

S = Claim.State
# The kinds a stay can give, in the order lines are shown.
STAY_KINDS = (rules.HOSPITAL_DAILY, rules.INPATIENT_SELF_PAY)  # in line order: services.HOSPITAL_STAY_KINDS, ordered
assert set(STAY_KINDS) == services.HOSPITAL_STAY_KINDS
# Every fact a stay asks for: the self-pay subsidy's facts hold the daily allowance's.
STAY_FACT_KIND = rules.INPATIENT_SELF_PAY
assert set(services.fields_for_kind(rules.HOSPITAL_DAILY)) <= set(services.fields_for_kind(STAY_FACT_KIND))
STAY_FIELDS = services.fields_for_kind(STAY_FACT_KIND)
# What a stay is, without which no line can be filed: asked when the stay is entered.
STAY_ENTRY_FACTS = ("diagnosis", "hospital", "admission_date", "discharge_date")
LIVE_STATES = frozenset(set(S.values) - {S.WITHDRAWN})


def stay_kinds_offered(enrolment: Enrolment) -> list[str]:
    """The stay kinds the enrolment's tier has a rule for, in line order."""
    kinds = selectors.stay_kinds_by_tier([enrolment.tier_id], STAY_KINDS).get(enrolment.tier_id, set())
    return [kind for kind in STAY_KINDS if kind in kinds]


def stay_line_refusal(kind: str, values: dict) -> str | None:
    """Why the stay's facts do not qualify for `kind` (None: they do). The amount is the assessment's business;
    this only says whether there is anything to claim at all."""
    if kind == rules.INPATIENT_SELF_PAY and not values.get("self_paid"):
        return _("本次住院没有填写个人自付费用，不申请住院自付费用补助。")
    return None


@dataclass(frozen=True)
class StayLineChoice:
    """A stay kind of the tier and whether the facts as entered give a line of it (and why not)."""

    kind: str
    label: str
    refusal: str | None


def stay_line_choices(enrolment: Enrolment, values: dict) -> list[StayLineChoice]:
    return [
        StayLineChoice(kind=kind, label=str(services.kind_label(kind)), refusal=stay_line_refusal(kind, values))
        for kind in stay_kinds_offered(enrolment)
    ]


def _entry_checked(values: dict) -> None:
    missing = {name: _("请填写这一项。") for name in STAY_ENTRY_FACTS if values.get(name) in (None, "")}
    if missing:
        raise ClaimError(_("提交的内容有误，请检查标出的项目。"), fields=missing)


def _line_values(kind: str, values: dict) -> dict:
    wanted = set(services.fields_for_kind(kind))
    return {name: value for name, value in values.items() if name in wanted}


def stay_create(*, actor, enrolment_id: int, facts: dict) -> ClaimStay:
    """The member enters a hospital stay once; a draft line is filed for each kind the facts qualify for."""
    with transaction.atomic():
        enrolment = services.own_active_enrolment(actor, enrolment_id)
        offered = stay_kinds_offered(enrolment)
        if not offered:
            raise ClaimError(_("您参加的档次不包含住院补助。"),
                             fields={"enrolment": _("请选择包含住院补助的参保记录。")})
        values = services.facts_clean(STAY_FACT_KIND, services.facts_with_saved_payee(facts, enrolment),
                                    enrolment=enrolment)
        _entry_checked(values)
        services.ensure_not_claimed_from_record(enrolment, None, values)
        stay = _stay_lines_create(actor=actor, enrolment=enrolment, values=values, offered=offered,
                                  source=Claim.Source.MEMBER)
    return stay


def _stay_lines_create(*, actor, enrolment: Enrolment, values: dict, offered: list[str], source: str) -> ClaimStay:
    kinds = [kind for kind in offered if stay_line_refusal(kind, values) is None]
    if not kinds:
        # Only the self-pay subsidy is in the tier, and no self-paid cost was entered.
        raise ClaimError(_("提交的内容有误，请检查标出的项目。"),
                         fields={"self_paid": stay_line_refusal(offered[0], values)})
    stay = ClaimStay.objects.create(number=services.reference_number("S"), enrolment=enrolment,
                                    member=enrolment.member)
    for kind in kinds:
        services.claim_line_create(actor=actor, enrolment=enrolment, kind=kind, values=_line_values(kind, values),
                                   stay=stay, source=source)
    audit_log(actor=actor, action="benefits.stay.create", target=stay, data={"kinds": kinds, "source": source})
    return stay


@dataclass(frozen=True)
class RecordFiling:
    """A stay the portal is to file from a settlement record: the member's enrolment covering it (locked by the
    caller) and the record's facts, as a member would enter them."""

    enrolment: Enrolment
    facts: dict


@dataclass(frozen=True)
class RecordFiled:
    """What came of a `RecordFiling`: the stay filed, or None and why not (words for staff)."""

    stay: ClaimStay | None
    reason: str = ""


def stays_file_from_records(*, filings: list[RecordFiling]) -> list[RecordFiled]:
    """Stays the portal files by itself from settlement records (no actor: a record is the evidence and stands in
    for the documents), a chunk at a time: for each, a line of every kind of the tier its facts qualify for,
    checked by the same `facts_clean` as a member's entry and paid to the account of the member's last claim,
    submitted at once; the lines' assessment is queued a hundred to a task. One result per filing, in order. A
    fixed number of statements per chunk (`services.claim_lines_file_submitted`). The caller holds the
    enrolments' locks."""
    with transaction.atomic():
        offered_by_tier = selectors.stay_kinds_by_tier({filing.enrolment.tier_id for filing in filings},
                                                       STAY_KINDS)
        payees = selectors.member_payout_accounts({filing.enrolment.member_id for filing in filings})
        results: list[RecordFiled] = []
        to_create: list[tuple[ClaimStay, RecordFiling, dict, list[str]]] = []
        for filing in filings:
            enrolment = filing.enrolment
            offered = [kind for kind in STAY_KINDS if kind in offered_by_tier.get(enrolment.tier_id, ())]
            facts = dict(filing.facts)
            if not any(facts.get(name) for name in services.BANK_FIELDS):
                facts.update(payees.get(enrolment.member_id) or {})
            try:
                if not offered:
                    raise ClaimError(_("参保档次不包含住院补助。"))
                values = services.facts_clean(STAY_FACT_KIND, facts, enrolment=enrolment)
                _entry_checked(values)
            except ClaimError as e:
                results.append(RecordFiled(None, _claim_error_words(e)))
                continue
            kinds = [kind for kind in offered if stay_line_refusal(kind, values) is None]
            if not kinds:
                results.append(RecordFiled(None, stay_line_refusal(offered[0], values)))
                continue
            stay = ClaimStay(number=services.reference_number("S"), enrolment=enrolment,
                             member_id=enrolment.member_id)
            to_create.append((stay, filing, values, kinds))
            results.append(RecordFiled(stay))
        ClaimStay.objects.bulk_create([stay for stay, *_rest in to_create])
        services.claim_lines_file_submitted(
            lines=[(filing.enrolment, kind, _line_values(kind, values), stay)
                   for stay, filing, values, kinds in to_create for kind in kinds],
            source=Claim.Source.SETTLEMENT)
        audit_log_many(entries=[
            audit_entry(actor=None, action="benefits.stay.create", target=stay,
                        data={"kinds": kinds, "source": Claim.Source.SETTLEMENT})
            for stay, _filing, _values, kinds in to_create])
    return results


def _claim_error_words(error: ClaimError) -> str:
    """A refusal in one line: its message and each field's (a record's facts have no form to show them on)."""
    fields = getattr(error, "fields", None) or {}
    return " ".join([str(error.message), *(str(m) for messages in fields.values() for m in messages)])[:300]


def _stay_for_update(actor, stay_id: int) -> tuple[ClaimStay, list[Claim]]:
    """The actor's own stay, locked, with its live lines (locked too). The stay row is locked first: two saves of
    one stay (two tabs, a double tap) run one after the other, so neither files a line the other just filed."""
    stay = (ClaimStay.objects.select_for_update().select_related("enrolment__tier", "enrolment__plan")
            .filter(pk=stay_id, member__user_id=getattr(actor, "pk", None)).first())
    if stay is None:
        raise ClaimError(_("找不到该住院申请。"), code="not_found")
    lines = list(Claim.objects.select_for_update().filter(stay=stay, state__in=LIVE_STATES).order_by("id"))
    return stay, lines


def _drafts_only(lines: list[Claim]) -> None:
    if not lines or any(line.state != S.DRAFT for line in lines):
        raise ClaimError(_("这次住院的申请已经提交，不能再一并修改；请在各项申请中分别补充。"), code="wrong_state")


def stay_facts(lines: list[Claim]) -> dict:
    """The stay's facts as its lines hold them (each line holds those of its kind)."""
    facts: dict = {}
    for line in lines:
        for name in services.fields_for_kind(line.kind):
            facts.setdefault(name, getattr(line, name))
    return facts


def stay_update(*, actor, stay_id: int, facts: dict) -> ClaimStay:
    """The member changes the stay's facts before submitting: saved on every line, nothing if any is wrong. A kind
    the facts now qualify for gets a line (with the documents already given); a line they no longer qualify for
    is withdrawn, saying why."""
    with transaction.atomic():
        stay, lines = _stay_for_update(actor, stay_id)
        _drafts_only(lines)
        services.facts_refuse_foreign(STAY_FACT_KIND, facts)
        merged = stay_facts(lines)
        merged.update({name: value for name, value in facts.items() if name in STAY_FIELDS})
        values = services.facts_clean(STAY_FACT_KIND, merged, enrolment=stay.enrolment)
        _entry_checked(values)
        by_kind = {line.kind: line for line in lines}
        choices = stay_line_choices(stay.enrolment, values)
        if not any(choice.refusal is None for choice in choices):
            raise ClaimError(_("提交的内容有误，请检查标出的项目。"),
                             fields={"self_paid": next(c.refusal for c in choices if c.refusal)})
        for choice in choices:
            line = by_kind.get(choice.kind)
            if line is not None and choice.refusal:
                services.claim_withdraw(actor=actor, claim_id=line.pk, message=choice.refusal)
            elif line is not None:
                services.claim_update(actor=actor, claim_id=line.pk, facts=_line_values(choice.kind, values),
                                    as_stay=True)
            elif choice.refusal is None:
                new = services.claim_line_create(actor=actor, enrolment=stay.enrolment, kind=choice.kind,
                                               values=_line_values(choice.kind, values), stay=stay)
                for document in selectors.stay_documents(lines):
                    services.document_share(actor=actor, claim=new, stored=document)
    return stay


def stay_document_add(*, actor, stay_id: int, kind: str, upload) -> ClaimDocument:
    """One file for the whole stay: checked and stored once, a row of it on every line."""
    with transaction.atomic():
        _stay, lines = _stay_for_update(actor, stay_id)
        _drafts_only(lines)
        for line in lines:
            services.documents_check_room(line, kind)
        document = services.document_store(actor=actor, claim=lines[0], kind=kind, upload=upload)
        for line in lines[1:]:
            services.document_share(actor=actor, claim=line, stored=document)
    return document


def stay_documents_add(*, actor, stay_id: int, kind: str, uploads) -> DocumentsAdded:
    """Several files of one kind at once, each kept or refused on its own (`services.documents_batch`)."""
    return services.documents_batch(uploads, lambda upload: stay_document_add(actor=actor, stay_id=stay_id, kind=kind,
                                                                            upload=upload))


def stay_document_remove(*, actor, stay_id: int, token) -> None:
    """Takes a document off every line of the stay (the file and rows are kept, marked removed)."""
    with transaction.atomic():
        _stay, lines = _stay_for_update(actor, stay_id)
        _drafts_only(lines)
        document = ClaimDocument.objects.filter(claim__in=lines, token=token, removed_at__isnull=True).first()
        if document is None:
            raise ClaimError(_("找不到该材料。"), code="not_found")
        for row in ClaimDocument.objects.filter(claim__in=lines, file=document.file.name, removed_at__isnull=True):
            services.document_remove(actor=actor, claim_id=row.claim_id, token=row.token, as_stay=True)


def stay_missing(lines: list[Claim]) -> list[str]:
    """What the stay still lacks before its lines can be submitted, each item once."""
    missing: list[str] = []
    for line in lines:
        for item in services.claim_missing(line):
            if item not in missing:
                missing.append(item)
    return missing


def stay_submit(*, actor, stay_id: int) -> ClaimStay:
    """Submits every line of the stay, or none: a line lacking something stops them all, saying what."""
    with transaction.atomic():
        stay, lines = _stay_for_update(actor, stay_id)
        _drafts_only(lines)
        missing = stay_missing(lines)
        if missing:
            raise ClaimError(_("还不能提交，缺少：%(items)s。") % {"items": _("、").join(missing)},
                             fields={"missing": missing})
        for line in lines:
            services.claim_submit(actor=actor, claim_id=line.pk, as_stay=True)
        audit_log(actor=actor, action="benefits.stay.submit", target=stay,
                  data={"claims": [line.number for line in lines]})
    return stay
