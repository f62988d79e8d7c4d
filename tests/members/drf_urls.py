"""A test-only URL configuration: the portal's URLs plus one tiny DRF endpoint, to check that a session token
from allauth's headless API authenticates DRF requests (X-Session-Token)."""

from django.urls import path
from rest_framework.decorators import api_view
from rest_framework.response import Response

from portal.urls import urlpatterns as portal_urlpatterns


@api_view(["GET"])
def whoami(request):
    return Response({"mobile": request.user.mobile, "name": request.user.name})


urlpatterns = [path("test-only/whoami/", whoami), *portal_urlpatterns]
