"""API of the signed-in account under /api/v1/me/: it works on the requesting user's own row only."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response

from core.api import ErrorEnvelopeSerializer

from . import services
from .serializers import MeSerializer


@extend_schema(tags=["me"])
class MeView(generics.RetrieveUpdateAPIView):
    """GET the signed-in account; PATCH its name and notification channels."""

    serializer_class = MeSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user

    @extend_schema(responses={200: MeSerializer, 400: ErrorEnvelopeSerializer})
    def patch(self, request, *args, **kwargs):
        return super().patch(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        serializer = self.get_serializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.user_profile_update(user=request.user, **serializer.validated_data)
        return Response(self.get_serializer(request.user).data)
