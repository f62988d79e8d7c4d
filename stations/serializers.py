from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from .models import AMENITIES, HoursException, JobType, Need, OpeningHours, Rating, ServiceCategory, Station
from .selectors import SEARCH_MAX_LENGTH, nav_links


class StationSearchParams(serializers.Serializer):
    """Query parameters of the search; coordinates are WGS-84 (what the browser's geolocation gives)."""

    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    lng = serializers.FloatField(required=False, min_value=-180, max_value=180)
    radius_km = serializers.FloatField(required=False, min_value=0.05, max_value=500, default=50)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=20)
    kind = serializers.ChoiceField(required=False, choices=Station.Kind.choices)
    amenity = serializers.MultipleChoiceField(required=False, choices=AMENITIES)
    open_now = serializers.BooleanField(required=False, default=False)
    district = serializers.CharField(required=False, max_length=50)
    q = serializers.CharField(required=False, allow_blank=True, max_length=SEARCH_MAX_LENGTH)

    def validate(self, attrs):
        if ("lat" in attrs) != ("lng" in attrs):
            raise serializers.ValidationError(_("经度和纬度需同时提供。"))
        return attrs


class StationListSerializer(serializers.Serializer):
    """A station in lists and search results. Declared field by field, not as a ModelSerializer: building a
    ModelSerializer's fields from the model costs more per request than the nearest search itself."""

    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True, allow_null=True)
    kind = serializers.ChoiceField(choices=Station.Kind.choices, read_only=True)
    name = serializers.CharField(read_only=True)
    partner_type = serializers.CharField(read_only=True)
    partner_name = serializers.CharField(read_only=True)
    district = serializers.CharField(read_only=True)
    address = serializers.CharField(read_only=True)
    lat = serializers.FloatField(read_only=True, help_text="WGS-84")
    lng = serializers.FloatField(read_only=True, help_text="WGS-84")
    phone = serializers.CharField(read_only=True)
    amenities = serializers.ListField(source="amenity_codes", child=serializers.CharField(), read_only=True)
    rating_avg = serializers.FloatField(read_only=True, allow_null=True)
    rating_count = serializers.IntegerField(read_only=True)
    # open_now and distance_km last: the search's cards (stations/cards.py) hold each station's JSON up to them.
    open_now = serializers.BooleanField(read_only=True)
    distance_km = serializers.SerializerMethodField()

    def get_distance_km(self, station) -> float | None:
        d = getattr(station, "distance_km", None)
        return round(d, 3) if d is not None else None


class OpeningHoursSerializer(serializers.ModelSerializer):
    class Meta:
        model = OpeningHours
        fields = ["weekday", "opens", "closes", "closes_next_day"]


class HoursExceptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = HoursException
        fields = ["date", "is_closed", "opens", "closes", "closes_next_day", "note"]


class StationDetailSerializer(StationListSerializer):
    description = serializers.CharField(read_only=True)
    hours = OpeningHoursSerializer(many=True, read_only=True, source="weekly_hours")
    exceptions = serializers.SerializerMethodField()
    services = serializers.SerializerMethodField()
    resources = serializers.SerializerMethodField()
    navigation = serializers.SerializerMethodField()

    def get_exceptions(self, station) -> list[dict]:
        return HoursExceptionSerializer(self.context["upcoming_exceptions"], many=True).data

    def get_services(self, station) -> list[dict]:
        return [
            {"category": s.category, "title": s.title, "description": s.description, "schedule": s.schedule}
            for s in station.services.all() if s.is_active
        ]

    def get_resources(self, station) -> list[dict]:
        return [
            {"kind": r.kind, "name": r.name, "description": r.description}
            for r in station.resources.all() if r.is_active
        ]

    def get_navigation(self, station) -> dict[str, str]:
        return nav_links(station)


class VisitCreateSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=200)
    job_type = serializers.ChoiceField(choices=JobType.choices)
    mobile = serializers.CharField(max_length=11, required=False, allow_blank=True, default="")


class VisitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    station = serializers.IntegerField(source="station_id")
    job_type = serializers.CharField()
    visited_at = serializers.DateTimeField()


class VisitDailySerializer(serializers.Serializer):
    station_id = serializers.IntegerField()
    station__name = serializers.CharField()
    day = serializers.DateField()
    visits = serializers.IntegerField()
    people = serializers.IntegerField(help_text="Distinct verified numbers (signed-in users' own).")
    unverified = serializers.IntegerField(
        help_text="Visits with a number typed in while signed out: anyone can type any number, so they are counted "
                  "apart and not in `people`.")


class NeedPublicSerializer(serializers.ModelSerializer):
    """A need as the public sees it: no name, no account."""

    class Meta:
        model = Need
        fields = ["id", "category", "text", "status", "created_at", "answer", "answered_at"]


class NeedCreateSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=ServiceCategory.choices)
    text = serializers.CharField(max_length=2000)


class NeedAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=2000)
    close = serializers.BooleanField(default=True)


class RatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rating
        fields = ["id", "score", "comment", "created_at", "reply", "replied_at"]


@extend_schema_serializer(component_name="StationRatingCreate")
class RatingCreateSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class RatingReplySerializer(serializers.Serializer):
    reply = serializers.CharField(max_length=1000)
