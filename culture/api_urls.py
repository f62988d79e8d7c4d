from django.urls import path

from . import api

urlpatterns = [
    path("events/", api.EventListView.as_view(), name="culture-events"),
    path("events/<int:pk>/", api.EventDetailView.as_view(), name="culture-event"),
    path("culture/bookings/", api.BookingListCreateView.as_view(), name="culture-bookings"),
    path("culture/bookings/<int:pk>/cancel/", api.BookingCancelView.as_view(), name="culture-booking-cancel"),
    path("culture/bookings/<int:pk>/rating/", api.BookingRateView.as_view(), name="culture-booking-rate"),
    path("culture/tickets/", api.TicketListView.as_view(), name="culture-tickets"),
    path("culture/waitlist/", api.WaitlistListCreateView.as_view(), name="culture-waitlist"),
    path("culture/waitlist/<int:pk>/accept/", api.WaitlistAcceptView.as_view(), name="culture-waitlist-accept"),
    path("culture/waitlist/<int:pk>/leave/", api.WaitlistLeaveView.as_view(), name="culture-waitlist-leave"),
    path("culture/check-in/", api.CheckInView.as_view(), name="culture-check-in"),
]
