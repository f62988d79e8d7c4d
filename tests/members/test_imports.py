import io
import zipfile

import pytest
from django.urls import reverse

from members.data import imports
from members.data.imports import ImportRefused, import_file_inspect, import_job_create
from members.models import ImportJob, ImportRowError, ImportStagedRow, Member
from members.organisation.services import member_numbers_reserve
from tests.factories import id_number_for
from tests.members.data_helpers import HEADER_EN, csv_bytes, upload, worker_row, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_import(django_capture_on_commit_callbacks):
    """Uploads and runs the job as the Celery task would (eager, after commit)."""

    def run(actor, branch, content: bytes, *, mode="all_or_nothing", name="workers.csv") -> ImportJob:
        with django_capture_on_commit_callbacks(execute=True):
            job = import_job_create(actor=actor, branch=branch, uploaded_file=upload(content, name), mode=mode)
        job.refresh_from_db()
        return job

    return run


# --- Good files ---------------------------------------------------------------------------------------

def test_csv_import_creates_active_members_with_numbers(org_tree, staff_of, run_import):
    staff = staff_of(org_tree.base_a1)
    job = run_import(staff, org_tree.base_a1, csv_bytes([worker_row(i) for i in range(1, 6)]))
    assert job.status == "done" and (job.total_rows, job.created_count, job.error_count) == (5, 5, 0)
    members = Member.objects.filter(branch=org_tree.base_a1)
    assert members.count() == 5
    assert all(m.status == "active" and m.member_number.startswith("M") and m.joined_at for m in members)
    assert len({m.member_number for m in members}) == 5
    first = members.get(name="工人1")
    assert first.birth_date.isoformat() == "1990-01-01" and first.employment_type == "standard"
    assert not ImportStagedRow.objects.exists()  # staging is cleaned up
    assert staff.notifications.filter(kind="members.import.finished").exists()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings_and_english_headers_and_code_values(org_tree, staff_of, run_import, encoding):
    rows = [worker_row(1, kind="platform"), worker_row(2, kind="灵活就业"), worker_row(3, kind="")]
    job = run_import(staff_of(org_tree.base_a1), org_tree.base_a1, csv_bytes(rows, header=HEADER_EN,
                                                                             encoding=encoding))
    assert job.status == "done", job.message
    kinds = dict(Member.objects.values_list("name", "employment_type"))
    assert kinds == {"工人1": "platform", "工人2": "flexible", "工人3": "standard"}


def test_xlsx_import_with_numeric_cells(org_tree, staff_of, run_import):
    rows = [[f"工人{i}", id_number_for(i, birth="19900101"), 13800000000 + i, "港务", "新就业形态"] for i in (1, 2)]
    job = run_import(staff_of(org_tree.base_a1), org_tree.base_a1, xlsx_bytes(rows), name="w.xlsx")
    assert job.status == "done", job.message
    assert job.file_format == "xlsx" and job.created_count == 2
    assert set(Member.objects.values_list("mobile", flat=True)) == {"13800000001", "13800000002"}


def test_reimporting_the_same_file_creates_no_duplicates(org_tree, staff_of, run_import):
    staff = staff_of(org_tree.base_a1)
    content = csv_bytes([worker_row(i) for i in range(1, 4)])
    run_import(staff, org_tree.base_a1, content)
    numbers = dict(Member.objects.values_list("id_number", "member_number"))
    again = run_import(staff, org_tree.base_a1, content)
    assert again.status == "done" and (again.created_count, again.updated_count) == (0, 0)
    assert dict(Member.objects.values_list("id_number", "member_number")) == numbers
    changed = run_import(staff, org_tree.base_a1, csv_bytes([worker_row(1, mobile="13912345678")]))
    assert (changed.created_count, changed.updated_count) == (0, 1)
    assert Member.objects.get(id_number=id_number_for(1, birth="19900101")).mobile == "13912345678"
    assert Member.objects.count() == 3


