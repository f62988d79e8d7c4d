"""`/api/v1/stats/…`: the dashboard's figures for programs, scoped as the page (404 outside the caller's branches)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ErrorEnvelopeSerializer
from core.errors import ApplicationError

from . import selectors, services
from .forms import StatsFilterForm

FILTERS = [
    OpenApiParameter("branch", OpenApiTypes.INT, description="A branch in the caller's scope (its whole subtree); "
                     "the top of the scope when left out."),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="First day (default: the first of the month "
                     "eleven months ago)."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Last day (default: today); at most "
                     f"{selectors.MAX_RANGE_DAYS} days after date_from."),
]


class ChartSerializer(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()
    type = serializers.ChoiceField(choices=["line", "bar", "pie", "map"])
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField(child=serializers.JSONField()),
                                 help_text="One list per row, in the order of `columns`.")
    series = serializers.ListField(child=serializers.IntegerField(), help_text="Columns drawn as series.")
    y2 = serializers.ListField(child=serializers.IntegerField(), help_text="Series on the second axis.")
    note = serializers.CharField(allow_blank=True)
    empty = serializers.CharField(allow_blank=True, help_text="Why there is nothing to show, when `rows` is empty.")


class FundYearSerializer(serializers.Serializer):
    plan_id = serializers.IntegerField()
    year = serializers.IntegerField()
    plan = serializers.CharField()
    fees = serializers.DecimalField(max_digits=16, decimal_places=2)
    subsidies = serializers.DecimalField(max_digits=16, decimal_places=2)
    income = serializers.DecimalField(max_digits=16, decimal_places=2)
    paid = serializers.DecimalField(max_digits=16, decimal_places=2)
    approved_unpaid = serializers.DecimalField(max_digits=16, decimal_places=2)
    balance = serializers.DecimalField(max_digits=16, decimal_places=2)
    loss_ratio = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    projected_claims = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    projected_balance = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    threshold = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    warning = serializers.BooleanField()
    method = serializers.CharField(allow_blank=True)


class FundSerializer(serializers.Serializer):
    years = FundYearSerializer(many=True)


class BranchRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DashboardSerializer(serializers.Serializer):
    branch = BranchRefSerializer()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    refreshed_at = serializers.DateTimeField(allow_null=True)
    charts = ChartSerializer(many=True)
    fund = FundSerializer()


class RefreshSerializer(serializers.Serializer):
    queued = serializers.BooleanField()


def _figures(request):
    if not selectors.user_sees_statistics(request.user):
        raise PermissionDenied
    form = StatsFilterForm(request.query_params)
    if not form.is_valid():
        errors = form.errors.get_json_data()
        message = " ".join(e["message"] for e in errors.get("__all__", [])) or _("筛选条件有误。")
        raise ApplicationError(message, "invalid", fields={
            field: [e["message"] for e in items] for field, items in errors.items() if field != "__all__"})
    branch = selectors.branch_for(request.user, form.cleaned_data["branch"])
    return selectors.dashboard(branch=branch, date_from=form.cleaned_data["date_from"],
                               date_to=form.cleaned_data["date_to"])



class DashboardView(APIView):
    """Every chart of the staff dashboard and the fund's health, for a branch's subtree and a date range."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=FILTERS, responses={200: DashboardSerializer, 404: ErrorEnvelopeSerializer},
                   tags=["stats"])
    def get(self, request):
        return Response(DashboardSerializer(_figures(request)).data)


class ChartView(APIView):
    """One chart of the dashboard (404 for a chart id the dashboard does not have)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=FILTERS, responses=ChartSerializer, tags=["stats"])
    def get(self, request, chart_id: str):
        data = _figures(request)
        chart = selectors.fund_table(data) if chart_id == "fund" else selectors.chart_by_id(data, chart_id)
        return Response(ChartSerializer(chart).data)


class FundView(APIView):
    """The fund's health per plan year; `year` narrows it to one year (404 when that year has no plan)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[*FILTERS[:1], OpenApiParameter("year", OpenApiTypes.INT)],
                   responses={200: FundSerializer, 404: ErrorEnvelopeSerializer}, tags=["stats"])
    def get(self, request):
        if not selectors.user_sees_statistics(request.user):
            raise PermissionDenied
        try:
            branch_id = int(request.query_params["branch"]) if request.query_params.get("branch") else None
            year = int(request.query_params["year"]) if request.query_params.get("year") else None
        except ValueError as e:
            raise ApplicationError("branch and year are whole numbers.", "invalid") from e
        if branch_id is not None and not 0 < branch_id < 10**18:
            raise Http404
        branch = selectors.branch_for(request.user, branch_id)
        years = selectors.fund_health(branch=branch)["years"]
        if year is not None:
            years = [y for y in years if y["year"] == year]
            if not years:
                raise Http404
        return Response(FundSerializer({"years": years}).data)


class RefreshView(APIView):
    """Asks for the rollups to be rebuilt now (a task; the figures change within minutes)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={202: RefreshSerializer}, tags=["stats"])
    def post(self, request):
        if not selectors.user_sees_statistics(request.user):
            raise PermissionDenied
        services.figures_refresh_request(actor=request.user)
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)
