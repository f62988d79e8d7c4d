"""API views under /api/v1/stations/: the public search and station detail; visits, needs and ratings;
staff answers, replies and visit statistics (scoped by branches_in_scope through stations_managed_by)."""

import functools
import re
from datetime import timedelta

from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import StandardPagination, error_response
from core.openapi import PAGINATION_PARAMETERS, paginated

from . import selectors, services
from .models import AMENITY_CODES, Need, Rating, Station, StationResource, StationService
from .serializers import (
    NeedAnswerSerializer,
    NeedCreateSerializer,
    NeedPublicSerializer,
    RatingCreateSerializer,
    RatingReplySerializer,
    RatingSerializer,
    StationDetailSerializer,
    StationListSerializer,
    StationSearchParams,
    VisitCreateSerializer,
    VisitDailySerializer,
    VisitSerializer,
)

SEARCH_PARAMETERS = [
    OpenApiParameter("lat", OpenApiTypes.DOUBLE, description="WGS-84 latitude; with lng, results are nearest first"),
    OpenApiParameter("lng", OpenApiTypes.DOUBLE, description="WGS-84 longitude"),
    OpenApiParameter("radius_km", OpenApiTypes.DOUBLE, description="search radius with lat/lng (default 50, max 500)"),
    OpenApiParameter("limit", OpenApiTypes.INT, description="with lat/lng: how many (default 20, max 100)"),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=Station.Kind.values),
    OpenApiParameter("amenity", OpenApiTypes.STR, many=True, description="amenity codes; all must be present"),
    OpenApiParameter("open_now", OpenApiTypes.BOOL, description="open now in Asia/Shanghai time"),
    OpenApiParameter("district", {"type": "string", "maxLength": 50}),
    OpenApiParameter(
        "q", {"type": "string", "maxLength": selectors.SEARCH_MAX_LENGTH},
        description=f"text in the name, address or district (at most {selectors.SEARCH_MAX_LENGTH} characters; "
                    "each word must match); with lat/lng the nearest matching stations",
    ),
]


_NUMBER = re.compile(r"-?[0-9]{1,3}(\.[0-9]{1,12})?")
_COUNT = re.compile(r"[0-9]{1,3}")
_FAST_KEYS = {"lat", "lng", "limit", "radius_km", "kind", "amenity"}
_KINDS = set(Station.Kind.values)
_AMENITY_CODES = set(AMENITY_CODES)


def _fast_search_params(query) -> dict | None:
    """The common search — a position, perhaps limit and radius_km, a kind, amenities — read without the
    parameter serializer (whose field copies cost more than the search's queries). Only plain decimal numbers
    inside the serializer's bounds, one known kind and known amenity codes (repeated or comma-separated, as
    the serializer takes them) are taken here; anything else (other filters, repeated or odd values, out of
    range, unknown codes) returns None and StationSearchParams decides, with its messages."""
    if not query.keys() <= _FAST_KEYS or "lat" not in query or "lng" not in query:
        return None
    values = {}
    for key, pattern, low, high, default in (
        ("lat", _NUMBER, -90.0, 90.0, None), ("lng", _NUMBER, -180.0, 180.0, None),
        ("radius_km", _NUMBER, 0.05, 500.0, 50.0), ("limit", _COUNT, 1, 100, 20),
    ):
        raw = query.getlist(key)
        if not raw:
            values[key] = default
            continue
        if len(raw) != 1 or not pattern.fullmatch(raw[0]):
            return None
        value = int(raw[0]) if pattern is _COUNT else float(raw[0])
        if not low <= value <= high:
            return None
        values[key] = value
    kinds = query.getlist("kind")
    if kinds:
        if len(kinds) != 1 or kinds[0] not in _KINDS:
            return None
        values["kind"] = kinds[0]
    amenities = {a for value in query.getlist("amenity") for a in value.split(",") if a}
    if not amenities <= _AMENITY_CODES:
        return None
    if amenities:
        values["amenity"] = amenities
    return values


# What DRF's content negotiation answers with JSON for, here without asking it; anything else (text/html for the
# browsable API, ?format=, odd media types) goes through DRF.
_PLAIN_JSON_ACCEPTS = {"", "*/*", "application/json"}


