from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("plans", api.PlanViewSet, basename="benefits-plan")
router.register("enrolments", api.EnrolmentViewSet, basename="benefits-enrolment")

urlpatterns = [
    path("my-cover/", api.MyCoverView.as_view(), name="benefits-my-cover"),
    path("group-enrolments/", api.GroupEnrolmentView.as_view(), name="benefits-group-enrolment"),
    *router.urls,
]
