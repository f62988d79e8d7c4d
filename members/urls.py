from django.urls import path

from . import views, views_data

app_name = "members"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:notification_id>/read/", views.notification_read, name="notification-read"),
    path("inbox/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("me/settings/", views.account_settings, name="settings"),
    # Data work (members/views_data.py): imports, exports, statistics, awards.
    path("staff/imports/", views_data.import_list, name="import-list"),
    path("staff/imports/new/", views_data.import_new, name="import-new"),
    path("staff/imports/template.csv", views_data.import_template, name="import-template"),
    path("staff/imports/<int:job_id>/", views_data.import_detail, name="import-detail"),
    path("staff/imports/<int:job_id>/errors.<str:file_format>", views_data.import_errors, name="import-errors"),
    path("staff/members/export.xlsx", views_data.members_export, name="members-export"),
    path("staff/statistics/", views_data.statistics_page, name="statistics"),
    path("awards/", views_data.awards_page, name="awards"),
]
