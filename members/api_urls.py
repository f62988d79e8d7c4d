from django.urls import path

from . import api_data

urlpatterns: list = [
    path("branches/<int:branch_id>/statistics/", api_data.BranchStatisticsView.as_view(), name="branch-statistics"),
    path("awards/", api_data.AwardedListView.as_view(), name="awards"),
]
