from django.urls import path

from . import api

urlpatterns = [
    path("stations/", api.StationSearchView.as_view(), name="stations-search"),
    path("stations/managed/", api.ManagedStationListView.as_view(), name="stations-managed"),
    path("stations/<int:pk>/", api.StationDetailView.as_view(), name="stations-detail"),
    path("stations/<int:pk>/active/", api.StationActiveView.as_view(), name="stations-active"),
    path("stations/<int:pk>/visits/", api.VisitCreateView.as_view(), name="stations-visit-create"),
    path("stations/<int:pk>/visit-stats/", api.VisitStatsView.as_view(), name="stations-visit-stats"),
    path("stations/<int:pk>/needs/", api.NeedListCreateView.as_view(), name="stations-needs"),
    path("stations/needs/<int:need_id>/answer/", api.NeedAnswerView.as_view(), name="stations-need-answer"),
    path("stations/<int:pk>/ratings/", api.RatingListCreateView.as_view(), name="stations-ratings"),
    path("stations/ratings/<int:rating_id>/reply/", api.RatingReplyView.as_view(), name="stations-rating-reply"),
]
