"""Bulk import of workers into a branch from a CSV or XLSX file.

The upload is checked at once (size, real content type, text encoding, column names, at least one row) so a
wrong file is refused while the staff member is still on the page. The rows are then processed by a Celery
task in three steps, streaming the file and writing in batches so memory stays flat however long it is:

1. validate: every row is checked on its own (required fields, ID number checksum, mobile number,
   employment type); good rows go to `ImportStagedRow`, problems to `ImportRowError` (row, column, message);
2. cross-check in SQL: duplicates inside the file and ID numbers already belonging to another branch;
3. save: upsert by ID number, 1,000 rows per batch (one `id_number__in` query, one block of member numbers,
   one bulk_create and one bulk_update per batch). "All or nothing" saves only when no row is bad, in one
   transaction; "valid rows only" saves the good rows batch by batch.

Importing the same file twice creates nobody twice: a person already in the branch is updated.
"""

import codecs
import csv
import functools
import io
import itertools
import logging
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError
from core.services import audit_log, outbox_add
from core.spreadsheets import csv_unneutralise
from core.sql import rows_insert

from ..id_numbers import parse_id_number
from ..models import (
    Branch,
    ImportJob,
    ImportRowError,
    ImportStagedRow,
    Member,
    mobile_validator,
)
from ..notifications.services import language_of, notification_send, recipient_text
from ..organisation import services
from ..selectors import branches_in_scope

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
# An XLSX is a zip: refuse archives that would unpack to far more than any worker list (zip bombs).
MAX_XLSX_UNPACKED_BYTES = 400 * 1024 * 1024
BATCH_SIZE = 1000
# Progress is committed every few batches: each commit is a disk flush, and the page only needs a figure
# every few seconds.
BATCHES_PER_COMMIT = 5
SNIFF_BYTES = 64 * 1024
IMPORT_ROLES = ["branch_admin"]

logger = logging.getLogger(__name__)

# Column names people write (Chinese or English, with or without a trailing *) → field.
COLUMN_ALIASES = {
    "姓名": "name", "name": "name",
    "身份证号": "id_number", "身份证号码": "id_number", "公民身份号码": "id_number", "id_number": "id_number",
    "手机号": "mobile", "手机号码": "mobile", "手机": "mobile", "mobile": "mobile",
    "工作单位": "employer", "单位": "employer", "employer": "employer",
    "就业形态": "employment_type", "employment_type": "employment_type",
}
REQUIRED_COLUMNS = ("name", "id_number", "mobile")
COLUMN_LABELS = {
    "name": gettext_lazy("姓名"),
    "id_number": gettext_lazy("身份证号"),
    "mobile": gettext_lazy("手机号"),
    "employer": gettext_lazy("工作单位"),
    "employment_type": gettext_lazy("就业形态"),
}
EMPLOYMENT_TYPE_VALUES = {
    "standard": "standard", "标准劳动关系": "standard", "标准": "standard", "劳动合同": "standard",
    "flexible": "flexible", "灵活就业": "flexible", "灵活": "flexible",
    "platform": "platform", "新就业形态（平台）": "platform", "新就业形态(平台)": "platform",
    "新就业形态": "platform", "平台": "platform",
}


def _labels_in_every_language(labels: dict) -> dict[str, str]:
    """{label as typed in any of our languages, spaces removed, lower case: code} — so a template downloaded
    in English (translated headers and type names) imports as well as a Chinese one."""
    found = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            found.update({str(label).replace(" ", "").lower(): code for code, label in labels.items()})
    return found


@functools.cache
def _column_aliases() -> dict[str, str]:
    return {**_labels_in_every_language(COLUMN_LABELS), **COLUMN_ALIASES}


@functools.cache
def _employment_type_values() -> dict[str, str]:
    return {**_labels_in_every_language(dict(Member.EmploymentType.choices)), **EMPLOYMENT_TYPE_VALUES}


class ImportRefused(ApplicationError):
    """The file or the request cannot be imported; `message` says why, for the person who uploaded it. Where the
    import job can meet the refusal, `message` is a lazy text: it becomes the uploader's notification, written
    in their language."""


@dataclass(frozen=True)
class FileInfo:
    file_format: str
    encoding: str
    columns: dict[str, int]


# --- Member numbers -------------------------------------------------------------------------------------

# --- Reading files --------------------------------------------------------------------------------------

