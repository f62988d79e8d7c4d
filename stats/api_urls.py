from django.urls import path

from . import api

urlpatterns = [
    path("stats/", api.DashboardView.as_view(), name="stats-dashboard"),
    path("stats/charts/<slug:chart_id>/", api.ChartView.as_view(), name="stats-chart"),
    path("stats/fund/", api.FundView.as_view(), name="stats-fund"),
    path("stats/refresh/", api.RefreshView.as_view(), name="stats-refresh"),
]