def _plain_nearest_search(request) -> HttpResponse | None:
    """The common search — GET, a position, perhaps limit, radius_km, kind and amenities, JSON wanted, no session
    token — answered by the one search (selectors.station_search) without DRF's request cycle (negotiation,
    authentication, rendering cost more than the search itself), with the bytes and headers DRF's JSONRenderer
    gives (compact, UTF-8, U+2028/2029 escaped).
    Anything else returns None and the DRF view decides, with its errors; a session token is left to DRF's
    authenticators."""
    meta = request.META
    if request.method != "GET" or "HTTP_X_SESSION_TOKEN" in meta:
        return None
    if meta.get("HTTP_ACCEPT", "") not in _PLAIN_JSON_ACCEPTS:
        return None
    p = _fast_search_params(request.GET)
    if p is None:
        return None
    # The one search; from the engine its body is the cards' bytes, without a dict per station.
    body = selectors.station_search(lat=p["lat"], lng=p["lng"], limit=p["limit"], max_km=p["radius_km"],
                                    kind=p.get("kind", ""), amenities=sorted(p.get("amenity", ()))).body()
    response = HttpResponse(body, content_type="application/json")
    response["Allow"] = "GET, HEAD, OPTIONS"
    response["Vary"] = "Accept"
    return response


class StationSearchView(ListAPIView):
    """Active stations. With lat and lng: the nearest within radius_km, nearest first, with distance_km (one
    page of at most `limit`). Without: all matching stations by district and name, paginated."""

    permission_classes = [AllowAny]
    serializer_class = StationListSerializer
    pagination_class = StandardPagination
    filter_backends: list = []
    # The browsable API's form and the schema ask a ListAPIView for one; the answers come from the selectors.
    queryset = Station.objects.none()

    @classmethod
    def as_view(cls, **initkwargs):
        """DRF's view behind a plain one for the common search (_plain_nearest_search). Outside a transaction
        (ATOMIC_REQUESTS would open one, and on SQLite take the write lock, for a read): the search then answers
        from the process's shared engine (stations/cards.py) instead of building one for the transaction."""
        drf_view = super().as_view(**initkwargs)

        def view(request, *args, **kwargs):
            response = _plain_nearest_search(request)
            return response if response is not None else drf_view(request, *args, **kwargs)

        functools.update_wrapper(view, drf_view)  # .cls, .initkwargs, csrf_exempt: for DRF and the schema
        return transaction.non_atomic_requests(view)

    def _params(self, request) -> dict:
        data = request.query_params.copy()
        amenities = [a for value in data.getlist("amenity") for a in value.split(",") if a]
        data.setlist("amenity", amenities)
        params = StationSearchParams(data=data)
        params.is_valid(raise_exception=True)
        return params.validated_data

    @extend_schema(parameters=SEARCH_PARAMETERS, auth=[])
    def get(self, request, *args, **kwargs):
        p = self.params = _fast_search_params(request.query_params) or self._params(request)
        if "lat" not in p:
            # The one list answers rows with StationListSerializer's fields, one page of them read.
            listing = selectors.station_list(
                kind=p.get("kind", ""), amenities=sorted(p.get("amenity", [])), open_now=p.get("open_now", False),
                district=p.get("district", ""), q=p.get("q", ""),
            )
            return self.get_paginated_response(self.paginate_queryset(listing))
        # The one search answers plain dicts with StationListSerializer's fields, built by the selector from one
        # row per station (the serializer's per-field work cost more than the queries).
        rows, _radius, _rounds = selectors.station_search(
            lat=p["lat"], lng=p["lng"], limit=p["limit"], max_km=p["radius_km"], kind=p.get("kind", ""),
            amenities=sorted(p.get("amenity", [])), open_now=p.get("open_now", False),
            district=p.get("district", ""), q=p.get("q", ""),
        )
        return Response({"count": len(rows), "next": None, "previous": None, "results": rows})


class StationDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=StationDetailSerializer, auth=[])
    def get(self, request, pk: int):
        stations = Station.objects.filter(is_active=True).prefetch_related(
            Prefetch("services", queryset=StationService.objects.filter(is_active=True)),
            Prefetch("resources", queryset=StationResource.objects.filter(is_active=True)),
        )
        station = get_object_or_404(stations, pk=pk)
        selectors.stations_decorate([station])
        today = timezone.localdate()
        upcoming = station.exceptions.filter(date__gte=today, date__lte=today + timedelta(days=60))
        return Response(StationDetailSerializer(station, context={"upcoming_exceptions": upcoming}).data)