def _detect_format(fileobj) -> tuple[str, str]:
    """Looks at the bytes, not the file name: an XLSX is a zip holding [Content_Types].xml and a workbook;
    anything else must be text in UTF-8 (with or without BOM) or GB18030."""
    fileobj.seek(0)
    head = fileobj.read(SNIFF_BYTES)
    fileobj.seek(0)
    if not head or not head.strip():
        raise ImportRefused(_("文件是空的。"))
    if head[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(fileobj) as archive:
                infos = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError):
            raise ImportRefused(_("文件已损坏，无法作为 XLSX 表格打开。")) from None
        finally:
            fileobj.seek(0)
        names = {info.filename for info in infos}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise ImportRefused(_("只能导入 CSV 或 XLSX（Excel 2007 及以后）表格，这个压缩文件不是 XLSX 表格。"))
        if sum(info.file_size for info in infos) > MAX_XLSX_UNPACKED_BYTES:
            raise ImportRefused(_("表格解压后过大，请拆分成几个文件分别导入。"))
        return ImportJob.FileFormat.XLSX, ""
    if b"\x00" in head:
        raise ImportRefused(_("只能导入 CSV 或 XLSX 表格；这个文件不是文本表格。"))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return ImportJob.FileFormat.CSV, encoding
    raise ImportRefused(_("无法识别文件的文字编码；CSV 请保存为 UTF-8 或 GBK/GB18030 编码。"))


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    return str(value).strip()


def _list_separator() -> str:
    return "、" if translation.get_language().startswith("zh") else ", "


def _map_columns(header: list) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        label = _cell_text(cell).replace(" ", "").rstrip("*＊").lower()
        field = _column_aliases().get(label)
        if field and field not in columns:
            columns[field] = index
    missing = [COLUMN_LABELS[f] for f in REQUIRED_COLUMNS if f not in columns]
    if missing:
        # Labels and separator are chosen when the text is written out: in the reader's language.
        missing_list = lazy(lambda: _list_separator().join(str(label) for label in missing), str)()
        raise ImportRefused(recipient_text(
            gettext_lazy("缺少必需的列：%(missing)s。第一行应为列名：姓名、身份证号、手机号、工作单位、就业形态。"),
            missing=missing_list,
        ))
    return columns


@contextmanager
def _open_rows(fileobj, file_format: str, encoding: str) -> Iterator[Iterator[tuple[int, list]]]:
    """Yields an iterator of (row number as the staff sees it in a spreadsheet, cell values); streams the file."""
    fileobj.seek(0)
    if file_format == ImportJob.FileFormat.XLSX:
        try:
            workbook = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a damaged workbook
            raise ImportRefused(gettext_lazy("文件已损坏，无法作为 XLSX 表格打开。")) from None
        try:
            if not workbook.worksheets:
                raise ImportRefused(gettext_lazy("表格里没有工作表。"))
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # stored dimensions are often wrong; read what is really there
            yield ((n, list(values)) for n, values in enumerate(sheet.iter_rows(values_only=True), start=1))
        finally:
            workbook.close()
    else:
        text = io.TextIOWrapper(fileobj, encoding=encoding, newline="")
        try:
            # The portal's own template and exports write identifiers as ="…" and formula-like text behind an
            # apostrophe (core/spreadsheets.py): read back as the values they stand for.
            yield ((n, [csv_unneutralise(cell) for cell in row]) for n, row in enumerate(csv.reader(text), start=1))
        finally:
            text.detach()


def _data_rows(rows: Iterator[tuple[int, list]]) -> Iterator[tuple[int, list]]:
    """Skips rows with no content, turning reading failures into a refusal with a reason."""
    try:
        for row_number, values in rows:
            if any(_cell_text(v) for v in values):
                yield row_number, values
    except UnicodeDecodeError:
        raise ImportRefused(
            gettext_lazy("文件中有无法识别的文字（编码错误）；请另存为 UTF-8 编码的 CSV 后重新上传。")
        ) from None
    except csv.Error as e:
        raise ImportRefused(recipient_text(gettext_lazy("CSV 文件格式有误：%(error)s"), error=str(e))) from None