def test_import_reactivates_a_member_who_left_and_gives_a_number(org_tree, staff_of, run_import, member_factory):
    left = member_factory(branch=org_tree.base_a1, id_number=id_number_for(7, birth="19900101"), status="left",
                          member_number=None)
    job = run_import(staff_of(org_tree.base_a1), org_tree.base_a1, csv_bytes([worker_row(7)]))
    left.refresh_from_db()
    assert job.updated_count == 1 and left.status == "active" and left.member_number.startswith("M")


# --- Bad rows -----------------------------------------------------------------------------------------

BAD_ROWS = [
    worker_row(1),                                              # row 2: fine
    ["", id_number_for(2, birth="19900101"), "13800000002", "", ""],  # row 3: no name
    ["李四", "350203199001010021", "13800000003", "", ""],      # row 4: bad checksum
    ["王五", id_number_for(4, birth="19900101"), "2345", "", ""],  # row 5: bad mobile
    ["赵六", id_number_for(5, birth="19900101"), "13800000005", "", "临时工"],  # row 6: unknown type
    worker_row(1, name="重复"),                                # row 7: duplicate of row 2
    worker_row(8),                                              # row 8: fine
]


def test_all_or_nothing_saves_nothing_when_any_row_is_bad(org_tree, staff_of, run_import):
    job = run_import(staff_of(org_tree.base_a1), org_tree.base_a1, csv_bytes(BAD_ROWS), mode="all_or_nothing")
    assert job.status == "failed" and job.error_count == 5 and job.total_rows == 7
    assert not Member.objects.exists()
    errors = list(job.row_errors.values_list("row_number", "column", "message"))
    assert [(r, c) for r, c, _m in errors] == [(3, "姓名"), (4, "身份证号"), (5, "手机号"), (6, "就业形态"),
                                               (7, "身份证号")]
    assert "第 2 行" in errors[-1][2]
    assert "校验位" in errors[1][2]


def test_valid_only_saves_the_good_rows(org_tree, staff_of, run_import):
    job = run_import(staff_of(org_tree.base_a1), org_tree.base_a1, csv_bytes(BAD_ROWS), mode="valid_only")
    assert job.status == "done" and (job.created_count, job.error_count) == (2, 5)
    assert set(Member.objects.values_list("name", flat=True)) == {"工人1", "工人8"}


def test_id_number_of_a_member_elsewhere_is_refused_without_naming_a_branch_out_of_scope(
    org_tree, staff_of, run_import, member_factory
):
    member_factory(branch=org_tree.base_b1, id_number=id_number_for(1, birth="19900101"))
    member_factory(branch=org_tree.base_a2, id_number=id_number_for(2, birth="19900101"))
    staff = staff_of(org_tree.district_a)
    job = run_import(staff, org_tree.base_a1, csv_bytes([worker_row(1), worker_row(2), worker_row(3)]),
                     mode="valid_only")
    assert (job.created_count, job.error_count) == (1, 2)
    messages = dict(job.row_errors.values_list("row_number", "message"))
    assert "其他工会组织" in messages[2] and org_tree.base_b1.name not in messages[2]
    assert org_tree.base_a2.name in messages[3]  # in the staff's own scope: say where
    assert Member.objects.get(id_number=id_number_for(1, birth="19900101")).branch == org_tree.base_b1


def test_member_numbers_are_reserved_in_blocks_without_overlap(db):
    import datetime

    day = datetime.date(2026, 11, 29)
    first = member_numbers_reserve(count=3, today=day)
    second = member_numbers_reserve(count=2, today=day)
    assert first == ["M202600000001", "M202600000002", "M202600000003"]
    assert second == ["M202600000004", "M202600000005"]
    assert member_numbers_reserve(count=1, today=datetime.date(2027, 1, 1)) == ["M202700000001"]
    assert member_numbers_reserve(count=0) == []


# --- Bad files ----------------------------------------------------------------------------------------

