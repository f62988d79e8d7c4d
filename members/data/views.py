"""Staff pages for data work — imports, exports, statistics — and the public awards list (以奖代补公示)."""

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.spreadsheets import CsvWriter, csv_writer, xlsx_append

from ..models import ImportJob, ImportRowError
from ..selectors import branches_in_scope
from . import awards, exports, imports, statistics
from .forms import ExportForm, ImportUploadForm

REFRESH_SECONDS = 2


def _scope_or_403(user, roles):
    scope = branches_in_scope(user, roles=roles)
    if not scope.exists():
        raise PermissionDenied
    return scope


def _job_in_scope(user, job_id: int) -> ImportJob:
    """Jobs of branches in the user's scope; anyone else's job answers 404, as a guessed id should."""
    scope = _scope_or_403(user, imports.IMPORT_ROLES)
    return get_object_or_404(ImportJob.objects.select_related("branch", "uploaded_by").filter(branch__in=scope),
                             pk=job_id)


@login_required
def import_list(request):
    scope = _scope_or_403(request.user, imports.IMPORT_ROLES)
    jobs = ImportJob.objects.filter(branch__in=scope).select_related("branch", "uploaded_by")
    page = Paginator(jobs, 20).get_page(request.GET.get("page"))
    return render(request, "members/data/import_list.html", {
        "page": page, "export_form": ExportForm(user=request.user),
    })


@login_required
def import_new(request):
    _scope_or_403(request.user, imports.IMPORT_ROLES)
    form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            try:
                job = imports.import_job_create(
                    actor=request.user, branch=form.cleaned_data["branch"], uploaded_file=form.cleaned_data["file"],
                    mode=form.cleaned_data["mode"],
                )
            except imports.ImportRefused as e:
                form.add_error("file", e.message)
            else:
                messages.success(request, _("文件已上传，正在导入。"))
                return redirect("members:import-detail", job.pk)
        return render(request, "members/data/import_new.html", {"form": form}, status=400)
    return render(request, "members/data/import_new.html", {"form": form})


@login_required
def import_detail(request, job_id: int):
    job = _job_in_scope(request.user, job_id)
    first_errors = list(job.row_errors.all()[:20])
    return render(request, "members/data/import_detail.html", {
        "job": job, "first_errors": first_errors,
        "refresh_seconds": None if job.is_finished else REFRESH_SECONDS,
    })


def _error_rows(job: ImportJob):
    yield [_("行号"), _("列"), _("内容"), _("问题")]
    for error in ImportRowError.objects.filter(job=job).order_by("row_number", "id").values_list(
        "row_number", "column", "value", "message"
    ).iterator(chunk_size=2000):
        yield list(error)


class _Echo:
    def write(self, value):
        return value


@login_required
def import_errors(request, job_id: int, file_format: str):
    """The error report: every bad row with its row number, column and message, as CSV or XLSX."""
    if file_format not in ("csv", "xlsx"):
        raise Http404
    job = _job_in_scope(request.user, job_id)
    filename = f"import-{job.pk}-errors.{file_format}"
    if file_format == "csv":
        # The rows hold what the uploaded file held, formulas included: neutralised (core/spreadsheets.py). A BOM
        # first, so spreadsheet programs open the Chinese text as UTF-8.
        writer = CsvWriter(_Echo(), bom=True)
        body = (writer.writerow(row) for row in _error_rows(job))
        response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("错误"))
    for row in _error_rows(job):
        xlsx_append(sheet, row)
    output = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 — FileResponse closes it
    workbook.save(output)
    output.seek(0)
    return FileResponse(output, as_attachment=True, filename=filename,
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@login_required
def import_template(request):
    _scope_or_403(request.user, imports.IMPORT_ROLES)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="members-import-template.csv"'
    writer = csv_writer(response, identifiers=(2,))
    writer.writerow([_("姓名"), _("身份证号"), _("手机号"), _("工作单位"), _("就业形态")])
    writer.writerow([_("张三"), "11010519491231002X", "13800138000", _("某某物流有限公司"), _("新就业形态（平台）")])
    return response


@login_required
def members_export(request):
    _scope_or_403(request.user, exports.EXPORT_ROLES)
    form = ExportForm(request.GET or None, user=request.user)
    if request.GET and not form.is_valid():
        raise PermissionDenied  # a branch outside the user's scope was asked for
    branch = form.cleaned_data.get("branch") if form.is_bound else None
    members = exports.members_for_export(user=request.user, branch_id=branch.pk if branch else None)
    output = exports.members_export_xlsx(members=members)
    return FileResponse(output, as_attachment=True, filename=exports.export_filename(),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@login_required
def statistics_page(request):
    sections = statistics.statistics_for_staff(request.user)
    if not sections:
        raise PermissionDenied
    return render(request, "members/data/statistics.html", {"sections": sections})


def awards_page(request):
    """Public (以奖代补 results are announced): the awarded base unions of a year and the total subsidy."""
    years = awards.award_years()
    try:
        year = int(request.GET.get("year") or (years[0] if years else timezone.localdate().year))
    except ValueError:
        year = timezone.localdate().year
    page = Paginator(awards.awarded_in_year(year), 50).get_page(request.GET.get("page"))
    return render(request, "members/data/awards.html", {
        "year": year, "years": years, "page": page, "totals": awards.award_year_totals(year),
    })
