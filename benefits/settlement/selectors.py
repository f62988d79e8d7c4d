"""Settlement records: reads. Each batch of an import is matched with a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from members.models import Branch, Member
from members.selectors import branches_in_scope

from ..claims.selectors import LIVE_STATES
from ..claims.services import HOSPITAL_STAY_KINDS
from ..models import Claim, Enrolment, SettlementImport, SettlementRecord, SettlementRowError

STAFF_ROLES = ["branch_admin", "claims_reviewer", "finance"]
STAY_KINDS = tuple(HOSPITAL_STAY_KINDS)


def numbers_imported(numbers: list[str]) -> set[str]:
    return set(SettlementRecord.objects.filter(settlement_number__in=numbers)
               .values_list("settlement_number", flat=True))


def members_by_id_number(id_numbers: list[str]) -> dict[str, tuple[int, str]]:
    """{ID number: (member id, name)}: tuples, not model instances (a thousand per batch of an import)."""
    rows = Member.objects.filter(id_number__in=set(id_numbers)).values_list("id_number", "id", "name")
    return {id_number: (pk, name) for id_number, pk, name in rows}


def enrolments_in_subtree(branch: Branch, member_ids: list[int],
                          days: list[date]) -> dict[int, list[tuple[int, date, date]]]:
    """{member id: [(enrolment id, cover start, cover end)]} of the active enrolments of these members made in the
    branch's subtree whose cover meets the span of `days`."""
    if not member_ids or not days:
        return {}
    found: dict[int, list] = defaultdict(list)
    rows = (Enrolment.objects.filter(member_id__in=member_ids, status=Enrolment.Status.ACTIVE,
                                     branch__path__startswith=branch.path, cover_start__lte=max(days),
                                     cover_end__gte=min(days))
            .order_by("cover_start").values_list("member_id", "id", "cover_start", "cover_end"))
    for member_id, pk, start, end in rows:
        found[member_id].append((pk, start, end))
    return found


def stays_claimed_by_hand(member_ids: list[int]) -> dict[int, list[tuple[date, date, str]]]:
    """The stays these members claimed themselves (live claims of a stay kind): (admission, discharge, number)."""
    found: dict[int, list] = defaultdict(list)
    if not member_ids:
        return found
    rows = (Claim.objects.filter(member_id__in=member_ids, kind__in=STAY_KINDS, source=Claim.Source.MEMBER,
                                 state__in=[Claim.State.DRAFT, *LIVE_STATES], admission_date__isnull=False,
                                 discharge_date__isnull=False)
            .values_list("member_id", "admission_date", "discharge_date", "number"))
    for member_id, start, end, number in rows:
        found[member_id].append((start, end, number))
    return found


def record_chunks(job_id: int, size: int) -> list[tuple[int, int]]:
    """(first id, last id) of each run of `size` records of the job to file, for one task each."""
    ids = SettlementRecord.objects.filter(job_id=job_id, stay__isnull=True, already_claimed="", not_filed="").order_by(
        "id")
    chunks = []
    batch: list[int] = []
    for pk in ids.values_list("id", flat=True).iterator(chunk_size=2000):
        batch.append(pk)
        if len(batch) == size:
            chunks.append((batch[0], batch[-1]))
            batch = []
    if batch:
        chunks.append((batch[0], batch[-1]))
    return chunks




def imports_for(user):
    """The imports of the user's branches' subtrees, newest first."""
    return (SettlementImport.objects.filter(branch__in=branches_in_scope(user, roles=STAFF_ROLES))
            .select_related("branch", "uploaded_by", "integration"))


def import_for(user, job_id: int) -> SettlementImport | None:
    return imports_for(user).filter(pk=job_id).first()


def row_errors(job: SettlementImport):
    return SettlementRowError.objects.filter(job=job).order_by("row_number", "id")


def records_not_filed(job: SettlementImport):
    """The job's matched records that became no claim: claimed by the member already, or refused by the claims'
    checks (`not_filed` says why)."""
    return (SettlementRecord.objects.filter(job=job).filter(~Q(already_claimed="") | ~Q(not_filed=""))
            .order_by("row_number", "id").only("row_number", "settlement_number", "already_claimed", "not_filed"))


@dataclass(frozen=True)
class Standing:
    """Where one import (or one month) stands."""

    label: str
    received: int
    matched: int
    paid: int
    paid_amount: object
    waiting: int
    not_filed: int = 0  # matched, but no claim: the member had claimed the stay, or it could not be filed


def _record_figures(records) -> dict:
    """Two queries and no DISTINCT (an import's page is refreshed every few seconds while 50,000 records come in):
    the records' own counts, then their paid lines, found by the claims' state index."""
    figures = records.aggregate(
        matched=Count("id"),
        waiting=Count("id", filter=Q(answer=SettlementRecord.Answer.WAITING, stay__isnull=False)),
        not_filed=Count("id", filter=~Q(already_claimed="") | ~Q(not_filed="")),
    )
    paid = Claim.objects.filter(state=Claim.State.PAID, stay__settlement_record__in=records).aggregate(
        paid=Count("id"), paid_amount=Sum("paid_amount"))
    return {**figures, **paid}


def import_standing(job: SettlementImport) -> Standing:
    figures = _record_figures(SettlementRecord.objects.filter(job=job))
    return Standing(label=str(job.pk), received=job.total_rows, matched=figures["matched"], paid=figures["paid"],
                    paid_amount=figures["paid_amount"] or 0, waiting=figures["waiting"],
                    not_filed=figures["not_filed"])


def monthly_standing(user) -> list[Standing]:
    """Per month of import over the user's scope: records received, matched, claims paid, records waiting for the
    member's answer. Three queries whatever the number of months; received and matched come from the imports'
    own counts, so only the records still waiting and the lines paid are counted here."""
    jobs = imports_for(user)
    imported = {row["month"]: row for row in jobs.annotate(month=TruncMonth("created_at")).values("month").annotate(
        received=Sum("total_rows"), matched=Sum("matched_count"))}
    records = SettlementRecord.objects.filter(job__in=jobs).annotate(month=TruncMonth("job__created_at"))
    waiting = dict(records.filter(answer=SettlementRecord.Answer.WAITING, stay__isnull=False).values("month")
                   .annotate(n=Count("id")).values_list("month", "n"))
    paid = {row["month"]: row for row in Claim.objects.filter(
        state=Claim.State.PAID, stay__settlement_record__job__in=jobs).annotate(
        month=TruncMonth("stay__settlement_record__job__created_at")).values("month").annotate(
        paid=Count("id"), amount=Sum("paid_amount"))}
    months = sorted(set(imported) | set(waiting), reverse=True)
    return [Standing(label=f"{month:%Y-%m}", received=imported.get(month, {}).get("received") or 0,
                     matched=imported.get(month, {}).get("matched") or 0, paid=paid.get(month, {}).get("paid", 0),
                     paid_amount=paid.get(month, {}).get("amount") or 0, waiting=waiting.get(month, 0))
            for month in months if month is not None]


def member_record(user, stay_id: int) -> SettlementRecord | None:
    return (SettlementRecord.objects.filter(stay_id=stay_id, member__user_id=getattr(user, "pk", None))
            .select_related("stay", "enrolment__plan").first())


def stay_lines(stay_id: int) -> list[Claim]:
    return list(Claim.objects.filter(stay_id=stay_id).order_by("id"))