def _fake_xlsx_without_content_types() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return out.getvalue()


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "空"),
    (b"\n\n  \n", "空"),
    (csv_bytes([]), "没有数据行"),
    (xlsx_bytes([]), "没有数据行"),
    (xlsx_bytes([worker_row(1)], header=["name", "mobile"]), "缺少必需的列：身份证号"),
    (csv_bytes([worker_row(1)], header=["姓名", "工作单位"]), "缺少必需的列：身份证号、手机号"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "不是文本表格"),
    (_fake_xlsx_without_content_types(), "不是 XLSX"),
    (b"PK\x03\x04garbage-garbage-garbage", "已损坏"),
    (bytes(range(128, 256)) * 50, "编码"),
])
def test_bad_files_are_refused_with_a_reason(org_tree, staff_of, content, reason):
    with pytest.raises(ImportRefused) as refused:
        import_job_create(actor=staff_of(org_tree.base_a1), branch=org_tree.base_a1, uploaded_file=upload(content),
                          mode="valid_only")
    assert reason in refused.value.message
    assert not ImportJob.objects.exists()


def test_a_file_over_the_size_limit_is_refused_before_reading(monkeypatch):
    class Huge(io.BytesIO):
        def read(self, *args):
            raise AssertionError("the content of an oversized file must not be read")

    with pytest.raises(ImportRefused) as refused:
        import_file_inspect(Huge(b"x"), size=50 * 1024 * 1024)
    assert "过大" in refused.value.message


def test_xlsx_bomb_is_refused(monkeypatch):
    monkeypatch.setattr(imports, "MAX_XLSX_UNPACKED_BYTES", 1000)
    with pytest.raises(ImportRefused) as refused:
        import_file_inspect(io.BytesIO(xlsx_bytes([worker_row(1)])), size=10)
    assert "过大" in refused.value.message


