from django.urls import path

from . import views

app_name = "stats"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("download/<slug:chart_id>.<str:fmt>", views.download, name="download"),
    path("refresh/", views.refresh, name="refresh"),
    path("report/", views.yearly_report, name="report"),
]