def import_file_inspect(fileobj, *, size: int) -> FileInfo:
    """Refuses, with a reason, any file that cannot be imported: too large, not CSV/XLSX by content, not
    decodable, without the required columns, or without a single data row. Reads only the beginning."""
    if size == 0:
        raise ImportRefused(_("文件是空的。"))
    if size > MAX_FILE_BYTES:
        raise ImportRefused(
            _("文件过大（%(size).1f MB），最多 %(limit)d MB；请拆分后分别导入。")
            % {"size": size / 1024 / 1024, "limit": MAX_FILE_BYTES // 1024 // 1024}
        )
    file_format, encoding = _detect_format(fileobj)
    with _open_rows(fileobj, file_format, encoding) as rows:
        data = _data_rows(rows)
        first = next(data, None)
        if first is None:
            raise ImportRefused(_("文件是空的。"))
        columns = _map_columns(first[1])
        if next(data, None) is None:
            raise ImportRefused(_("文件只有列名，没有数据行。"))
    fileobj.seek(0)
    return FileInfo(file_format=file_format, encoding=encoding, columns=columns)


# --- Rows -----------------------------------------------------------------------------------------------

def _row_check(values: list, columns: dict[str, int]) -> tuple[dict | None, list[tuple[str, str, str]]]:
    """Checks one row on its own. Returns (clean fields or None, [(column, value, message), ...])."""

    def cell(field: str) -> str:
        index = columns.get(field)
        return _cell_text(values[index]) if index is not None and index < len(values) else ""

    errors: list[tuple[str, str, str]] = []
    clean: dict = {}
    name = cell("name")
    if not name:
        errors.append(("name", "", _("姓名不能为空。")))
    elif len(name) > 100:
        errors.append(("name", name, _("姓名最多 100 个字。")))
    clean["name"] = name

    raw_id = cell("id_number")
    if not raw_id:
        errors.append(("id_number", "", _("身份证号不能为空。")))
    else:
        try:
            clean["id_number"], clean["birth_date"], clean["gender"] = parse_id_number(raw_id)
        except ValidationError as e:
            errors.append(("id_number", raw_id, e.messages[0]))

    mobile = cell("mobile").replace(" ", "").replace("-", "")
    if not mobile:
        errors.append(("mobile", "", _("手机号不能为空。")))
    else:
        try:
            mobile_validator(mobile)
            clean["mobile"] = mobile
        except ValidationError as e:
            errors.append(("mobile", mobile, e.messages[0]))

    employer = cell("employer")
    if len(employer) > 200:
        errors.append(("employer", employer, _("工作单位最多 200 个字。")))
    clean["employer"] = employer

    raw_type = cell("employment_type")
    employment_type = _employment_type_values().get(raw_type.replace(" ", "").lower()) if raw_type else "standard"
    if employment_type is None:
        errors.append((
            "employment_type", raw_type,
            _("就业形态应为：标准劳动关系、灵活就业、新就业形态（平台），或 standard、flexible、platform。"),
        ))
    clean["employment_type"] = employment_type
    return (None if errors else clean), errors


def _bulk_create_chunked(model, objs) -> None:
    """bulk_create from an iterator without turning it into one big list (memory stays flat)."""
    iterator = iter(objs)
    while chunk := list(itertools.islice(iterator, BATCH_SIZE)):
        model.objects.bulk_create(chunk)


def _error(job: ImportJob, row_number: int, field: str, value: str, message: str) -> ImportRowError:
    return ImportRowError(
        job=job, row_number=row_number, column=str(COLUMN_LABELS.get(field, field)), value=value[:100],
        message=message[:300],
    )


# --- Services -------------------------------------------------------------------------------------------

def import_job_create(*, actor, branch: Branch, uploaded_file, mode: str) -> ImportJob:
    """Checks the upload and queues its processing; the job answers progress until it is done."""
    if not branches_in_scope(actor, roles=IMPORT_ROLES).filter(pk=branch.pk).exists():
        raise ImportRefused(_("您无权向该工会组织导入会员。"))
    if mode not in ImportJob.Mode.values:
        raise ImportRefused(_("请选择导入方式。"))
    info = import_file_inspect(uploaded_file, size=uploaded_file.size)
    with transaction.atomic():
        job = ImportJob(
            uploaded_by=actor, branch=branch, mode=mode, file_format=info.file_format, encoding=info.encoding,
            original_name=(getattr(uploaded_file, "name", "") or "")[:255],
        )
        job.file.save(f"upload.{info.file_format}", uploaded_file, save=False)
        job.save()
        audit_log(actor=actor, action="members.import.uploaded", target=job,
                  data={"branch": branch.pk, "mode": mode, "format": info.file_format})
        outbox_add(task="members.tasks_data.run_import_job", args=[job.pk])
    return job


def import_job_run(*, job_id: int) -> ImportJob:
    """Processes one queued job. Idempotent: a job already started or finished is left as it is, so a
    duplicated or retried task never imports twice (and a re-run upload only updates, never duplicates)."""
    # Conditional UPDATE claims the job: two deliveries of the same task must not both process it.
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.VALIDATING, started_at=timezone.now()
    )
    job = ImportJob.objects.select_related("branch", "uploaded_by").get(pk=job_id)
    if not claimed:
        return job
    try:
        _validate(job)
        _cross_check(job)
        job.refresh_from_db()
        if job.error_count and job.mode == ImportJob.Mode.ALL_OR_NOTHING:
            _finish(job, status=ImportJob.Status.FAILED, message=recipient_text(gettext_lazy(
                "发现 %(count)d 行有错误；按“全部成功才导入”的要求，没有保存任何数据。请下载错误报告，改正后重新上传。"
            ), count=job.error_count))
            return job
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.SAVING)
        _save(job)
    except ImportRefused as e:
        _fail_cleanly(job, e.message)
    except OperationalError:
        # The database went away for a moment: put the job back in the queue, clean, for the task's retry.
        ImportStagedRow.objects.filter(job=job).delete()
        ImportRowError.objects.filter(job=job).delete()
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.QUEUED, processed_rows=0, error_count=0, total_rows=0, created_count=0,
            updated_count=0,
        )
        raise
    except Exception:
        logger.exception("import job %s failed", job.pk)
        _fail_cleanly(job, gettext_lazy("导入时发生意外错误，没有完成；请检查文件后重新上传，或联系系统管理员。"))
        raise
    return job


