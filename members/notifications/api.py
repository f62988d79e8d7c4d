"""API of the inbox under /api/v1/notifications/: the signed-in user's own messages only; another user's
notification id answers 404."""

import django_filters
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.api import ErrorEnvelopeSerializer, StandardPagination

from ..models import Notification
from . import services
from .serializers import MarkedReadSerializer, NotificationSerializer


class NotificationFilter(django_filters.FilterSet):
    # A choice rather than a BooleanFilter: a misspelt value ("ture") must answer 400, not the whole list.
    unread = django_filters.ChoiceFilter(
        choices=(("true", "true"), ("false", "false")),
        method="filter_unread",
        help_text="true: only unread; false: only read",
    )

    class Meta:
        model = Notification
        fields = ("unread", "kind")

    def filter_unread(self, queryset, name, value):
        return queryset.filter(read_at__isnull=(value == "true"))


@extend_schema(tags=["notifications"])
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The signed-in user's inbox, newest first."""

    serializer_class = NotificationSerializer
    lookup_value_regex = r"\d+"
    pagination_class = StandardPagination
    filterset_class = NotificationFilter
    search_fields = ("title", "body")
    ordering_fields = ("created_at", "read_at")
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Notification.objects.none()
        return Notification.objects.filter(user=self.request.user).order_by("-created_at", "-id")

    def get_object(self):
        try:
            return self.get_queryset().get(pk=self.kwargs["pk"])
        except Notification.DoesNotExist:
            raise NotFound(gettext("没有找到这条消息。")) from None

    @extend_schema(request=None, responses={200: NotificationSerializer, 404: ErrorEnvelopeSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = services.notification_mark_read(user=request.user, notification_id=pk)
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses=MarkedReadSerializer)
    @action(detail=False, methods=["post"], url_path="read-all", filter_backends=[], pagination_class=None)
    def read_all(self, request):
        count = services.notifications_mark_all_read(user=request.user)
        return Response(MarkedReadSerializer({"marked": count}).data, status=status.HTTP_200_OK)
