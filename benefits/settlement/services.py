"""Settlement records (医保住院结算): every write. One transaction each (a job's batches each commit on their own, so
the progress bar moves and a worker killed mid-file leaves whole batches behind).

An import is read in two steps by Celery tasks, streaming the file so memory stays flat:

1. read and match (`settlement_import_run`): each row is checked (columns, dates, amounts, the ID number's
   checksum); a good row is matched, 1,000 at a time, to a member by normalised ID number and name and to the
   enrolment covering its admission date within the import's branch subtree. A settlement number already
   imported (by any file or call) or twice in the file is a duplicate; a stay the member claimed by hand is kept
   as a record without a claim. Matched records are written with the unique settlement number, so no order of
   imports brings one in twice.
2. file (`settlement_claims_file`, 200 records a task, one transaction each): each record becomes a hospital stay
   whose lines are submitted and assessed by the claims' own services (`benefits.claims.stays
   .stays_file_from_records`, the whole chunk in a fixed number of statements); a record that cannot be filed
   says why (`not_filed`).
"""

from __future__ import annotations

import io
import itertools
import logging
import re
import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError
from core.money import amount_parse
from core.services import audit_entry, audit_log, audit_log_many, outbox_add, outbox_add_once
from core.spreadsheets import csv_writer
from core.sql import rows_insert, rows_update_by_key
from members.data.imports import ImportRefused, cell_text, data_rows, file_format_detect, rows_open
from members.id_numbers import parse_id_number
from members.models import Branch
from members.notifications.services import language_of, notification_send, recipient_text
from members.selectors import branches_in_scope

from .. import rules
from ..claims import services as claim_services
from ..claims import stays
from ..models import (
    Claim,
    Enrolment,
    SettlementImport,
    SettlementIntegration,
    SettlementRecord,
    SettlementRowError,
    token_digest,
)
from . import selectors

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 30 * 1024 * 1024
MAX_ROWS = 200_000
MAX_API_RECORDS = 5_000
BATCH_SIZE = 1000
FILE_CHUNK = 200  # records filed per task: each a stay, its lines, their events and assessments queued
# A filing import with no chunk filed for this long is taken up again by the sweep: its remaining chunks are queued
# again. Far longer than a chunk waits in a busy queue (a 50,000-record import files about 200 records a second).
FILING_STALL_SECONDS = 600
IMPORT_ROLES = ["branch_admin", "claims_reviewer"]
S = Claim.State

# The documented layout (docs/benefits-settlement.md): Chinese headers first, the English names integrators use.
COLUMNS = (
    ("id_number", gettext_lazy("身份证号"), True),
    ("name", gettext_lazy("姓名"), True),
    ("hospital", gettext_lazy("医院"), True),
    ("admission_date", gettext_lazy("入院日期"), True),
    ("discharge_date", gettext_lazy("出院日期"), True),
    ("total_cost", gettext_lazy("医疗费用总额"), True),
    ("self_paid", gettext_lazy("个人自付"), True),
    ("bed_fee", gettext_lazy("床位费"), True),
    ("settlement_number", gettext_lazy("结算单号"), True),
    ("diagnosis_code", gettext_lazy("诊断编码"), False),
)
COLUMN_ALIASES = {
    "身份证号": "id_number", "身份证号码": "id_number", "公民身份号码": "id_number", "id_number": "id_number",
    "姓名": "name", "name": "name",
    "医院": "hospital", "医疗机构": "hospital", "就诊医院": "hospital", "hospital": "hospital",
    "入院日期": "admission_date", "admission_date": "admission_date",
    "出院日期": "discharge_date", "discharge_date": "discharge_date",
    "医疗费用总额": "total_cost", "医疗总费用": "total_cost", "总费用": "total_cost", "total_cost": "total_cost",
    "个人自付": "self_paid", "个人自付金额": "self_paid", "self_paid": "self_paid",
    "床位费": "bed_fee", "bed_fee": "bed_fee",
    "结算单号": "settlement_number", "结算编号": "settlement_number", "settlement_number": "settlement_number",
    "诊断编码": "diagnosis_code", "疾病编码": "diagnosis_code", "diagnosis_code": "diagnosis_code",
}
LABELS = {code: label for code, label, _required in COLUMNS}
REQUIRED = [code for code, _label, required in COLUMNS if required]
SETTLEMENT_NUMBER_RE = re.compile(r"^[A-Za-z0-9_-]{4,50}$")