def _fail_cleanly(job: ImportJob, message: str) -> None:
    """A refused file leaves nothing behind: no staged rows, no half error report."""
    ImportRowError.objects.filter(job=job).delete()
    ImportJob.objects.filter(pk=job.pk).update(error_count=0)
    job.refresh_from_db()
    _finish(job, status=ImportJob.Status.FAILED, message=message)


_STAGE_COLUMNS = ("job_id", "row_number", "name", "id_number", "birth_date", "gender", "mobile", "employer",
                  "employment_type", "is_valid")


def _stage_insert(job: ImportJob, staged: list[tuple[int, dict]]) -> None:
    """Writes staged rows with multi-row INSERTs. The staging table is scratch space of this module, written
    and read only here; skipping the ORM's per-field preparation halves the import's cost per row."""
    rows_insert(ImportStagedRow, _STAGE_COLUMNS, [
        (job.pk, row_number, c["name"], c["id_number"], c["birth_date"], c["gender"], c["mobile"], c["employer"],
         c["employment_type"], True)
        for row_number, c in staged
    ])


def _validate(job: ImportJob) -> None:
    """Step 1: streams the file, checks each row on its own, stages good rows and records errors, batch by batch
    (each batch committed so the progress page sees it)."""
    staged: list[tuple[int, dict]] = []
    errors: list[ImportRowError] = []
    processed = bad_rows = 0

    def flush() -> None:
        with transaction.atomic():  # one commit per batch: rows, errors and progress together
            _stage_insert(job, staged)
            ImportRowError.objects.bulk_create(errors, batch_size=BATCH_SIZE)
            ImportJob.objects.filter(pk=job.pk).update(processed_rows=processed, error_count=bad_rows)
        staged.clear()
        errors.clear()

    with job.file.open("rb") as stored, _open_rows(stored.file, job.file_format, job.encoding) as rows:
        data = _data_rows(rows)
        header = next(data, None)
        if header is None:
            raise ImportRefused(gettext_lazy("文件是空的。"))
        columns = _map_columns(header[1])
        for row_number, values in data:
            processed += 1
            if processed > MAX_ROWS:
                raise ImportRefused(
                    recipient_text(gettext_lazy("数据行超过 %(limit)d 行；请拆分成几个文件分别导入。"), limit=MAX_ROWS)
                )
            clean, row_errors = _row_check(values, columns)
            if clean is None:
                bad_rows += 1
                errors.extend(_error(job, row_number, *err) for err in row_errors)
            else:
                staged.append((row_number, clean))
            if len(staged) + len(errors) >= BATCH_SIZE * BATCHES_PER_COMMIT:
                flush()
    flush()
    ImportJob.objects.filter(pk=job.pk).update(total_rows=processed)


