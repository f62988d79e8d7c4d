from django.urls import path

from .accounts import views as accounts
from .data import views as data
from .notifications import views as notifications
from .organisation import views as organisation

app_name = "members"

urlpatterns = [
    # The inbox (members/notifications/views.py) and the account's settings (members/accounts/views.py)
    path("inbox/", notifications.inbox, name="inbox"),
    path("inbox/<int:notification_id>/read/", notifications.notification_read, name="notification-read"),
    path("inbox/read-all/", notifications.notifications_read_all, name="notifications-read-all"),
    path("me/settings/", accounts.account_settings, name="settings"),
    # Joining, transfers, the member card (members/organisation/views.py)
    path("branches/", organisation.branch_list, name="branch-list"),
    path("branches/<int:branch_id>/join/", organisation.branch_join, name="branch-join"),
    path("branches/<int:branch_id>/transfer/", organisation.transfer_request, name="transfer-request"),
    path("me/membership/", organisation.membership, name="membership"),
    path("me/transfers/<int:transfer_id>/cancel/", organisation.transfer_cancel, name="transfer-cancel"),
    path("me/card/", organisation.card, name="card"),
    path("me/card.png", organisation.card_png, name="card-png"),
    path("card/verify/<str:token>/", organisation.card_verify, name="card-verify"),
    path("staff/applications/", organisation.staff_applications, name="staff-applications"),
    path("staff/applications/decide/", organisation.staff_applications_decide, name="staff-applications-decide"),
    path("staff/transfers/<int:transfer_id>/decide/", organisation.staff_transfer_decide, name="staff-transfer-decide"),
    # Data work (members/data/views.py): imports, exports, statistics, awards.
    path("staff/imports/", data.import_list, name="import-list"),
    path("staff/imports/new/", data.import_new, name="import-new"),
    path("staff/imports/template.csv", data.import_template, name="import-template"),
    path("staff/imports/<int:job_id>/", data.import_detail, name="import-detail"),
    path("staff/imports/<int:job_id>/errors.<str:file_format>", data.import_errors, name="import-errors"),
    path("staff/members/export.xlsx", data.members_export, name="members-export"),
    path("staff/statistics/", data.statistics_page, name="statistics"),
    path("awards/", data.awards_page, name="awards"),
]
