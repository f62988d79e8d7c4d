from django.urls import path

from . import views, views_org

app_name = "members"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:notification_id>/read/", views.notification_read, name="notification-read"),
    path("inbox/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("me/settings/", views.account_settings, name="settings"),
    # Joining, transfers, the member card (views_org)
    path("branches/", views_org.branch_list, name="branch-list"),
    path("branches/<int:branch_id>/join/", views_org.branch_join, name="branch-join"),
    path("branches/<int:branch_id>/transfer/", views_org.transfer_request, name="transfer-request"),
    path("me/membership/", views_org.membership, name="membership"),
    path("me/transfers/<int:transfer_id>/cancel/", views_org.transfer_cancel, name="transfer-cancel"),
    path("me/card/", views_org.card, name="card"),
    path("me/card.png", views_org.card_png, name="card-png"),
    path("card/verify/<str:token>/", views_org.card_verify, name="card-verify"),
    path("staff/applications/", views_org.staff_applications, name="staff-applications"),
    path("staff/applications/decide/", views_org.staff_applications_decide, name="staff-applications-decide"),
    path("staff/transfers/<int:transfer_id>/decide/", views_org.staff_transfer_decide, name="staff-transfer-decide"),
]