def _cross_check(job: ImportJob) -> None:
    """Step 2, in SQL over the staged rows: a person twice in the file, or already a member of another branch."""
    rows = ImportStagedRow.objects.filter(job=job)
    # One pass over the (job, id_number) index finds the ID numbers present more than once (usually none);
    # the rows after the first of each are then marked, a thousand ID numbers at a time.
    groups = (
        rows.values("id_number").annotate(n=Count("id"), first=Min("row_number")).filter(n__gt=1)
        .values_list("id_number", "first").iterator(chunk_size=BATCH_SIZE)
    )
    duplicates_count = 0
    while chunk := dict(itertools.islice(groups, BATCH_SIZE)):
        later = list(
            rows.filter(id_number__in=chunk).exclude(row_number__in=chunk.values())
            .values_list("pk", "row_number", "id_number")
        )
        ImportRowError.objects.bulk_create([
            _error(job, row_number, "id_number", id_number,
                   _("与第 %(row)d 行的身份证号重复。") % {"row": chunk[id_number]})
            for _pk, row_number, id_number in later
        ])
        ImportStagedRow.objects.filter(pk__in=[pk for pk, _row, _id in later]).update(is_valid=False)
        duplicates_count += len(later)

    elsewhere = Member.objects.filter(id_number=OuterRef("id_number")).exclude(branch_id=job.branch_id)
    scope = branches_in_scope(job.uploaded_by, roles=IMPORT_ROLES)
    conflicts = rows.filter(is_valid=True).annotate(
        other_branch=Subquery(elsewhere.values("branch__name")[:1]),
        other_in_scope=Exists(elsewhere.filter(branch__in=scope)),
    ).filter(other_branch__isnull=False)
    errors = (
        _error(job, row_number, "id_number", id_number, (
            _("此人已是“%(branch)s”的会员；请先办理转会，再导入到本组织。") % {"branch": other_branch}
            if in_scope
            # Outside the uploader's scope: say that, but not which branch (they may not see it).
            else _("此人已是其他工会组织的会员，不能导入；如需转入，请办理转会。")
        ))
        for row_number, id_number, other_branch, in_scope in conflicts.values_list(
            "row_number", "id_number", "other_branch", "other_in_scope"
        ).iterator(chunk_size=BATCH_SIZE)
    )
    _bulk_create_chunked(ImportRowError, errors)
    conflicts_count = rows.filter(pk__in=conflicts.values("pk")).update(is_valid=False)
    if duplicates_count or conflicts_count:
        ImportJob.objects.filter(pk=job.pk).update(error_count=F("error_count") + duplicates_count + conflicts_count)


# Statuses an import turns into "active": an import is the staff saying "these people are our members".
# A suspended member stays suspended: lifting a suspension is a decision of its own, not a spreadsheet's.
_REACTIVATED = (Member.Status.APPLIED, Member.Status.LEFT, Member.Status.TRANSFERRED_OUT)
_UPDATED_FIELDS = ["name", "mobile", "employer", "employment_type", "status", "member_number", "joined_at", "left_at"]


_STAGED_FIELDS = ["row_number", "name", "id_number", "birth_date", "gender", "mobile", "employer", "employment_type"]


def _save_batch(job: ImportJob, batch: list) -> tuple[int, int]:
    existing = {
        m.id_number: m
        for m in Member.objects.filter(branch_id=job.branch_id, id_number__in=[r.id_number for r in batch]).only(
            "id", "id_number", *_UPDATED_FIELDS
        )
    }
    now = timezone.now()
    to_create: list[Member] = []
    to_update: list[Member] = []
    for row in batch:
        member = existing.get(row.id_number)
        if member is None:
            to_create.append(Member(
                name=row.name, id_number=row.id_number, birth_date=row.birth_date, gender=row.gender,
                mobile=row.mobile, employer=row.employer, employment_type=row.employment_type,
                branch_id=job.branch_id, status=Member.Status.ACTIVE, applied_at=now, joined_at=now,
            ))
            continue
        before = tuple(getattr(member, f) for f in _UPDATED_FIELDS)
        member.name, member.mobile, member.employer = row.name, row.mobile, row.employer
        member.employment_type = row.employment_type
        if member.status in _REACTIVATED:
            member.status, member.joined_at, member.left_at = Member.Status.ACTIVE, now, None
        if before != tuple(getattr(member, f) for f in _UPDATED_FIELDS):
            to_update.append(member)
    needing_numbers = to_create + [m for m in to_update if m.status == Member.Status.ACTIVE and not m.member_number]
    numbers = services.member_numbers_reserve(count=len(needing_numbers))
    for member, number in zip(needing_numbers, numbers, strict=True):
        member.member_number = number
    Member.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    Member.objects.bulk_update(to_update, _UPDATED_FIELDS, batch_size=BATCH_SIZE)
    return len(to_create), len(to_update)


