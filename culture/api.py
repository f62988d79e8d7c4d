"""/api/v1/ of the cultural palace: the public menu (no account), members' bookings, waiting list and tickets,
and staff check-in. The same services and the same scope helper as the pages."""

import hashlib

from django.core.cache import cache
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_response

from . import selectors, services
from .forms import MenuFilterForm
from .models import Booking, MenuItem, Session, WaitlistEntry
from .serializers import (
    BookingCreateSerializer,
    BookingSerializer,
    CheckInResultSerializer,
    CheckInSerializer,
    EventDetailSerializer,
    EventListSerializer,
    RatingCreateSerializer,
    WaitlistCreateSerializer,
    WaitlistSerializer,
)
from .views import MENU_CACHE_SECONDS, menu_filters_from

MENU_PARAMETERS = [
    OpenApiParameter("q", str, description="Substring of the title, description or tags (icontains)"),
    OpenApiParameter("category", str, enum=["exhibition", "performance", "film", "contest", "sports", "course",
                                            "service"]),
    OpenApiParameter("venue", int, description="Id of an active venue; any other value answers 400 naming it"),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter("price", str, enum=["free", "paid"]),
    OpenApiParameter("seats_left", bool, description="Only items with a session that can be booked now (booking "
                                                     "open, a seat left; a course: no full lesson)"),
]


class EventListView(generics.ListAPIView):
    """The public service menu, with the page's filters."""

    permission_classes = [permissions.AllowAny]
    serializer_class = EventListSerializer
    filter_backends: list = []

    @extend_schema(parameters=MENU_PARAMETERS)
    def get(self, request, *args, **kwargs):
        self.filter_form = MenuFilterForm(request.query_params)
        if request.query_params and not self.filter_form.is_valid():
            return error_response("提交的数据有误，请检查标出的字段。",
                                  fields={k: [str(m) for m in v] for k, v in self.filter_form.errors.items()})
        return super().get(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):

        # The same answer for everyone: cached per query and language like the page's body.
        key = f"culture:events:v1:{get_language()}:{hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]}"
        data = cache.get(key)
        if data is None:
            filters = menu_filters_from(self.filter_form)
            # Paginate the ids, then load that page with its figures: constant queries, 20 rows of subqueries.
            ids = self.paginate_queryset(selectors.menu_item_ids(filters))
            items = selectors.menu_items_for_ids(list(ids), filters)
            data = self.get_paginated_response(self.get_serializer(items, many=True).data).data
            cache.set(key, data, MENU_CACHE_SECONDS)
        return Response(data)

    def get_queryset(self):
        return MenuItem.objects.none()  # list() above does the work; this is for the schema generator


class EventDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=EventDetailSerializer)
    def get(self, request, pk: int):
        try:
            item = selectors.item_detail(pk)
        except MenuItem.DoesNotExist:
            raise Http404 from None
        sessions = selectors.item_sessions(item).select_related("item__venue")
        # The list's seat figures for this one item (a course: what one enrolment can take), in one query.
        figures = selectors.menu_items_for_ids([item.pk])[0]
        item.next_session, item.bookable_sessions = figures.next_session, figures.bookable_sessions
        return Response(EventDetailSerializer(item, context={"sessions": sessions, "request": request}).data)


class BookingListCreateView(APIView):
    """A signed-in user's bookings; POST books at the member price (members) or the full price (verified mobile)."""

    @extend_schema(responses=BookingSerializer(many=True))
    def get(self, request):
        return Response(BookingSerializer(selectors.bookings_of(request.user)[:200], many=True).data)

    @extend_schema(request=BookingCreateSerializer,
                   responses={201: BookingSerializer, 202: WaitlistSerializer,
                              400: OpenApiResponse(description="error")})
    def post(self, request):
        data = BookingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if not Session.objects.filter(pk=values["session"], item__status=MenuItem.Status.PUBLISHED).exists():
            raise Http404
        if values["join_waitlist_if_full"]:
            booking, entry = services.booking_or_waitlist(session_id=values["session"], seats=values["seats"],
                                                          user=request.user)
            if entry is not None:
                return Response(WaitlistSerializer(entry).data, status=status.HTTP_202_ACCEPTED)
        else:
            booking = services.booking_create(session_id=values["session"], seats=values["seats"],
                                              user=request.user)
        return Response(BookingSerializer(booking).data, status=status.HTTP_201_CREATED)


class BookingCancelView(APIView):
    @extend_schema(request=None, responses=BookingSerializer)
    def post(self, request, pk: int):
        booking = get_object_or_404(Booking, pk=pk, user=request.user)
        booking = services.booking_cancel(booking_id=booking.pk, user=request.user)
        return Response(BookingSerializer(booking).data)


class BookingRateView(APIView):
    @extend_schema(request=RatingCreateSerializer, responses={201: OpenApiResponse(description="rated")})
    def post(self, request, pk: int):
        data = RatingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rating = services.rating_create(booking_id=pk, user=request.user, score=data.validated_data["score"],
                                        comment=data.validated_data.get("comment", ""))
        return Response({"id": rating.pk, "score": rating.score}, status=status.HTTP_201_CREATED)


class TicketListView(generics.ListAPIView):
    """The user's live tickets (confirmed bookings of sessions to come), with their codes."""

    serializer_class = BookingSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.bookings_of(self.request.user).filter(
            status=Booking.Status.CONFIRMED, session__ends_at__gte=timezone.now()).order_by("session__starts_at")


class WaitlistListCreateView(APIView):
    @extend_schema(responses=WaitlistSerializer(many=True))
    def get(self, request):
        return Response(WaitlistSerializer(selectors.waitlist_of(request.user), many=True).data)

    @extend_schema(request=WaitlistCreateSerializer, responses={201: WaitlistSerializer})
    def post(self, request):
        data = WaitlistCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not Session.objects.filter(pk=data.validated_data["session"],
                                      item__status=MenuItem.Status.PUBLISHED).exists():
            raise Http404
        entry = services.waitlist_join(session_id=data.validated_data["session"],
                                       seats=data.validated_data["seats"], user=request.user)
        return Response(WaitlistSerializer(entry).data, status=status.HTTP_201_CREATED)


class WaitlistAcceptView(APIView):
    @extend_schema(request=None, responses={201: BookingSerializer})
    def post(self, request, pk: int):
        entry = get_object_or_404(WaitlistEntry, pk=pk, user=request.user)
        booking = services.waitlist_accept(entry_id=entry.pk, user=request.user)
        return Response(BookingSerializer(booking).data, status=status.HTTP_201_CREATED)


class WaitlistLeaveView(APIView):
    @extend_schema(request=None, responses=WaitlistSerializer)
    def post(self, request, pk: int):
        entry = get_object_or_404(WaitlistEntry, pk=pk, user=request.user)
        entry = services.waitlist_leave(entry_id=entry.pk, user=request.user)
        return Response(WaitlistSerializer(entry).data)


class CheckInView(APIView):
    """Staff admit a ticket to a session of their branches; a reused code answers 409 with when and where."""

    @extend_schema(request=CheckInSerializer, responses={200: CheckInResultSerializer,
                                                         409: OpenApiResponse(description="already used")})
    def post(self, request):
        data = CheckInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = get_object_or_404(selectors.sessions_in_scope(request.user), pk=data.validated_data["session"])
        result = services.ticket_check_in(session_id=session.pk, code=data.validated_data["code"],
                                          staff=request.user)
        booking = result.booking
        return Response(CheckInResultSerializer({
            "booking": booking.pk, "seats": booking.seats, "name": booking.name,
            "checked_in_at": result.checked_in_at, "message": result.message}).data)
