from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api_data, api_org
from .accounts import api as account_api
from .notifications import api as notification_api

router = SimpleRouter()
router.register("notifications", notification_api.NotificationViewSet, basename="notification")
router.register("branches", api_org.BranchViewSet, basename="branch")
router.register("staff/members", api_org.StaffMemberViewSet, basename="staff-member")
router.register("staff/applications", api_org.StaffApplicationViewSet, basename="staff-application")
router.register("staff/transfers", api_org.StaffTransferViewSet, basename="staff-transfer")

urlpatterns = [
    path("me/", account_api.MeView.as_view(), name="me"),
    path("me/membership/", api_org.MembershipView.as_view(), name="membership"),
    path("me/membership/transfer/", api_org.MembershipTransferView.as_view(), name="membership-transfer"),
    path("me/membership/card-token/", api_org.CardTokenView.as_view(), name="membership-card-token"),
    path("branches/<int:branch_id>/statistics/", api_data.BranchStatisticsView.as_view(), name="branch-statistics"),
    path("awards/", api_data.AwardedListView.as_view(), name="awards"),
    *router.urls,
]