class VisitCreateView(APIView):
    """Record a visit with the token from the station's QR poster: signed in, or with a mobile number."""

    permission_classes = [AllowAny]

    @extend_schema(request=VisitCreateSerializer, responses={201: VisitSerializer})
    def post(self, request, pk: int):
        body = VisitCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        visit = services.visit_record(
            station_id=pk, token=body.validated_data["token"], job_type=body.validated_data["job_type"],
            user=request.user, mobile=body.validated_data["mobile"],
        )
        return Response(VisitSerializer(visit).data, status=status.HTTP_201_CREATED)


class VisitStatsView(APIView):
    """Counted visits per local day of one managed station (staff of its branch; others 404)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("days", OpenApiTypes.INT, description="last N days, 1–92, default 14")],
        responses=VisitDailySerializer(many=True),
    )
    def get(self, request, pk: int):
        stations = selectors.stations_managed_by(request.user).filter(pk=pk)
        get_object_or_404(stations)
        try:
            days = max(1, min(int(request.query_params.get("days", 14)), 92))
        except ValueError:
            return error_response(gettext("天数须为 1 到 92 之间的整数。"), fields={"days": ["1–92"]})
        today = timezone.localdate()
        rows = selectors.visit_daily_counts(
            stations=stations, date_from=today - timedelta(days=days - 1), date_to=today
        )
        return Response(VisitDailySerializer(rows, many=True).data)


class NeedListCreateView(APIView):
    """A service station's needs: public, without names, with answers; a member posts one."""

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(responses=paginated(NeedPublicSerializer), parameters=PAGINATION_PARAMETERS, auth=[])
    def get(self, request, pk: int):
        station = get_object_or_404(Station, pk=pk, is_active=True, kind=Station.Kind.SERVICE)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(Need.objects.filter(station=station), request, view=self)
        return paginator.get_paginated_response(NeedPublicSerializer(page, many=True).data)

    @extend_schema(request=NeedCreateSerializer, responses={201: NeedPublicSerializer})
    def post(self, request, pk: int):
        body = NeedCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        need = services.need_create(user=request.user, station_id=pk, **body.validated_data)
        return Response(NeedPublicSerializer(need).data, status=status.HTTP_201_CREATED)


class NeedAnswerView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=NeedAnswerSerializer, responses=NeedPublicSerializer)
    def post(self, request, need_id: int):
        body = NeedAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        need = services.need_answer(actor=request.user, need_id=need_id, **body.validated_data)
        return Response(NeedPublicSerializer(need).data)


class RatingListCreateView(APIView):
    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(responses=paginated(RatingSerializer), parameters=PAGINATION_PARAMETERS, auth=[])
    def get(self, request, pk: int):
        station = get_object_or_404(Station, pk=pk, is_active=True)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(Rating.objects.filter(station=station), request, view=self)
        return paginator.get_paginated_response(RatingSerializer(page, many=True).data)

    @extend_schema(request=RatingCreateSerializer, responses={201: RatingSerializer})
    def post(self, request, pk: int):
        body = RatingCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rating = services.rating_create(user=request.user, station_id=pk, **body.validated_data)
        return Response(RatingSerializer(rating).data, status=status.HTTP_201_CREATED)


class RatingReplyView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=RatingReplySerializer, responses=RatingSerializer)
    def post(self, request, rating_id: int):
        body = RatingReplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rating = services.rating_reply(actor=request.user, rating_id=rating_id, reply=body.validated_data["reply"])
        return Response(RatingSerializer(rating).data)


class ManagedStationListView(ListAPIView):
    """Stations the signed-in staff user manages (their branches' subtrees), for staff tools and exports."""

    permission_classes = [IsAuthenticated]
    serializer_class = StationListSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.stations_managed_by(self.request.user)

    def list(self, request, *args, **kwargs):
        page = selectors.stations_decorate(self.paginate_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class StationActiveView(APIView):
    """Open or close a managed station (staff of its branch; others 404)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=inline_serializer("StationActive", {"is_active": drf_serializers.BooleanField()}),
        responses=StationListSerializer,
    )
    def post(self, request, pk: int):
        active = request.data.get("is_active")
        if not isinstance(active, bool):
            return error_response("is_active", fields={"is_active": ["true / false"]})
        station = services.station_set_active(actor=request.user, station_id=pk, active=active)
        selectors.stations_decorate([station])
        return Response(StationListSerializer(station).data)