class SettlementError(ApplicationError):
    """A settlement import, record or integration call refused, with a message for the person or system."""


# --- reading ----------------------------------------------------------------------------------------------


def columns_map(header: list) -> dict[str, int]:
    """{field: column index} of a header row; refuses, naming them, a header without every required column."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        field = COLUMN_ALIASES.get(cell_text(cell).replace(" ", "").rstrip("*＊").lower())
        if field and field not in columns:
            columns[field] = index
    missing = [str(LABELS[code]) for code in REQUIRED if code not in columns]
    if missing:
        raise SettlementError(
            _("缺少必需的列：%(missing)s。第一行应为列名：%(all)s。")
            % {"missing": "、".join(missing), "all": "、".join(str(LABELS[c]) for c in REQUIRED)},
            code="bad_header")
    return columns


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value).replace("/", "-").replace(".", "-")
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def row_check(values: list, columns: dict[str, int], *, today: date | None = None,
              ) -> tuple[dict | None, list[tuple[str, str, str]]]:
    """One row on its own: (clean record or None, [(field, value, message), ...]). `today`: the batch's, once."""

    def cell(field: str):
        index = columns.get(field)
        return values[index] if index is not None and index < len(values) else None

    errors: list[tuple[str, str, str]] = []
    clean: dict = {}
    raw_id = cell_text(cell("id_number"))
    try:
        clean["id_number"] = parse_id_number(raw_id)[0]  # full-width digits and a lower-case x normalised
    except ValidationError as e:
        errors.append(("id_number", raw_id, e.messages[0]))
    for field, limit in (("name", 100), ("hospital", 200), ("diagnosis_code", 50)):
        text = cell_text(cell(field))
        if not text and field != "diagnosis_code":
            errors.append((field, "", _("这一项不能为空。")))
        elif len(text) > limit:
            errors.append((field, text, _("最多 %(limit)s 个字。") % {"limit": limit}))
        clean[field] = text
    number = cell_text(cell("settlement_number"))
    if not SETTLEMENT_NUMBER_RE.match(number):
        errors.append(("settlement_number", number, _("结算单号应为 4 至 50 位字母、数字、横线或下划线。")))
    clean["settlement_number"] = number
    today = today or timezone.localdate()
    for field in ("admission_date", "discharge_date"):
        day = _date(cell(field))
        if day is None:
            errors.append((field, cell_text(cell(field)), _("日期格式应为 年-月-日，例如 2026-03-01。")))
        elif day > today:
            errors.append((field, day.isoformat(), _("日期不能晚于今天。")))
        clean[field] = day
    admission, discharge = clean.get("admission_date"), clean.get("discharge_date")
    if admission and discharge and discharge < admission:
        errors.append(("discharge_date", clean["discharge_date"].isoformat(), _("出院日期不能早于入院日期。")))
    money_errors: dict[str, str] = {}
    for field in ("total_cost", "self_paid", "bed_fee"):
        raw = cell(field)
        clean[field] = amount_parse(cell_text(raw), field, money_errors)
        if clean[field] is None and field not in money_errors:
            money_errors[field] = _("这一项不能为空。")
    errors += [(field, cell_text(cell(field)), str(message)) for field, message in money_errors.items()]
    if not money_errors:
        if clean["self_paid"] > clean["total_cost"]:
            errors.append(("self_paid", str(clean["self_paid"]), _("个人自付金额不能超过医疗费用总额。")))
        if clean["bed_fee"] > clean["self_paid"]:
            errors.append(("bed_fee", str(clean["bed_fee"]), _("床位费不能超过个人自付金额。")))
    return (None if errors else clean), errors


