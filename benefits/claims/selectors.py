"""Reads of claims: the member's claims, the reviewers' queues, the timeline, who may open a document.

Queues and lists run a fixed number of queries whatever the number of rows (select_related, no loops)."""

import functools
import json
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from core.sql import execute_prepared
from members.models import Branch, Member, StaffRole, User
from members.selectors import branches_in_scope

from .. import rules
from ..models import (
    BenefitRule,
    Claim,
    ClaimDocument,
    ClaimEvent,
    ClaimInvoice,
    ClaimStay,
    Disease,
    DocumentKind,
    Enrolment,
    Plan,
    Tier,
)
from ..selectors import enrolment_usage, tier_rule_specs

REVIEWER_ROLES = [StaffRole.Role.CLAIMS_REVIEWER]
FINANCE_ROLES = [StaffRole.Role.FINANCE]
DOCUMENT_ROLES = [StaffRole.Role.CLAIMS_REVIEWER]  # documents: the owner and reviewers only
REVIEW_STATES = [Claim.State.BASE_REVIEW, Claim.State.FEDERATION_REVIEW]


def member_claims(user) -> QuerySet[Claim]:
    return (
        Claim.objects.filter(member__user_id=getattr(user, "pk", None))
        .select_related("enrolment__plan", "enrolment__tier")
        .order_by("-created_at", "-id")
    )


def member_stays(user) -> QuerySet[ClaimStay]:
    return (ClaimStay.objects.filter(member__user_id=getattr(user, "pk", None))
            .select_related("enrolment__plan", "enrolment__tier"))


def stay_lines(stay: ClaimStay, *, withdrawn: bool = True) -> list[Claim]:
    """The stay's claim lines, daily allowance first; withdrawn ones (a kind the facts stopped qualifying for)
    last, or left out."""
    lines = Claim.objects.filter(stay=stay).select_related("enrolment__plan", "enrolment__tier")
    if not withdrawn:
        lines = lines.exclude(state=Claim.State.WITHDRAWN)
    order = {kind: i for i, kind in enumerate((rules.HOSPITAL_DAILY, rules.INPATIENT_SELF_PAY))}
    return sorted(lines, key=lambda c: (c.state == Claim.State.WITHDRAWN, order.get(c.kind, 9), c.pk))


def stay_documents(lines: list[Claim]) -> list[ClaimDocument]:
    """The documents of a stay's lines, each stored file once (every line holds a row of it)."""
    seen, documents = set(), []
    rows = ClaimDocument.objects.filter(claim__in=[line.pk for line in lines], removed_at__isnull=True)
    for document in rows.order_by("uploaded_at", "id"):
        if document.file.name not in seen:
            seen.add(document.file.name)
            documents.append(document)
    return documents


def member_claimable_enrolments(user) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(member__user_id=getattr(user, "pk", None), status=Enrolment.Status.ACTIVE)
        .select_related("plan", "tier")
        .prefetch_related("tier__rules")
        .order_by("-plan__year", "-id")
    )


def claims_in_review_scope(user) -> QuerySet[Claim]:
    """Claims of the branches in the reviewer's subtrees (the one scope helper: `branches_in_scope`)."""
    return Claim.objects.filter(branch__in=branches_in_scope(user, roles=REVIEWER_ROLES))


def review_queue(user, *, level: str | None = None) -> QuerySet[Claim]:
    """Claims waiting for review in the user's subtree, oldest first; `level` "base" or "federation"."""
    levels = {"base": [Claim.State.BASE_REVIEW], "federation": [Claim.State.FEDERATION_REVIEW]}
    states = levels.get(level, REVIEW_STATES)
    return (
        claims_in_review_scope(user).filter(state__in=states)
        .select_related("member", "branch", "enrolment__plan")
        .order_by("state_changed_at", "id")
    )


def claim_is_overdue(claim: Claim, now=None) -> bool:
    """Waiting in a review step longer than the plan's service time (needs enrolment__plan loaded)."""
    if claim.state not in REVIEW_STATES:
        return False
    now = now or timezone.now()
    return claim.state_changed_at < now - timedelta(days=claim.enrolment.plan.review_service_days)


