from django.urls import path
from rest_framework.routers import SimpleRouter

from .accounts import api as accounts
from .data import api as data
from .notifications import api as notifications
from .organisation import api as organisation

router = SimpleRouter()
router.register("notifications", notifications.NotificationViewSet, basename="notification")
router.register("branches", organisation.BranchViewSet, basename="branch")
router.register("staff/members", organisation.StaffMemberViewSet, basename="staff-member")
router.register("staff/applications", organisation.StaffApplicationViewSet, basename="staff-application")
router.register("staff/transfers", organisation.StaffTransferViewSet, basename="staff-transfer")

urlpatterns = [
    path("me/", accounts.MeView.as_view(), name="me"),
    path("me/membership/", organisation.MembershipView.as_view(), name="membership"),
    path("me/membership/transfer/", organisation.MembershipTransferView.as_view(), name="membership-transfer"),
    path("me/membership/card-token/", organisation.CardTokenView.as_view(), name="membership-card-token"),
    path("branches/<int:branch_id>/statistics/", data.BranchStatisticsView.as_view(), name="branch-statistics"),
    path("awards/", data.AwardedListView.as_view(), name="awards"),
    *router.urls,
]
