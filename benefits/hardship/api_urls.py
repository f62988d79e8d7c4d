"""Routes of /api/v1/aid/hardship/ (included from benefits/api_urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("families", api.FamilyViewSet, basename="hardship-family")
router.register("care-visits", api.CareVisitViewSet, basename="hardship-care-visit")

urlpatterns = [
    path("mine/", api.MyFamilyView.as_view(), name="hardship-mine"),
    path("mine/household/", api.MyHouseholdView.as_view(), name="hardship-mine-household"),
    path("mine/household/<int:person_id>/", api.MyHouseholdMemberView.as_view(), name="hardship-mine-household-member"),
    path("mine/documents/", api.MyDocumentsView.as_view(), name="hardship-mine-documents"),
    path("mine/leave/", api.MyLeaveView.as_view(), name="hardship-mine-leave"),
    path("notices/", api.NoticeListView.as_view(), name="hardship-notices"),
    path("statistics/", api.StatisticsView.as_view(), name="hardship-statistics"),
    *router.urls,
]
