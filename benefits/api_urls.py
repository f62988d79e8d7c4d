from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from . import api
from .aid import api as aid_api
from .claims import api as claims_api
from .claims import stays_api
from .settlement import api as settlement_api

router = SimpleRouter()
router.register("plans", api.PlanViewSet, basename="benefits-plan")
router.register("enrolments", api.EnrolmentViewSet, basename="benefits-enrolment")
# The longer prefixes first: "claims/review/" and "claims/stays/" must not be read as a claim id.
router.register("claims/review", claims_api.ClaimReviewViewSet, basename="benefits-claim-review")
router.register("claims/stays", stays_api.StayViewSet, basename="benefits-stay")
router.register("claims", claims_api.ClaimViewSet, basename="benefits-claim")
router.register("aid/education/review", aid_api.AidReviewViewSet, basename="benefits-aid-review")
router.register("aid/education", aid_api.AidApplicationViewSet, basename="benefits-aid")

urlpatterns = [
    path("my-cover/", api.MyCoverView.as_view(), name="benefits-my-cover"),
    path("group-enrolments/", api.GroupEnrolmentView.as_view(), name="benefits-group-enrolment"),
    path("aid/hardship/", include("benefits.hardship.api_urls")),
    path("settlement/records/", settlement_api.RecordsView.as_view(), name="settlement-records"),
    # Ids of at most 18 digits: a longer one names no row and would overflow the database's integer (a 500).
    re_path(r"^settlement/imports/(?P<import_id>[0-9]{1,18})/$", settlement_api.ImportView.as_view(),
            name="settlement-import"),
    *router.urls,
]
