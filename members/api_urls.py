from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api_data
from .accounts import api as account_api
from .notifications import api as notification_api
from .organisation import api as organisation_api

router = SimpleRouter()
router.register("notifications", notification_api.NotificationViewSet, basename="notification")
router.register("branches", organisation_api.BranchViewSet, basename="branch")
router.register("staff/members", organisation_api.StaffMemberViewSet, basename="staff-member")
router.register("staff/applications", organisation_api.StaffApplicationViewSet, basename="staff-application")
router.register("staff/transfers", organisation_api.StaffTransferViewSet, basename="staff-transfer")

urlpatterns = [
    path("me/", account_api.MeView.as_view(), name="me"),
    path("me/membership/", organisation_api.MembershipView.as_view(), name="membership"),
    path("me/membership/transfer/", organisation_api.MembershipTransferView.as_view(), name="membership-transfer"),
    path("me/membership/card-token/", organisation_api.CardTokenView.as_view(), name="membership-card-token"),
    path("branches/<int:branch_id>/statistics/", api_data.BranchStatisticsView.as_view(), name="branch-statistics"),
    path("awards/", api_data.AwardedListView.as_view(), name="awards"),
    *router.urls,
]
