from django.urls import path

from . import views_data
from .accounts import views as account_views
from .notifications import views as notification_views
from .organisation import views as organisation_views

app_name = "members"

urlpatterns = [
    path("inbox/", notification_views.inbox, name="inbox"),
    path("inbox/<int:notification_id>/read/", notification_views.notification_read, name="notification-read"),
    path("inbox/read-all/", notification_views.notifications_read_all, name="notifications-read-all"),
    path("me/settings/", account_views.account_settings, name="settings"),
    # Joining, transfers, the member card (members/organisation/views.py)
    path("branches/", organisation_views.branch_list, name="branch-list"),
    path("branches/<int:branch_id>/join/", organisation_views.branch_join, name="branch-join"),
    path("branches/<int:branch_id>/transfer/", organisation_views.transfer_request, name="transfer-request"),
    path("me/membership/", organisation_views.membership, name="membership"),
    path("me/transfers/<int:transfer_id>/cancel/", organisation_views.transfer_cancel, name="transfer-cancel"),
    path("me/card/", organisation_views.card, name="card"),
    path("me/card.png", organisation_views.card_png, name="card-png"),
    path("card/verify/<str:token>/", organisation_views.card_verify, name="card-verify"),
    path("staff/applications/", organisation_views.staff_applications, name="staff-applications"),
    path("staff/applications/decide/", organisation_views.staff_applications_decide, name="staff-applications-decide"),
    path("staff/transfers/<int:transfer_id>/decide/", organisation_views.staff_transfer_decide,
         name="staff-transfer-decide"),
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