def claim_timeline(claim: Claim) -> list[ClaimEvent]:
    return list(ClaimEvent.objects.filter(claim=claim).select_related("actor").order_by("at", "id"))


def claim_documents(claim: Claim) -> list[ClaimDocument]:
    return list(claim.documents.filter(removed_at__isnull=True).order_by("uploaded_at", "id"))


def claim_documents_required_and_present(claim: Claim) -> tuple[list[str], set[str]]:
    """The document kinds the plan's rule requires for the claim's kind, in the rule's order, and the kinds the
    claim holds (not removed): one prepared statement, as every submit asks it."""
    rule, document = BenefitRule._meta.db_table, ClaimDocument._meta.db_table
    with connection.cursor() as cursor:
        execute_prepared(
            cursor,
            f'SELECT 1, CAST(r."required_documents" AS TEXT) FROM "{rule}" r '  # noqa: S608 (names from models)
            f'WHERE r."tier_id" = %s AND r."kind" = %s '
            f'UNION ALL SELECT 2, d."kind" FROM "{document}" d WHERE d."claim_id" = %s AND d."removed_at" IS NULL',
            [claim.enrolment.tier_id, claim.kind, claim.pk],
        )
        rows = cursor.fetchall()
    required = next((json.loads(text) for part, text in rows if part == 1 and text), None) or []
    return required, {kind for part, kind in rows if part == 2}


@dataclass(frozen=True)
class DocumentCheck:
    """One line of a claim's checklist of documents: a kind the plan's rule requires, and whether it is in."""

    kind: str
    label: str
    present: bool


def claim_document_checklist(claim: Claim) -> list[DocumentCheck]:
    """The documents the claim's kind requires, in the rule's order, each ticked once a file of it is on the claim."""
    required, present = claim_documents_required_and_present(claim)
    return [
        DocumentCheck(kind=kind, label=str(DocumentKind(kind).label) if kind in DocumentKind.values else kind,
                      present=kind in present)
        for kind in required
    ]


def document_for(user, token) -> ClaimDocument | None:
    """The document, if `user` is its claim's member or a claims reviewer over the claim's branch;
    asked every time a document is opened."""
    if not getattr(user, "is_authenticated", False):
        return None
    document = ClaimDocument.objects.select_related("claim__member").filter(token=token).first()
    if document is None:
        return None
    if document.claim.member.user_id == user.pk and document.removed_at is None:
        return document
    if branches_in_scope(user, roles=DOCUMENT_ROLES).filter(pk=document.claim.branch_id).exists():
        return document
    return None


# --- the assessment's reads (the Celery task runs them for every claim: few statements, little ORM work) ------
#
# Why these are plain SQL (core.sql.execute_prepared) and not the ORM (issue 18.6: "only where `python -m bench
# claims` shows the ORM path misses 100 assessments/s on PostgreSQL with connection reuse"). Measured 2026-12-04 on
# PostgreSQL 15.20, the shared 2-CPU machine: with the claim lock, the duplicate searches kept raw and the checklist,
# rule specs, year usage, reviewers and audit INSERT written with the ORM, the in-process bench ran 82/s (11.6 ms of
# CPU per assessment, 86/s on idle CPUs) against 244/s (4.1 ms) with all of them raw. Each statement's extra CPU
# per call in the ORM, timed alone (7 × 200 interleaved calls on one connection): the lock +4.3 ms, the duplicate
# searches +2.0 ms, the reviewers +1.6 ms, the rule specs +0.9 ms, the year usage +0.85 ms, the audit INSERT
# +0.07 ms. The statements below stay raw until a conversion measured one at a time keeps the bench above 100/s.

LIVE_STATES = [Claim.State.SUBMITTED, Claim.State.BASE_REVIEW, Claim.State.FEDERATION_REVIEW, Claim.State.RETURNED,
               Claim.State.APPROVED, Claim.State.PAID]
_SPEC_CACHE: dict[tuple, rules.RuleSpec] = {}  # compiled specs keyed by the rule's stored content, per process
_SPEC_CACHE_MAX = 1024


