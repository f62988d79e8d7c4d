from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:notification_id>/read/", views.notification_read, name="notification-read"),
    path("inbox/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("me/settings/", views.account_settings, name="settings"),
]
