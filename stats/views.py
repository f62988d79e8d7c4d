"""The staff dashboard (统计查询), its downloads and the refresh button: thin doors onto stats.selectors/services."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.spreadsheets import spreadsheet_response
from stations.geo import wgs84_to_gcj02
from stations.views import map_settings

from . import selectors, services
from .forms import StatsFilterForm
from .report_pdf import yearly_report_pdf

FORMATS = ("csv", "xlsx")


def _staff_or_403(user):
    if not selectors.user_sees_statistics(user):
        raise PermissionDenied


def _figures(request):
    """The filter read from the query string, and the figures it asks for (None with the form when it is wrong)."""
    form = StatsFilterForm(request.GET)
    if not form.is_valid():
        return form, None, None
    branch = selectors.branch_for(request.user, form.cleaned_data["branch"])
    data = selectors.dashboard(branch=branch, date_from=form.cleaned_data["date_from"],
                               date_to=form.cleaned_data["date_to"])
    return form, branch, data


@login_required
def dashboard(request):
    _staff_or_403(request.user)
    form, branch, data = _figures(request)
    if data is None:
        branch = selectors.branch_for(request.user, None)
        return render(request, "stats/dashboard.html", {
            "form": form, "branch": branch, "branch_choices": selectors.branch_choices(request.user, branch),
        }, status=400)
    fund_chart = selectors.fund_table(data)
    # The range the figures cover, defaults filled in, shown in the fields.
    shown = StatsFilterForm(initial={"date_from": data["date_from"], "date_to": data["date_to"]})
    tiles = map_settings()
    return render(request, "stats/dashboard.html", {
        "form": shown, "branch": branch, "data": data, "fund_chart": fund_chart,
        "branch_choices": selectors.branch_choices(request.user, branch),
        "charts_json": {"charts": [*data["charts"], fund_chart],
                        "visit_markers": _visit_markers(selectors.chart_by_id(data, "visits_map"), tiles["gcj02"])},
        "tiles": tiles,
        "query": request.GET.urlencode(),
    })


def _visit_markers(chart, gcj02: bool) -> list[list]:
    """The stations of the visits map as [lat, lng, name, visits] on the tile server's grid (the station finder's
    tiles and the shift they need, stations.views.map_settings); the chart's rows and downloads stay WGS-84."""
    markers = []
    for name, _district, lng, lat, visits in chart["rows"] if chart else []:
        shown_lat, shown_lng = wgs84_to_gcj02(lat, lng) if gcj02 else (lat, lng)
        markers.append([round(shown_lat, 6), round(shown_lng, 6), name, visits])
    return markers


@login_required
def download(request, chart_id: str, fmt: str):
    _staff_or_403(request.user)
    if fmt not in FORMATS:
        raise Http404
    form, branch, data = _figures(request)
    if data is None:
        messages.error(request, " ".join(str(e) for e in form.non_field_errors()) or _("筛选条件有误。"))
        return redirect("stats:dashboard")
    chart = selectors.fund_table(data) if chart_id == "fund" else selectors.chart_by_id(data, chart_id)
    filename = f"stats-{chart_id}-{branch.pk}-{data['date_from']:%Y%m%d}-{data['date_to']:%Y%m%d}"
    # A sheet's name is at most 31 characters, none of []:*?/\ (Excel's rule, which openpyxl enforces).
    sheet = "".join(" " if ch in "[]:*?/\\：" else ch for ch in chart["title"])[:31].strip()
    return spreadsheet_response(fmt=fmt, filename=filename, sheet=sheet or chart_id,
                                header=chart["columns"], rows=chart["rows"])


@login_required
@require_POST
def refresh(request):
    _staff_or_403(request.user)
    services.figures_refresh_request(actor=request.user)
    messages.success(request, _("已开始刷新统计数字，几分钟内更新。"))
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/stats/") else "stats:dashboard")


@login_required
def yearly_report(request):
    """The yearly report of a branch as a PDF (Chinese); a year without any figure answers 404 with words."""
    _staff_or_403(request.user)
    try:
        year = int(request.GET.get("year", ""))
        branch_id = int(request.GET["branch"]) if request.GET.get("branch") else None
    except ValueError:
        year, branch_id = None, None
    if year is None or not 2000 <= year <= 2100 or (branch_id is not None and not 0 < branch_id < 10**18):
        messages.error(request, _("请选择有效的年度。"))
        return redirect("stats:dashboard")
    branch = selectors.branch_for(request.user, branch_id)
    if not selectors.year_has_data(branch, year):
        raise Http404(_("%(year)s 年度没有统计数据。") % {"year": year})
    today = timezone.localdate()
    data = selectors.dashboard(branch=branch, date_from=datetime.date(year, 1, 1),
                               date_to=min(datetime.date(year, 12, 31), max(today, datetime.date(year, 1, 1))))
    pdf = yearly_report_pdf(data=data, year=year, issuer=selectors.report_issuer(branch))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="stats-report-{branch.pk}-{year}.pdf"'
    return response