def _compiled_spec(kind: str, params_text: str, diseases: tuple[str, ...]) -> rules.RuleSpec:
    """`rules.rule_spec_from_data`, remembered by the rule's whole stored content (its own version key): an edited
    rule or disease list is a new key, so a cached spec is never stale. Specs are frozen dataclasses."""
    key = (kind, params_text, diseases)
    spec = _SPEC_CACHE.get(key)
    if spec is None:
        spec = rules.rule_spec_from_data(kind=kind, params=json.loads(params_text), diseases=diseases)
        if len(_SPEC_CACHE) >= _SPEC_CACHE_MAX:
            _SPEC_CACHE.clear()
        _SPEC_CACHE[key] = spec
    return spec


def assessment_rule_specs(tier_id: int) -> dict[str, rules.RuleSpec]:
    """The tier's rules as the engine's specs (same result as `selectors.tier_rule_specs`), read in one statement
    with their disease codes; compiling is skipped for rules whose stored content was compiled before."""
    rule, disease = BenefitRule._meta.db_table, Disease._meta.db_table
    with connection.cursor() as cursor:
        execute_prepared(
            cursor,
            f'SELECT r."id", r."kind", r."params", d."code" FROM "{rule}" r '  # noqa: S608 (table names from models)
            f'LEFT JOIN "{disease}" d ON d."disease_list_id" = r."disease_list_id" '
            f'WHERE r."tier_id" = %s ORDER BY r."id", d."code"',
            [tier_id],
        )
        rows = cursor.fetchall()
    by_rule: dict[int, list] = {}
    for rule_id, kind, params, code in rows:
        entry = by_rule.setdefault(rule_id, [kind, params, []])
        if code is not None:
            entry[2].append(code)
    specs = {}
    for kind, params, codes in by_rule.values():
        text = params if isinstance(params, str) else json.dumps(params, sort_keys=True)
        specs[kind] = _compiled_spec(kind, text, tuple(codes))
    return specs


# What the assessment reads of the claim's neighbours (with the claim's own columns, all of them). Models are built
# from these with the others deferred, so reading anything else would be one more query, never a wrong value.
_ASSESSMENT_COLUMNS = (
    ("c", Claim, None),
    ("e", Enrolment, ("id", "plan_id", "tier_id", "member_id", "branch_id", "status", "cover_start", "cover_end",
                      "waiting_until")),
    ("p", Plan, ("id", "claim_deadline_days")),
    ("t", Tier, ("id", "yearly_cap")),
    ("m", Member, ("id", "name", "user_id")),
    ("u", User, ("id", "email", "mobile", "mobile_verified", "notify_by_email", "notify_by_sms", "language")),
    ("b", Branch, ("id", "path", "depth")),
)


@functools.cache
def _claim_lock_statement(vendor: str, *, of_member: bool, lock_enrolment: bool = False) -> tuple[str, list[tuple]]:
    """The SELECT … FOR UPDATE of `claim_for_update`, written once per process (the ORM would compile
    seven tables' columns for every claim), and per model the slice of the row, its field names and the fields'
    own converters for this backend (dates, decimals, JSON and booleans arrive as text or numbers on SQLite)."""
    columns, parts, start = [], [], 0
    for alias, model, names in _ASSESSMENT_COLUMNS:
        # In the model's field order: `from_db` places a subset of values by that order, not by the names given.
        fields = [f for f in model._meta.concrete_fields if names is None or f.attname in names]
        converters = []
        for i, field in enumerate(fields):
            col = field.get_col(alias)
            found = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
            if found:
                converters.append((i, found, col))
        columns += [f'{alias}."{field.column}"' for field in fields]
        parts.append((model, [field.attname for field in fields], slice(start, start + len(fields)), converters))
        start += len(fields)
    tables = {alias: model._meta.db_table for alias, model, _names in _ASSESSMENT_COLUMNS}
    lock = ""
    if connection.features.has_select_for_update_of:
        # With lock_enrolment the member's plan year is locked too: the assessment counts the other claims of the
        # year, and two of one member's claims assessed at once must not both count the same room.
        lock = " FOR UPDATE OF c, e" if lock_enrolment else " FOR UPDATE OF c"
    elif connection.features.has_select_for_update:
        lock = " FOR UPDATE"
    member_condition = ' AND m."user_id" = %s' if of_member else ""
    sql = (
        f'SELECT {", ".join(columns)} FROM "{tables["c"]}" c '  # noqa: S608 (names from the models)
        f'INNER JOIN "{tables["e"]}" e ON c."enrolment_id" = e."id" '
        f'INNER JOIN "{tables["p"]}" p ON e."plan_id" = p."id" '
        f'INNER JOIN "{tables["t"]}" t ON e."tier_id" = t."id" '
        f'INNER JOIN "{tables["m"]}" m ON c."member_id" = m."id" '
        f'LEFT OUTER JOIN "{tables["u"]}" u ON m."user_id" = u."id" '
        f'INNER JOIN "{tables["b"]}" b ON c."branch_id" = b."id" '
        f'WHERE c."id" = %s{member_condition}{lock}'
    )
    return sql, parts


