"""Settlement records' pages: staff upload and follow imports (progress, counts, the row-by-row report, where
each month stands); the member sees what was found and confirms or declines."""

import heapq
import itertools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import page_errors
from core.spreadsheets import spreadsheet_response
from members.selectors import branches_in_scope

from . import selectors, services
from .forms import SettlementConfirmForm, SettlementUploadForm

REFRESH_SECONDS = 2


def _staff_or_403(user):
    if not branches_in_scope(user, roles=selectors.STAFF_ROLES).exists():
        raise PermissionDenied


@login_required
def import_list(request):
    """Every import of the user's scope with its counts, where each month stands, and (for those who may) the
    upload form."""
    _staff_or_403(request.user)
    form = SettlementUploadForm(request.POST or None, request.FILES or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            with page_errors(request, form=form):
                job = services.settlement_import_create(actor=request.user, branch_id=form.cleaned_data["branch"].pk,
                                                        uploaded_file=form.cleaned_data["file"])
                messages.success(request, _("文件已上传，正在导入。"))
                return redirect("benefits:settlement-import", job.pk)
        status = 400
    page = Paginator(selectors.imports_for(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "benefits/settlement/import_list.html", {
        "page": page, "form": form, "can_upload": form.fields["branch"].queryset.exists(),
        "months": selectors.monthly_standing(request.user),
    }, status=status)


@login_required
def import_detail(request, job_id: int):
    _staff_or_403(request.user)
    job = selectors.import_for(request.user, job_id)
    if job is None:
        raise Http404
    return render(request, "benefits/settlement/import_detail.html", {
        "job": job, "standing": selectors.import_standing(job),
        "first_rows": _report_rows(job, limit=20),
        "refresh_seconds": None if job.is_finished else REFRESH_SECONDS,
    })


def _report_rows(job, limit: int | None = None):
    """Every row that became no claim, in the file's order: (row, outcome, column, value, message). The rows refused
    or not matched, and the records matched but not filed."""
    errors, not_filed = selectors.row_errors(job), selectors.records_not_filed(job)
    if limit is not None:
        errors, not_filed = errors[:limit], not_filed[:limit]
    rows = heapq.merge(
        ((e.row_number, e.get_outcome_display(), e.column, e.value, e.message) for e in errors.iterator(2000)),
        ((r.row_number, _("已匹配，未生成申请"), "", r.settlement_number, _not_filed_words(r))
         for r in not_filed.iterator(2000)),
        key=lambda row: row[0])
    return rows if limit is None else list(itertools.islice(rows, limit))


def _not_filed_words(record) -> str:
    if record.already_claimed:
        return _("本人已提交这次住院的申请 %(number)s，不再重复生成。") % {"number": record.already_claimed}
    return record.not_filed


@login_required
def import_report(request, job_id: int, file_format: str):
    """The row-by-row report: every row not turned into a claim, with its outcome, column and message."""
    _staff_or_403(request.user)
    job = selectors.import_for(request.user, job_id)
    if job is None or file_format not in ("csv", "xlsx"):
        raise Http404
    rows = _report_rows(job)
    return spreadsheet_response(fmt=file_format, filename=f"settlement-{job.pk}-report", sheet=_("导入问题"),
                                header=[_("行号"), _("结果"), _("列"), _("内容"), _("说明")], rows=rows)


@login_required
def record_detail(request, stay_id: int):
    """The member's record: what was found, each claim filed from it with its amount, and one step left."""
    record = selectors.member_record(request.user, stay_id)
    if record is None:
        raise Http404
    lines = selectors.stay_lines(stay_id)
    form = SettlementConfirmForm(initial={"bank_name": lines[0].bank_name if lines else "",
                                          "account_holder": lines[0].account_holder if lines else ""})
    return render(request, "benefits/settlement/record.html", {
        "record": record, "lines": lines, "form": form,
        "has_account": bool(lines and lines[0].bank_account),
        "account_tail": lines[0].bank_account[-4:] if lines and lines[0].bank_account else "",
    })


@login_required
@require_POST
def record_confirm(request, stay_id: int):
    form = SettlementConfirmForm(request.POST)
    form.is_valid()
    with page_errors(request):
        services.settlement_record_confirm(actor=request.user, stay_id=stay_id, bank=form.cleaned_data)
        messages.success(request, _("已确认，审核通过后补助将转入您的银行账户。"))
    return redirect("benefits:settlement-record", stay_id)


@login_required
@require_POST
def record_decline(request, stay_id: int):
    with page_errors(request):
        services.settlement_record_decline(actor=request.user, stay_id=stay_id)
        messages.success(request, _("已放弃这次住院的补助。"))
    return redirect("benefits:settlement-record", stay_id)