def _error(job: SettlementImport, row_number: int, outcome: str, field: str, value: str, message: str):
    return SettlementRowError(job=job, row_number=row_number, outcome=outcome,
                              column=str(LABELS.get(field, field))[:50], value=str(value)[:100],
                              message=str(message)[:300])


# --- creating an import ---------------------------------------------------------------------------------


def _inspect(fileobj, size: int) -> tuple[str, str]:
    """Refuses at once a file that cannot be imported: too large, not CSV/XLSX, wrong headers, no data row."""
    if size > MAX_FILE_BYTES:
        raise SettlementError(_("文件过大，最多 %(limit)d MB；请拆分后分别导入。")
                              % {"limit": MAX_FILE_BYTES // 1024 // 1024})
    try:
        file_format, encoding = file_format_detect(fileobj)
        with rows_open(fileobj, file_format, encoding) as rows:
            data = data_rows(rows)
            first = next(data, None)
            if first is None:
                raise SettlementError(_("文件是空的。"))
            columns_map(first[1])
            if next(data, None) is None:
                raise SettlementError(_("文件只有列名，没有数据行。"))
    except ImportRefused as e:
        raise SettlementError(str(e.message)) from None
    fileobj.seek(0)
    return file_format, encoding


def settlement_import_create(*, actor, branch_id: int, uploaded_file) -> SettlementImport:
    """Staff upload a file of settlement records for their branch's subtree; its processing is queued."""
    branch = branches_in_scope(actor, roles=IMPORT_ROLES).filter(pk=branch_id).first()
    if branch is None:
        raise SettlementError(_("您无权为该工会导入医保结算记录。"), code="forbidden")
    file_format, encoding = _inspect(uploaded_file, uploaded_file.size or 0)
    with transaction.atomic():
        job = SettlementImport(branch=branch, source=SettlementImport.Source.UPLOAD, uploaded_by=actor,
                               file_format=file_format, encoding=encoding,
                               original_name=(getattr(uploaded_file, "name", "") or "")[:255])
        job.file.save(f"upload.{file_format}", uploaded_file, save=False)
        job.save()
        audit_log(actor=actor, action="benefits.settlement.uploaded", target=job,
                  data={"branch": branch.pk, "format": file_format})
        outbox_add(task="benefits.tasks.settlement_import_run", args=[job.pk])
    return job


def integration_for_token(token: str | None) -> SettlementIntegration | None:
    if not token:
        return None
    return SettlementIntegration.objects.filter(token_digest=token_digest(token), is_active=True).first()


def settlement_import_post(*, integration: SettlementIntegration, branch_id: int,
                           records: list[dict]) -> SettlementImport:
    """An integration posts records (the same fields as the file's columns, by their English names) for a branch
    within its scope; they are written as a CSV of the documented layout and go the same way as an upload."""
    branch = Branch.objects.filter(pk=branch_id).first()
    if branch is None or not branch.path.startswith(integration.branch.path):
        raise SettlementError(_("该工会不在此对接系统的范围内。"), code="forbidden")
    if not records:
        raise SettlementError(_("没有记录。"), fields={"records": _("至少提交一条记录。")})
    if len(records) > MAX_API_RECORDS:
        raise SettlementError(_("每次最多提交 %(limit)d 条记录。") % {"limit": MAX_API_RECORDS},
                              fields={"records": _("记录过多。")})
    out = io.StringIO()
    writer = csv_writer(out, identifiers=(0,))
    writer.writerow([code for code, _label, _required in COLUMNS])
    for record in records:
        writer.writerow(["" if record.get(code) is None else str(record.get(code)) for code, _l, _r in COLUMNS])
    data = out.getvalue().encode("utf-8")
    with transaction.atomic():
        job = SettlementImport(branch=branch, source=SettlementImport.Source.API, integration=integration,
                               file_format="csv", encoding="utf-8-sig",
                               original_name=f"api-{timezone.now():%Y%m%d%H%M%S}")
        job.file.save("api.csv", ContentFile(data), save=False)
        job.save()
        audit_log(actor=None, action="benefits.settlement.posted", target=job,
                  data={"integration": integration.pk, "branch": branch.pk, "records": len(records)})
        outbox_add(task="benefits.tasks.settlement_import_run", args=[job.pk])
    return job


def settlement_integration_create(*, actor, name: str, branch_id: int) -> tuple[SettlementIntegration, str]:
    """A new integration and its token, shown once: only its digest is kept."""
    branch = branches_in_scope(actor, roles=["branch_admin"]).filter(pk=branch_id).first()
    if branch is None:
        raise SettlementError(_("您无权为该工会设置对接系统。"), code="forbidden")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        integration = SettlementIntegration.objects.create(name=name[:100], branch=branch,
                                                           token_digest=token_digest(token), token_hint=token[-4:])
        audit_log(actor=actor, action="benefits.settlement.integration_created", target=integration,
                  data={"branch": branch.pk})
    return integration, token


# --- step 1: read and match -----------------------------------------------------------------------------


def settlement_import_run(*, job_id: int) -> SettlementImport:
    """Reads and matches a queued import, or resumes one whose reader died (its progress older than the reading
    task's hard time limit, so that reader is gone for sure). Idempotent: a job being read is left as it is."""
    now = timezone.now()
    stalled = now - timedelta(seconds=settings.SETTLEMENT_IMPORT_TIME_LIMIT)
    # Race: two deliveries of the task (or the sweep's and the broker's). The conditional UPDATE lets one of them
    # take the job.
    taken = SettlementImport.objects.filter(pk=job_id).filter(
        Q(status=SettlementImport.Status.QUEUED)
        | Q(status=SettlementImport.Status.READING, progressed_at__lt=stalled)).update(
        status=SettlementImport.Status.READING, started_at=Coalesce("started_at", Value(now)), progressed_at=now)
    job = SettlementImport.objects.select_related("branch", "uploaded_by").get(pk=job_id)
    if not taken:
        return job
    try:
        # The report is written in the uploader's language (an integration's in the site's).
        with translation.override(language_of(job.uploaded_by) if job.uploaded_by_id else settings.LANGUAGE_CODE):
            _read(job)
    except (SettlementError, ImportRefused) as e:
        _fail(job, str(e.message))
        return job
    job.refresh_from_db()
    with transaction.atomic():
        chunks = list(selectors.record_chunks(job.pk, FILE_CHUNK))
        # A record the member had claimed by hand is done with: it counts as handled from the start.
        handled = SettlementRecord.objects.filter(job=job).exclude(already_claimed="").count()
        SettlementImport.objects.filter(pk=job.pk).update(status=SettlementImport.Status.FILING, filed_count=handled,
                                                          progressed_at=timezone.now())
        for first, last in chunks:
            outbox_add(task="benefits.tasks.settlement_claims_file", args=[job.pk, first, last])
        if not chunks:
            _finish(job)
    return job


def _read(job: SettlementImport) -> None:
    # A resumed reading starts after the last batch written: each batch's records, report rows and counts were
    # written in one transaction, so the counts say exactly where. A number read before the break and again after
    # it is found imported (by this job): a duplicate all the same.
    counts = {"processed": job.processed_rows, "matched": job.matched_count, "not_enrolled": job.not_enrolled_count,
              "duplicate": job.duplicate_count, "refused": job.refused_count}
    seen: set[str] = set()  # settlement numbers of this file: a number twice in it is a duplicate
    with job.file.open("rb") as stored, rows_open(stored.file, job.file_format, job.encoding) as rows:
        data = data_rows(rows)
        header = next(data, None)
        if header is None:
            raise SettlementError(_("文件是空的。"))
        columns = columns_map(header[1])
        for _skipped in itertools.islice(data, job.processed_rows):
            pass
        while batch := list(itertools.islice(data, BATCH_SIZE)):
            counts["processed"] += len(batch)
            if counts["processed"] > MAX_ROWS:
                raise SettlementError(_("记录超过 %(limit)d 行；请拆分成几个文件分别导入。") % {"limit": MAX_ROWS})
            _read_batch(job, batch, columns, seen, counts)
    SettlementImport.objects.filter(pk=job.pk).update(total_rows=counts["processed"])


def _read_batch(job, batch, columns, seen: set[str], counts: dict) -> None:
    """Checks and matches up to 1,000 rows with four queries, then writes them in one transaction."""
    errors: list[SettlementRowError] = []
    good: list[tuple[int, dict]] = []
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    today = timezone.localdate()
    for row_number, values in batch:
        clean, row_errors = row_check(values, columns, today=today)
        if clean is None:
            counts["refused"] += 1
            errors += [_error(job, row_number, SettlementRowError.Outcome.REFUSED, *e) for e in row_errors]
        elif clean["settlement_number"] in seen:
            counts["duplicate"] += 1
            errors.append(_error(job, row_number, SettlementRowError.Outcome.DUPLICATE, "settlement_number",
                                 clean["settlement_number"], _("结算单号在本文件中重复。")))
        else:
            seen.add(clean["settlement_number"])
            good.append((row_number, clean))
    imported = selectors.numbers_imported([c["settlement_number"] for _n, c in good])
    members = selectors.members_by_id_number([c["id_number"] for _n, c in good])
    member_ids = [member_id for member_id, _name in members.values()]
    enrolments = selectors.enrolments_in_subtree(job.branch, member_ids, [c["admission_date"] for _n, c in good])
    claimed = selectors.stays_claimed_by_hand(member_ids)
    records: list[tuple] = []
    for row_number, clean in good:
        number = clean["settlement_number"]
        if number in imported:
            counts["duplicate"] += 1
            errors.append(_error(job, row_number, SettlementRowError.Outcome.DUPLICATE, "settlement_number", number,
                                 _("该结算单号已经导入过，不再重复生成申请。")))
            continue
        member_id, name = members.get(clean["id_number"], (None, None))
        if member_id is None or name != clean["name"]:
            counts["not_enrolled"] += 1
            errors.append(_error(job, row_number, SettlementRowError.Outcome.NOT_ENROLLED, "id_number",
                                 f"{clean['id_number'][:3]}***{clean['id_number'][-4:]}",
                                 _("找不到身份证号和姓名都相符的会员。")))
            continue
        enrolment = next((pk for pk, start, end in enrolments.get(member_id, ())
                          if start <= clean["admission_date"] <= end), None)
        if enrolment is None:
            counts["not_enrolled"] += 1
            errors.append(_error(job, row_number, SettlementRowError.Outcome.NOT_ENROLLED, "admission_date",
                                 clean["admission_date"].isoformat(),
                                 _("入院时该会员没有在本工会范围内有效的互助保障。")))
            continue
        by_hand = next((number for start, end, number in claimed.get(member_id, ())
                        if start <= clean["discharge_date"] and end >= clean["admission_date"]), "")
        counts["matched"] += 1
        records.append((
            number, job.pk, row_number, member_id, enrolment, clean["hospital"], clean["admission_date"],
            clean["discharge_date"], clean["total_cost"], clean["self_paid"], clean["bed_fee"],
            clean["diagnosis_code"], by_hand, "", SettlementRecord.Answer.WAITING, now,
        ))
    # Race: two imports holding some of the same numbers written at the same moment (two workers; an upload and an
    # integration's post list them in different orders). Each waits at the unique index for a number the other has
    # written but not committed; written in file order, each could be waiting for the other (PostgreSQL kills one
    # as a deadlock: its batch lost, its job left reading for good). Written in number order, whoever waits holds
    # only smaller numbers than the one it waits for, so no two can wait for each other: the second gets its
    # IntegrityError once the first commits. (Records of a batch then get their ids, and are filed, in number
    # order, not row order.)
    records.sort(key=lambda record: record[0])
    with transaction.atomic():
        try:
            with transaction.atomic():
                _records_insert(records)
        except IntegrityError:
            # Race: another import brought one of these numbers in between the check above and this write. Row
            # by row then: the one already there is a duplicate, the rest are written.
            for record in records:
                try:
                    with transaction.atomic():
                        _records_insert([record])
                except IntegrityError:
                    if not selectors.numbers_imported([record[0]]):
                        # Not the number (a CHECK or NOT NULL said no): a bug, not a duplicate to report.
                        raise
                    counts["matched"] -= 1
                    counts["duplicate"] += 1
                    errors.append(_error(job, record[2], SettlementRowError.Outcome.DUPLICATE,
                                         "settlement_number", record[0],
                                         _("该结算单号已经导入过，不再重复生成申请。")))
        SettlementRowError.objects.bulk_create(errors, batch_size=BATCH_SIZE)
        SettlementImport.objects.filter(pk=job.pk).update(
            processed_rows=counts["processed"], matched_count=counts["matched"],
            not_enrolled_count=counts["not_enrolled"], duplicate_count=counts["duplicate"],
            refused_count=counts["refused"], progressed_at=timezone.now())


_RECORD_COLUMNS = ("settlement_number", "job_id", "row_number", "member_id", "enrolment_id", "hospital",
                   "admission_date", "discharge_date", "total_cost", "self_paid", "bed_fee", "diagnosis_code",
                   "already_claimed", "not_filed", "answer", "created_at")


def _records_insert(records: list[tuple]) -> None:
    """Matched records, values in `_RECORD_COLUMNS` order: multi-row INSERTs (the ORM's per-field preparation
    would be half the cost of reading a file)."""
    rows_insert(SettlementRecord, _RECORD_COLUMNS, records)


# --- step 2: file claims --------------------------------------------------------------------------------


def _record_facts(record: SettlementRecord) -> dict:
    return {
        "diagnosis": record.diagnosis_code or _("医保住院结算"), "hospital": record.hospital,
        "admission_date": record.admission_date, "discharge_date": record.discharge_date,
        "total_cost": record.total_cost, "self_paid": record.self_paid, "bed_fee": record.bed_fee,
    }


def settlement_claims_file(*, job_id: int, first_id: int, last_id: int) -> int:
    """Files the claims of the job's records with ids first_id..last_id not handled yet, in one transaction and a
    fixed number of statements (a chunk of `FILE_CHUNK` records). Idempotent: a record with its stay, claimed by
    hand or noted as not filed is skipped. Returns how many stays were filed."""
    with transaction.atomic():
        # Race: two deliveries of this chunk's task (a retry racing a slow first run). The records are locked: the
        # second waits, then finds them handled and counts nothing.
        records = list(SettlementRecord.objects.select_for_update(of=("self",)).filter(
            job_id=job_id, id__gte=first_id, id__lte=last_id, stay__isnull=True, already_claimed="",
            not_filed="").order_by("id"))
        # Race: the member entering the same stay by hand meanwhile. The enrolment rows are locked here and in the
        # claims' services (ensure_not_claimed_from_record): whichever comes second sees the other's claim. In id
        # order, so two chunks sharing a member's enrolment cannot deadlock.
        enrolments = {e.pk: e for e in Enrolment.objects.select_for_update(of=("self",))
                      .select_related("plan", "tier", "member")
                      .filter(pk__in={record.enrolment_id for record in records}).order_by("pk")}
        by_hand = selectors.stays_claimed_by_hand([record.member_id for record in records])
        to_file = []
        for record in records:
            record.already_claimed = next((number for start, end, number in by_hand.get(record.member_id, ())
                                           if start <= record.discharge_date and end >= record.admission_date), "")
            if not record.already_claimed:
                to_file.append(record)
        results = stays.stays_file_from_records(filings=[
            stays.RecordFiling(enrolment=enrolments[record.enrolment_id], facts=_record_facts(record))
            for record in to_file])
        for record, result in zip(to_file, results, strict=True):
            record.stay, record.not_filed = result.stay, ("" if result.stay else result.reason or "-")
        rows_update_by_key(SettlementRecord, ("stay", "already_claimed", "not_filed"), [
            (record.pk, record.stay.pk if record.stay else None, record.already_claimed, record.not_filed)
            for record in records])
        audit_log_many(entries=[
            audit_entry(actor=None, action="benefits.settlement.filed", target=record,
                        data={"stay": record.stay.number, "job": job_id} if record.stay else
                        {"not_filed": record.already_claimed or record.not_filed, "job": job_id})
            for record in records])
        if records:  # a delivery that found nothing to do is no progress (the sweep looks at it)
            SettlementImport.objects.filter(pk=job_id).update(filed_count=F("filed_count") + len(records),
                                                              progressed_at=timezone.now())
        # Race: the last two chunks finishing at once. The job's row is locked: one of them finishes it.
        job = SettlementImport.objects.select_for_update(of=("self",)).select_related("uploaded_by").get(pk=job_id)
        if job.status == SettlementImport.Status.FILING and job.filed_count >= job.matched_count:
            _finish(job)
    if any(record.not_filed for record in records):
        logger.warning("settlement job %s: %d records not filed", job_id,
                       sum(1 for record in records if record.not_filed))
    return sum(1 for record in records if record.stay_id)


def settlement_imports_resume(*, now) -> int:
    """The sweep's part (benefits/sweeps.py): an import whose progress stopped is taken up again. Reading: the
    progress is older than the reading task's hard time limit, so its reader is gone (killed, its worker lost);
    the task is queued again and resumes after the last batch written. Filing: no chunk filed for
    `FILING_STALL_SECONDS`; the chunks of the records not handled yet are queued again (a chunk filed meanwhile
    finds nothing to do) and the clock restarts, so they are not queued again every minute. Returns how many
    imports were taken up."""
    taken = 0
    reading = SettlementImport.objects.filter(
        status=SettlementImport.Status.READING,
        progressed_at__lt=now - timedelta(seconds=settings.SETTLEMENT_IMPORT_TIME_LIMIT))
    for job_id in reading.values_list("id", flat=True)[:100]:
        taken += outbox_add_once(task="benefits.tasks.settlement_import_run", args=[job_id])
    filing = SettlementImport.objects.filter(status=SettlementImport.Status.FILING,
                                             progressed_at__lt=now - timedelta(seconds=FILING_STALL_SECONDS))
    for job_id in filing.values_list("id", flat=True)[:100]:
        with transaction.atomic():
            # Race: two sweeps at once (beat's and a staff refresh): the conditional UPDATE lets one queue them.
            if not SettlementImport.objects.filter(pk=job_id, progressed_at__lt=now - timedelta(
                    seconds=FILING_STALL_SECONDS)).update(progressed_at=now):
                continue
            for first, last in selectors.record_chunks(job_id, FILE_CHUNK):
                outbox_add_once(task="benefits.tasks.settlement_claims_file", args=[job_id, first, last])
            taken += 1
    return taken


def _finish(job: SettlementImport) -> None:
    """The import is done: the uploaded file is dropped (the records and the report are what staff need)."""
    with transaction.atomic():
        stored_name, storage = job.file.name, job.file.storage
        SettlementImport.objects.filter(pk=job.pk).update(status=SettlementImport.Status.DONE,
                                                          finished_at=timezone.now(), file="")
        if stored_name:
            transaction.on_commit(lambda: storage.delete(stored_name))
        job.refresh_from_db()
        audit_log(actor=job.uploaded_by, action="benefits.settlement.done", target=job, data={
            "total": job.total_rows, "matched": job.matched_count, "not_enrolled": job.not_enrolled_count,
            "duplicate": job.duplicate_count, "refused": job.refused_count})
        if job.uploaded_by_id:
            notification_send(
                user=job.uploaded_by, kind="benefits.settlement.import_done",
                title=recipient_text(gettext_lazy("医保结算记录导入完成：匹配 %(matched)d 条"),
                                     matched=job.matched_count),
                body=recipient_text(gettext_lazy(
                    "共 %(total)d 条；未参保 %(not_enrolled)d，重复 %(duplicate)d，有误 %(refused)d。"),
                                    total=job.total_rows, not_enrolled=job.not_enrolled_count,
                                    duplicate=job.duplicate_count, refused=job.refused_count),
                url=f"/benefits/staff/settlement/{job.pk}/")


def _fail(job: SettlementImport, message: str) -> None:
    """A refused file leaves nothing behind: no records, no half report."""
    with transaction.atomic():
        SettlementRecord.objects.filter(job=job).delete()
        SettlementRowError.objects.filter(job=job).delete()
        SettlementImport.objects.filter(pk=job.pk).update(
            status=SettlementImport.Status.FAILED, message=message[:500], finished_at=timezone.now(),
            matched_count=0, not_enrolled_count=0, duplicate_count=0, refused_count=0, processed_rows=0)
        audit_log(actor=job.uploaded_by, action="benefits.settlement.failed", target=job, data={"message": message})


# --- the member -----------------------------------------------------------------------------------------


def _own_record_for_update(actor, stay_id: int) -> SettlementRecord:
    record = (SettlementRecord.objects.select_for_update()
              .filter(stay_id=stay_id, member__user_id=getattr(actor, "pk", None)).first())
    if record is None:
        raise SettlementError(_("找不到该记录。"), code="not_found")
    if record.answer != SettlementRecord.Answer.WAITING:
        raise SettlementError(_("您已经答复过这条记录。"), code="wrong_state")
    return record


def settlement_record_confirm(*, actor, stay_id: int, bank: dict) -> SettlementRecord:
    """The member confirms the claims filed from their record and gives (or keeps) the account they are paid to."""
    with transaction.atomic():
        # Race: a double tap, or confirm and decline from two tabs. The record row is locked: one answer wins.
        record = _own_record_for_update(actor, stay_id)
        lines = list(Claim.objects.select_for_update().filter(stay_id=stay_id).exclude(state=S.WITHDRAWN)
                     .order_by("id"))
        values = claim_services.facts_clean(rules.HOSPITAL_DAILY,
                                            {name: bank.get(name, "") for name in claim_services.BANK_FIELDS},
                                            enrolment=record.enrolment)
        if lines and not all(values.get(name) for name in claim_services.BANK_FIELDS):
            values = {name: values.get(name) or getattr(lines[0], name) for name in claim_services.BANK_FIELDS}
        missing = {name: _("请填写这一项。") for name in claim_services.BANK_FIELDS if not values.get(name)}
        if missing:
            raise SettlementError(_("请填写收款银行账户。"), fields=missing)
        for line in lines:
            Claim.objects.filter(pk=line.pk).update(version=F("version") + 1, **values)
            line.events.create(action="confirm", actor=actor, from_state=line.state, to_state=line.state,
                               message=f"****{values['bank_account'][-4:]}")
        record.answer, record.answered_at = SettlementRecord.Answer.CONFIRMED, timezone.now()
        record.save(update_fields=["answer", "answered_at"])
        audit_log(actor=actor, action="benefits.settlement.confirmed", target=record,
                  data={"claims": [line.number for line in lines]})
    return record


def settlement_record_decline(*, actor, stay_id: int) -> SettlementRecord:
    """The member does not want the claims filed from their record: every line not yet paid is withdrawn."""
    with transaction.atomic():
        record = _own_record_for_update(actor, stay_id)
        # of=self: the federation is a nullable join, which PostgreSQL cannot lock.
        lines = (Claim.objects.select_for_update(of=("self",))
                 .filter(stay_id=stay_id, state__in=claim_services.TRANSITIONS["decline"][0])
                 .select_related("member__user", "enrolment__plan__federation", "branch").order_by("id"))
        for line in lines:
            claim_services.claim_decline(actor=actor, claim=line)
        record.answer, record.answered_at = SettlementRecord.Answer.DECLINED, timezone.now()
        record.save(update_fields=["answer", "answered_at"])
        audit_log(actor=actor, action="benefits.settlement.declined", target=record, data={})
    return record