def test_too_many_rows_saves_nothing_even_in_valid_only_mode(org_tree, staff_of, run_import, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    monkeypatch.setattr(imports, "BATCH_SIZE", 2)
    job = run_import(staff_of(org_tree.base_a1), org_tree.base_a1,
                     csv_bytes([worker_row(i) for i in range(1, 6)]), mode="valid_only")
    assert job.status == "failed" and "超过 3 行" in job.message
    assert not Member.objects.exists() and not ImportRowError.objects.exists()
    assert not ImportStagedRow.objects.exists()


def test_batches_smaller_than_the_file_give_the_same_result(org_tree, staff_of, run_import, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_SIZE", 2)
    rows = [worker_row(i) for i in range(1, 8)] + [worker_row(3, name="再来")]
    job = run_import(staff_of(org_tree.base_a1), org_tree.base_a1, csv_bytes(rows), mode="valid_only")
    assert (job.total_rows, job.created_count, job.error_count) == (8, 7, 1)
    assert job.row_errors.get().row_number == 9


def test_running_a_job_twice_imports_once(org_tree, staff_of, run_import):
    job = run_import(staff_of(org_tree.base_a1), org_tree.base_a1, csv_bytes([worker_row(1)]))
    imports.import_job_run(job_id=job.pk)  # a duplicated task delivery
    assert Member.objects.count() == 1
    assert ImportJob.objects.get(pk=job.pk).created_count == 1


# --- Personas -----------------------------------------------------------------------------------------

def test_staff_cannot_import_into_a_sibling_branch_via_the_service(org_tree, staff_of):
    with pytest.raises(ImportRefused):
        import_job_create(actor=staff_of(org_tree.base_a1), branch=org_tree.base_a2,
                          uploaded_file=upload(csv_bytes([worker_row(1)])), mode="valid_only")


def test_claims_reviewer_cannot_import(org_tree, staff_of):
    with pytest.raises(ImportRefused):
        import_job_create(actor=staff_of(org_tree.base_a1, role="claims_reviewer"), branch=org_tree.base_a1,
                          uploaded_file=upload(csv_bytes([worker_row(1)])), mode="valid_only")


def _post_upload(client, branch, content, mode="valid_only", name="workers.csv"):
    return client.post(reverse("members:import-new"),
                       {"branch": branch.pk, "mode": mode, "file": upload(content, name)})


def test_staff_of_a_imports_into_a_through_the_page(client, org_tree, staff_of, django_capture_on_commit_callbacks):
    client.force_login(staff_of(org_tree.base_a1))
    assert client.get(reverse("members:import-new")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_upload(client, org_tree.base_a1, csv_bytes([worker_row(1)]))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("members:import-detail", args=[job.pk])
    page = client.get(response.url)
    assert page.status_code == 200 and "已完成" in page.content.decode()
    assert b'http-equiv="refresh"' not in page.content
    assert Member.objects.filter(branch=org_tree.base_a1).count() == 1


def test_page_refreshes_while_the_job_runs(client, org_tree, staff_of):
    staff = staff_of(org_tree.base_a1)
    client.force_login(staff)
    job = import_job_create(actor=staff, branch=org_tree.base_a1, uploaded_file=upload(csv_bytes([worker_row(1)])),
                            mode="valid_only")  # on_commit never fires here: the job stays queued
    page = client.get(reverse("members:import-detail", args=[job.pk]))
    assert b'http-equiv="refresh"' in page.content


def test_staff_of_a_cannot_import_into_sibling_b_through_the_page(client, org_tree, staff_of):
    client.force_login(staff_of(org_tree.base_a1))
    response = _post_upload(client, org_tree.base_a2, csv_bytes([worker_row(1)]))
    assert response.status_code == 400
    assert not ImportJob.objects.exists() and not Member.objects.exists()


def test_a_bad_file_is_refused_on_the_page_with_its_reason(client, org_tree, staff_of):
    client.force_login(staff_of(org_tree.base_a1))
    response = _post_upload(client, org_tree.base_a1, b"\x00\x01binary", name="workers.xlsx")
    assert response.status_code == 400 and "不是文本表格" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_job_and_error_report_access_by_persona(client, org_tree, staff_of, user_factory, run_import):
    staff_a1 = staff_of(org_tree.base_a1)
    job = run_import(staff_a1, org_tree.base_a1, csv_bytes(BAD_ROWS), mode="valid_only")
    detail = reverse("members:import-detail", args=[job.pk])
    report = reverse("members:import-errors", args=[job.pk, "csv"])

    client.force_login(staff_of(org_tree.district_a))  # staff of the parent sees the child's job
    assert client.get(detail).status_code == 200
    assert client.get(report).status_code == 200

    client.force_login(staff_of(org_tree.base_a2))  # sibling: as if the job did not exist
    assert client.get(detail).status_code == 404
    assert client.get(report).status_code == 404

    client.force_login(user_factory())  # a member without a staff role
    assert client.get(detail).status_code == 403
    assert client.get(reverse("members:import-list")).status_code == 403

    client.logout()
    response = client.get(report)
    assert response.status_code == 302 and "login" in response.url


def test_error_report_lists_row_column_and_message(client, org_tree, staff_of, run_import):
    staff = staff_of(org_tree.base_a1)
    job = run_import(staff, org_tree.base_a1, csv_bytes(BAD_ROWS), mode="all_or_nothing")
    client.force_login(staff)
    response = client.get(reverse("members:import-errors", args=[job.pk, "csv"]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0] == "行号,列,内容,问题"
    assert lines[1].startswith("3,姓名,,姓名不能为空")
    assert lines[3].startswith("5,手机号,2345,")
    assert len(lines) == 6

    from openpyxl import load_workbook

    response = client.get(reverse("members:import-errors", args=[job.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("行号", "列", "内容", "问题") and rows[1][:2] == (3, "姓名") and len(rows) == 6
    assert client.get(reverse("members:import-errors", args=[job.pk, "pdf"])).status_code == 404


def test_import_list_is_scoped_and_its_queries_pinned(client, org_tree, staff_of, django_assert_max_num_queries):
    staff_a = staff_of(org_tree.district_a)
    for branch in (org_tree.base_a1, org_tree.base_a2, org_tree.district_a):
        for _ in range(3):
            import_job_create(actor=staff_a, branch=branch, uploaded_file=upload(csv_bytes([worker_row(1)])),
                              mode="valid_only")
    import_job_create(actor=staff_of(org_tree.base_b1), branch=org_tree.base_b1,
                      uploaded_file=upload(csv_bytes([worker_row(1)])), mode="valid_only")
    client.force_login(staff_of(org_tree.base_a1))
    with django_assert_max_num_queries(11):
        response = client.get(reverse("members:import-list"))
    assert len(response.context["page"].object_list) == 3
    client.force_login(staff_a)
    with django_assert_max_num_queries(11):
        response = client.get(reverse("members:import-list"))
    assert len(response.context["page"].object_list) == 9


def test_import_job_admin_is_read_only_and_scoped(client, org_tree, staff_of, run_import):
    staff_a1 = staff_of(org_tree.base_a1)
    job = run_import(staff_a1, org_tree.base_a1, csv_bytes([worker_row(1)]))
    client.force_login(staff_of(org_tree.district_a))
    assert client.get(reverse("admin:members_importjob_change", args=[job.pk])).status_code == 200
    assert client.get(reverse("admin:members_importjob_add")).status_code == 403
    client.force_login(staff_of(org_tree.base_a2))
    assert client.get(reverse("admin:members_importjob_change", args=[job.pk])).status_code == 404


def test_a_member_registered_elsewhere_during_the_import_fails_the_job_cleanly(
    org_tree, staff_of, run_import, member_factory, monkeypatch
):
    # The cross-check saw no conflict; by the time of the save someone registered the person in B.
    monkeypatch.setattr(imports, "_cross_check", lambda job: None)
    member_factory(branch=org_tree.base_b1, id_number=id_number_for(2, birth="19900101"))
    job = run_import(staff_of(org_tree.base_a1), org_tree.base_a1, csv_bytes([worker_row(1), worker_row(2)]),
                     mode="all_or_nothing")
    assert job.status == "failed" and "重新上传" in job.message
    assert not Member.objects.filter(branch=org_tree.base_a1).exists()


def test_the_uploaded_file_is_deleted_once_processed(org_tree, staff_of, run_import, settings):
    job = run_import(staff_of(org_tree.base_a1), org_tree.base_a1, csv_bytes([worker_row(1)]))
    assert job.file.name == ""
    assert not [p for p in (settings.MEDIA_ROOT / "imports").rglob("*") if p.is_file()]
    failed = run_import(staff_of(org_tree.base_a2), org_tree.base_a2, csv_bytes(BAD_ROWS))
    assert failed.status == "failed" and failed.file.name == ""


def test_a_passing_database_error_requeues_the_job_for_the_retry(org_tree, staff_of, monkeypatch):
    from django.db import OperationalError

    staff = staff_of(org_tree.base_a1)
    job = import_job_create(actor=staff, branch=org_tree.base_a1, uploaded_file=upload(csv_bytes([worker_row(1)])),
                            mode="valid_only")

    def flaky(job):
        raise OperationalError("database is locked")

    monkeypatch.setattr(imports, "_cross_check", flaky)
    with pytest.raises(OperationalError):
        imports.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "queued" and not ImportStagedRow.objects.exists()
    monkeypatch.undo()
    assert imports.import_job_run(job_id=job.pk).status == "done"
    assert Member.objects.count() == 1


def test_xlsx_error_rows_match_the_spreadsheet_rows_across_blank_rows(org_tree, staff_of, run_import):
    rows = [worker_row(1), [None] * 5, [None] * 5, ["", id_number_for(4, birth="19900101"), "13800000004", "", ""]]
    job = run_import(staff_of(org_tree.base_a1), org_tree.base_a1, xlsx_bytes(rows), mode="valid_only",
                     name="w.xlsx")
    assert (job.total_rows, job.created_count) == (2, 1)
    assert list(job.row_errors.values_list("row_number", "column")) == [(5, "姓名")]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_downloaded_template_imports_in_either_language(client, org_tree, staff_of, run_import, language):
    """A branch admin who reads the portal in English downloads an English template and uploads it back."""
    staff = staff_of(org_tree.base_a1)
    client.force_login(staff)
    client.cookies["django_language"] = language
    template = client.get(reverse("members:import-template")).content
    job = run_import(staff, org_tree.base_a1, template)
    assert job.status == "done", job.message
    assert Member.objects.get(branch=org_tree.base_a1).employment_type == "platform"