def _staged_batches(job: ImportJob) -> Iterator[list]:
    """The valid staged rows, BATCH_SIZE at a time, by keyset pagination on the row number."""
    last_row = 0
    while batch := list(
        ImportStagedRow.objects.filter(job=job, is_valid=True, row_number__gt=last_row)
        .order_by("row_number")
        .values_list(*_STAGED_FIELDS, named=True)[:BATCH_SIZE]
    ):
        yield batch
        last_row = batch[-1].row_number


def _save(job: ImportJob) -> None:
    """Step 3: upserts the valid staged rows in batches of 1,000 (keyset pagination on the row number)."""
    all_or_nothing = job.mode == ImportJob.Mode.ALL_OR_NOTHING
    try:
        # All or nothing: one transaction for every batch and the final status. Valid rows only: every few
        # batches commit, so progress shows and a failure keeps what was saved (a re-run only updates).
        with transaction.atomic() if all_or_nothing else _no_transaction():
            batches = _staged_batches(job)
            created = updated = 0
            while group := list(itertools.islice(batches, BATCHES_PER_COMMIT)):
                with transaction.atomic():
                    for batch in group:
                        batch_created, batch_updated = _save_batch(job, batch)
                        created += batch_created
                        updated += batch_updated
                    ImportJob.objects.filter(pk=job.pk).update(created_count=created, updated_count=updated)
            job.refresh_from_db()
            _finish(job, status=ImportJob.Status.DONE, message="")
    except IntegrityError:
        # Someone registered one of these people elsewhere while the import ran: the cross-check was right
        # when it ran, the save no longer is. Re-uploading the file finds and reports the conflict.
        job.refresh_from_db()
        saved = "" if all_or_nothing else recipient_text(gettext_lazy("已保存 %(n)d 人；"), n=job.saved_count)
        _finish(job, status=ImportJob.Status.FAILED, message=recipient_text(gettext_lazy(
            "保存时会员数据被同时修改（有人在导入期间登记了文件中的人员）；%(saved)s请重新上传同一文件，已导入的人员不会重复。"
        ), saved=saved))


@contextmanager
def _no_transaction():
    yield


def _finish(job: ImportJob, *, status: str, message: str) -> None:
    """Ends the job with `status` and tells the uploader. `message` (why it failed; "" when done) is best lazy:
    the job's page and the uploader's notification then show it in the uploader's language, whoever runs this
    (a Celery worker has no request language)."""
    with transaction.atomic():
        ImportStagedRow.objects.filter(job=job).delete()
        # The uploaded list (names, ID numbers, phones) is not kept once processed: the members it created and
        # the error report are what staff need. The file goes after the commit, so a rollback keeps it.
        stored_name, storage = job.file.name, job.file.storage
        with translation.override(language_of(job.uploaded_by)):
            message_text = str(message)
        job.status, job.message, job.finished_at, job.file = status, message_text[:500], timezone.now(), ""
        job.save(update_fields=["status", "message", "finished_at", "file"])
        if stored_name:
            transaction.on_commit(lambda: storage.delete(stored_name))
        audit_log(actor=job.uploaded_by, action=f"members.import.{status}", target=job, data={
            "total": job.total_rows, "created": job.created_count, "updated": job.updated_count,
            "errors": job.error_count,
        })
        if status == ImportJob.Status.DONE:
            title = recipient_text(gettext_lazy("会员导入完成：新增 %(created)d 人，更新 %(updated)d 人"),
                                   created=job.created_count, updated=job.updated_count)
        else:
            title = gettext_lazy("会员导入未完成")
        notification_send(
            user=job.uploaded_by, kind="members.import.finished", title=title,
            body=message or recipient_text(gettext_lazy("文件共 %(total)d 行，错误 %(errors)d 行。"),
                                           total=job.total_rows, errors=job.error_count),
            url=reverse("members:import-detail", args=[job.pk]),
        )


# The readers other imports share (benefits' settlement records): the same sniffing, streaming and refusals.
file_format_detect = _detect_format
rows_open = _open_rows
data_rows = _data_rows
cell_text = _cell_text
