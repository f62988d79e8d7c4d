from django.urls import path

from . import views

app_name = "stations"

urlpatterns = [
    path("", views.station_list, name="list"),
    path("staff/visits/", views.staff_visits, name="staff-visits"),
    path("<int:pk>/", views.station_detail, name="detail"),
    path("<int:pk>/photos/<int:photo_id>/", views.station_photo, name="photo"),
    path("<int:pk>/visit/<str:token>/", views.visit_scan, name="visit"),
    path("<int:pk>/rate/", views.rate, name="rate"),
    path("<int:pk>/needs/", views.needs, name="needs"),
    path("<int:pk>/poster/", views.poster, name="poster"),
]
