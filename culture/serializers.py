from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from core.api import object_id_field

from .models import Booking, MenuItem, Session, WaitlistEntry


class VenueBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    address = serializers.CharField()


# Choice fields are plain strings in the schema (values in help_text): enum names such as "status" or
# "category" would collide with other apps' components.
CATEGORY_HELP = "exhibition | performance | film | contest | sports | course | service"
AUDIENCE_HELP = "everyone | members"


class NextSessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    seats_left = serializers.IntegerField(help_text="Seats one booking can still take on this session (a course: on "
                                                    "every lesson, as one enrolment takes a seat on each).")


NEXT_SESSION_HELP = ("The next session that can be booked now (open for booking, a seat left; a course: a seat on "
                     "every lesson); null when none can, or when the item needs no booking.")


class EventListSerializer(serializers.ModelSerializer):
    venue = VenueBriefSerializer()
    category = serializers.CharField(read_only=True, help_text=CATEGORY_HELP)
    audience = serializers.CharField(read_only=True, help_text=AUDIENCE_HELP)
    category_label = serializers.CharField(source="get_category_display")
    next_starts_at = serializers.DateTimeField(allow_null=True)
    min_price = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    next_session = NextSessionSerializer(allow_null=True, help_text=NEXT_SESSION_HELP)
    bookable_sessions = serializers.IntegerField(
        help_text="How many sessions can be booked now (within the date and venue filters); a course counts once.")
    seats_left = serializers.SerializerMethodField(
        help_text="Seats left on the next bookable session (next_session.seats_left), null when none: per session, "
                  "never summed over sessions.")
    rating_avg = serializers.FloatField(allow_null=True)
    rating_count = serializers.IntegerField()
    cover_image_url = serializers.SerializerMethodField()

    class Meta:
        model = MenuItem
        fields = ["id", "title", "category", "category_label", "venue", "tags", "audience", "booking_required",
                  "next_starts_at", "min_price", "next_session", "bookable_sessions", "seats_left", "rating_avg",
                  "rating_count", "cover_image_url"]

    def get_seats_left(self, obj) -> int | None:
        return obj.next_session.seats_left if obj.next_session else None

    def get_cover_image_url(self, obj) -> str | None:
        return f"/culture/images/{obj.cover_image_id}/" if obj.cover_image_id else None


class SessionSerializer(serializers.ModelSerializer):
    seats_left = serializers.IntegerField(help_text="This session's capacity minus its taken seats. A course enrols in "
                                                    "every lesson at once: the event's next_session.seats_left is what "
                                                    "one enrolment can take.")
    venue_name = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = ["id", "starts_at", "ends_at", "capacity", "seats_left", "price", "member_price",
                  "booking_opens_at", "booking_closes_at", "venue_name"]

    def get_venue_name(self, obj) -> str:
        return (obj.venue or obj.item.venue).name


class EventDetailSerializer(serializers.ModelSerializer):
    venue = VenueBriefSerializer()
    category = serializers.CharField(read_only=True, help_text=CATEGORY_HELP)
    audience = serializers.CharField(read_only=True, help_text=AUDIENCE_HELP)
    entry_mode = serializers.CharField(read_only=True, help_text="individual | team (contests only)")
    branch = serializers.CharField(source="branch.name")
    category_label = serializers.CharField(source="get_category_display")
    rating_avg = serializers.FloatField(allow_null=True)
    rating_count = serializers.IntegerField()
    next_session = NextSessionSerializer(allow_null=True, help_text=NEXT_SESSION_HELP)
    bookable_sessions = serializers.IntegerField(help_text="How many sessions can be booked now; a course counts once.")
    sessions = serializers.SerializerMethodField()
    image_urls = serializers.SerializerMethodField()

    class Meta:
        model = MenuItem
        fields = ["id", "title", "description", "category", "category_label", "venue", "branch", "tags", "audience",
                  "booking_required", "max_seats_per_booking", "cancel_hours_before", "entry_mode", "entry_fields",
                  "rating_avg", "rating_count", "next_session", "bookable_sessions", "sessions", "image_urls"]

    def get_sessions(self, obj) -> list[dict]:
        return SessionSerializer(self.context["sessions"], many=True).data

    def get_image_urls(self, obj) -> list[str]:
        return [f"/culture/images/{i.pk}/" for i in obj.images.all()]


class BookingCreateSerializer(serializers.Serializer):
    session = object_id_field()
    seats = serializers.IntegerField(min_value=1, max_value=20)
    join_waitlist_if_full = serializers.BooleanField(default=False)


class BookingSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="confirmed | cancelled")
    item_title = serializers.CharField(source="session.item.title")
    starts_at = serializers.DateTimeField(source="session.starts_at")
    ticket_url = serializers.SerializerMethodField()
    short_code = serializers.CharField(
        read_only=True, min_length=8, max_length=8,
        help_text="The 8-character code to type at the gate when the QR cannot be scanned (no look-alike "
                  "characters; shown on the ticket as two groups of four). Only the booking's owner is ever shown it.")

    class Meta:
        model = Booking
        # Only ever serialized for the booking's owner (the user's own list, booking and cancel answers): the codes
        # admit the holder at the gate, so no other member and no staff list receives them.
        fields = ["id", "session", "item_title", "starts_at", "seats", "unit_price", "total_price", "is_member_price",
                  "status", "code", "short_code", "ticket_url", "created_at", "checked_in_at"]

    def get_ticket_url(self, obj) -> str:
        return f"/culture/tickets/{obj.code}/"


class WaitlistSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="waiting | offered | accepted | expired | cancelled")

    class Meta:
        model = WaitlistEntry
        fields = ["id", "session", "seats", "status", "created_at", "offer_expires_at"]


class WaitlistCreateSerializer(serializers.Serializer):
    session = object_id_field()
    seats = serializers.IntegerField(min_value=1, max_value=20)


class CheckInSerializer(serializers.Serializer):
    session = object_id_field()
    code = serializers.CharField(max_length=64)


class CheckInResultSerializer(serializers.Serializer):
    booking = object_id_field()
    seats = serializers.IntegerField()
    name = serializers.CharField()
    checked_in_at = serializers.DateTimeField()
    message = serializers.CharField()


@extend_schema_serializer(component_name="SessionRatingCreate")
class RatingCreateSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True)