def claim_for_update(claim_id: int, *, member_user_id: int | None = None, of_member: bool = False,
                     lock_enrolment: bool = False) -> Claim | None:
    """The claim, locked (FOR UPDATE OF the claim row only, as `select_for_update(of=("self",))`), with its
    enrolment, plan, tier, member, member's user and branch attached (the fields the assessment and the member's
    actions read; the others are deferred), in one statement written once per process. With `of_member`, only
    if it is the claim of the member whose account is `member_user_id`. Must run inside a transaction."""
    if of_member and member_user_id is None:
        return None
    sql, parts = _claim_lock_statement(connection.vendor, of_member=of_member, lock_enrolment=lock_enrolment)
    with connection.cursor() as cursor:
        execute_prepared(cursor, sql, [claim_id, member_user_id] if of_member else [claim_id])
        row = cursor.fetchone()
    if row is None:
        return None
    objects = {}
    for model, names, span, converters in parts:
        values = list(row[span])
        if model is User and values[0] is None:  # a member without an account
            objects[model] = None
            continue
        for i, found, col in converters:
            for converter in found:
                values[i] = converter(values[i], col, connection)
        objects[model] = model.from_db(connection.alias, names, values)
    claim, enrolment = objects[Claim], objects[Enrolment]
    enrolment.plan, enrolment.tier = objects[Plan], objects[Tier]
    member = objects[Member]
    if objects[User] is not None:
        member.user = objects[User]
    claim.enrolment, claim.member, claim.branch = enrolment, member, objects[Branch]
    return claim


DECIDED_STATES = (Claim.State.APPROVED, Claim.State.PAID)
# Assessed and waiting for a decision: what these would take counts against the year's limits too.
IN_REVIEW_STATES = (Claim.State.BASE_REVIEW, Claim.State.FEDERATION_REVIEW)


@functools.cache
def _usage_statement(vendor: str) -> tuple[str, list, object]:
    table = Claim._meta.db_table
    amount = Claim._meta.get_field("approved_amount")
    col = amount.get_col("c")
    sql = (
        f'SELECT c."kind", c."disease_code", c."state", COALESCE(c."approved_amount", c."proposed_amount"), '  # noqa: S608
        f'c."hospital_days_paid" FROM "{table}" c '
        f'WHERE c."enrolment_id" = %s AND c."state" IN (%s, %s, %s, %s) AND c."id" <> %s'
    )
    return sql, connection.ops.get_db_converters(col) + amount.get_db_converters(connection), col


def assessment_usage(enrolment_id: int, *, claim_id: int) -> tuple[rules.PaidThisYear, rules.InFlight]:
    """What the plan year's other claims use, in one statement (an enrolment has few claims): granted by decided
    ones (approved, paid) and taken by those under review (same result as `selectors.enrolment_usage`)."""
    sql, amount_converters, amount_col = _usage_statement(connection.vendor)
    with connection.cursor() as cursor:
        execute_prepared(cursor, sql, [enrolment_id, *DECIDED_STATES, *IN_REVIEW_STATES, claim_id])
        rows = cursor.fetchall()
    converted = []
    for kind, code, state, amount, claim_days in rows:
        for converter in amount_converters:  # SQLite hands decimals back as numbers
            amount = converter(amount, amount_col, connection)
        converted.append((kind, code, state in DECIDED_STATES, amount, claim_days))
    return rules.usage_of(converted)


def year_claims(claim: Claim) -> list[Claim]:
    """The member's other claims of the same plan year (enrolment), newest first, with what each takes: for
    reviewers deciding this one. One query."""
    return list(
        Claim.objects.filter(enrolment_id=claim.enrolment_id).exclude(pk=claim.pk)
        .only("id", "number", "kind", "state", "proposed_amount", "approved_amount", "hospital_days_paid",
              "disease_code", "created_at")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class YearLimit:
    """One limit of the plan year as it stands while a reviewer decides a claim: what decided claims were granted,
    what the member's other claims under review take, what this claim asks, and what is left after it."""

    label: str  # the kind's name; "" for the tier's yearly total
    unit: str  # "days" or "yuan"
    cap: object
    granted: object
    in_review: object
    this_claim: object
    left: object


def year_limits(claim: Claim) -> list[YearLimit]:
    """Every yearly limit of the claim's tier (hospital days, each kind's money cap, the tier's total) counted as
    `claims._ensure_within_limits` counts them. Two queries (the tier's rules, the year's claims)."""
    specs = tier_rule_specs(claim.enrolment.tier)
    paid, in_flight = enrolment_usage(claim.enrolment, exclude_claim_id=claim.pk)
    asking = claim.state in (*IN_REVIEW_STATES, Claim.State.SUBMITTED)
    own_amount = (claim.amount_due or rules.ZERO) if asking else rules.ZERO
    own_days = (claim.hospital_days_paid or 0) if asking else 0
    limits = []
    for kind, spec in specs.items():
        label = str(rules.KIND_LABELS.get(kind, kind))
        mine = claim.kind == kind
        if spec.max_days_per_year is not None:
            this = own_days if mine else 0
            limits.append(YearLimit(label, "days", spec.max_days_per_year, paid.hospital_days, in_flight.hospital_days,
                                    this, max(spec.max_days_per_year - paid.hospital_days - in_flight.hospital_days
                                              - this, 0)))
        if spec.yearly_cap is not None:
            granted, taken = paid.by_kind.get(kind, rules.ZERO), in_flight.by_kind.get(kind, rules.ZERO)
            this = own_amount if mine else rules.ZERO
            limits.append(YearLimit(label, "yuan", spec.yearly_cap, granted, taken, this,
                                    max(spec.yearly_cap - granted - taken - this, rules.ZERO)))
    cap = claim.enrolment.tier.yearly_cap
    if cap is not None:
        limits.append(YearLimit("", "yuan", cap, paid.total, in_flight.total, own_amount,
                                max(cap - paid.total - in_flight.total - own_amount, rules.ZERO)))
    return limits


def assessment_duplicates(claim: Claim) -> tuple[list[tuple[str, str]], list[str]]:
    """In one statement: (invoice number, other claim's number) for the claim's invoice numbers on other live
    claims (anyone's), ordered by invoice number; and the numbers of the member's other live claims of the same
    kind whose hospital stay overlaps this one. At most 20 of each."""
    parts, params = [], []
    claim_table, invoice_table = Claim._meta.db_table, ClaimInvoice._meta.db_table
    states = ", ".join(["%s"] * len(LIVE_STATES))
    if claim.invoice_numbers:
        numbers = ", ".join(["%s"] * len(claim.invoice_numbers))
        parts.append(
            f'SELECT * FROM (SELECT 1 AS "part", i."number" AS "invoice", c."number" AS "other" '  # noqa: S608
            f'FROM "{invoice_table}" i INNER JOIN "{claim_table}" c ON i."claim_id" = c."id" '
            f'WHERE i."number" IN ({numbers}) AND c."state" IN ({states}) AND i."claim_id" <> %s '
            f'ORDER BY i."number" LIMIT 20) dup_invoice'
        )
        params += [*claim.invoice_numbers, *LIVE_STATES, claim.pk]
    if claim.admission_date and claim.discharge_date:
        parts.append(
            f'SELECT * FROM (SELECT 2 AS "part", \'\' AS "invoice", c."number" AS "other" '  # noqa: S608
            f'FROM "{claim_table}" c WHERE c."member_id" = %s AND c."kind" = %s AND c."state" IN ({states}) '
            f'AND c."admission_date" <= %s AND c."discharge_date" >= %s AND c."id" <> %s '
            f'ORDER BY c."created_at" DESC, c."id" DESC LIMIT 20) dup_stay'
        )
        params += [claim.member_id, claim.kind, *LIVE_STATES, claim.discharge_date.isoformat(),
                   claim.admission_date.isoformat(), claim.pk]
    if not parts:
        return [], []
    with connection.cursor() as cursor:
        execute_prepared(cursor, " UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    invoices = sorted(((invoice, other) for part, invoice, other in rows if part == 1), key=lambda row: row[0])
    stays = [other for part, _invoice, other in rows if part == 2]
    return invoices, stays


def assessment_reviewers(branch) -> list:
    """The claims reviewers to tell about a claim of `branch` (same people, same order as
    `members.selectors.branch_admins_for(branch, role=claims_reviewer)`): the active users holding the role on the
    nearest of the branch and its ancestors where anyone holds it. One statement without ORM query building; the
    users carry only the fields a notification reads (id, email, mobile, the channel choices and the language)."""
    paths = [branch.path[:end] for end in range(Branch.steplen, len(branch.path) + 1, Branch.steplen)]
    role, user, branch_table = StaffRole._meta.db_table, User._meta.db_table, Branch._meta.db_table
    marks = ", ".join(["%s"] * len(paths))
    with connection.cursor() as cursor:
        execute_prepared(
            cursor,
            f'SELECT b."depth", u."id", u."email", u."mobile", u."mobile_verified", u."notify_by_email", '  # noqa: S608
            f'u."notify_by_sms", u."language" FROM "{role}" s INNER JOIN "{user}" u ON s."user_id" = u."id" '
            f'INNER JOIN "{branch_table}" b ON s."branch_id" = b."id" '
            f'WHERE s."role" = %s AND b."path" IN ({marks}) AND u."is_active" '
            f'ORDER BY b."depth" DESC, s."user_id"',
            [StaffRole.Role.CLAIMS_REVIEWER, *paths],
        )
        rows = cursor.fetchall()
    if not rows:
        return []
    nearest = rows[0][0]
    return [User(id=pk, email=email, mobile=mobile, mobile_verified=bool(verified), notify_by_email=bool(by_email),
                 notify_by_sms=bool(by_sms), language=language)
            for depth, pk, email, mobile, verified, by_email, by_sms, language in rows if depth == nearest]


def member_payout_accounts(member_ids) -> dict[int, dict]:
    """`member_payout_account` of many members at once (a chunk of settlement records): member id → payee, for
    those who have submitted a claim with an account."""
    found: dict[int, dict] = {}
    rows = (Claim.objects.filter(member_id__in=list(member_ids), submitted_at__isnull=False).exclude(bank_account="")
            .order_by("member_id", "-submitted_at", "-id")
            .values_list("member_id", "bank_name", "bank_account", "account_holder"))
    for member_id, bank_name, bank_account, account_holder in rows:
        found.setdefault(member_id, {"bank_name": bank_name, "bank_account": bank_account,
                                     "account_holder": account_holder})
    return found


def stay_kinds_by_tier(tier_ids, kinds) -> dict[int, set[str]]:
    """Which of `kinds` each tier has a rule for."""
    found: dict[int, set[str]] = {}
    for tier_id, kind in BenefitRule.objects.filter(tier_id__in=list(tier_ids), kind__in=kinds).values_list(
            "tier_id", "kind"):
        found.setdefault(tier_id, set()).add(kind)
    return found


def member_payout_account(member_id: int) -> dict | None:
    """The payee of the member's last submitted claim (bank name, account, holder): offered for the next claim,
    so the account is typed once. None before a first submission."""
    return (
        Claim.objects.filter(member_id=member_id, submitted_at__isnull=False)
        .exclude(bank_account="")
        .order_by("-submitted_at", "-id")
        .values("bank_name", "bank_account", "account_holder")
        .first()
    )

