"""API conventions shared by every endpoint under /api/v1/ (documented once, in docs/api.md).

- Pagination: `?page=N&page_size=M` (M at most 100); answers carry count, next, previous, results.
- Filtering: django-filter query parameters named after fields; `?search=` for free text; `?ordering=`.
- Errors: always {"error": {"code": ..., "message": ..., "fields": {field: [messages]}}} with the HTTP status.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class StandardPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def _flatten_field_errors(detail) -> dict:
    if isinstance(detail, dict):
        return {
            str(field): [str(m) for m in (messages if isinstance(messages, list) else [messages])]
            for field, messages in detail.items()
        }
    return {"non_field_errors": [str(m) for m in detail]} if isinstance(detail, list) else {}


def exception_handler(exc, context):
    """Turns every DRF error into the one documented error envelope."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = getattr(exc, "detail", response.data)
    code = getattr(exc, "default_code", "error")
    if response.status_code == status.HTTP_400_BAD_REQUEST and isinstance(detail, str):
        # A body that could not be read at all (malformed JSON, wrong media): no fields to point at.
        code = str(getattr(detail, "code", "invalid"))
        response.data = {"error": {"code": code, "message": str(detail), "fields": {}}}
    elif response.status_code == status.HTTP_400_BAD_REQUEST:
        fields = _flatten_field_errors(detail)
        message = fields.pop("non_field_errors", [None])[0] if "non_field_errors" in fields else None
        response.data = {
            "error": {
                "code": "invalid",
                "message": message or str(_("提交的数据有误，请检查标出的字段。")),
                "fields": fields,
            }
        }
    else:
        message = detail.get("detail", detail) if isinstance(detail, dict) else detail
        response.data = {"error": {"code": str(getattr(message, "code", code)), "message": str(message), "fields": {}}}
    return response


def error_response(message: str, *, code: str = "invalid", status_code: int = 400, fields=None) -> Response:
    """For services' domain errors raised in API views: the same envelope as validation errors."""
    return Response({"error": {"code": code, "message": str(message), "fields": fields or {}}}, status=status_code)



class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ErrorEnvelopeSerializer(serializers.Serializer):
    """The schema of every error answer: `{"error": {"code", "message", "fields"}}`."""

    error = ErrorBodySerializer()


class XSessionTokenScheme(OpenApiAuthenticationExtension):
    """Documents allauth headless's `X-Session-Token` header (apps) in the OpenAPI schema."""

    target_class = "allauth.headless.contrib.rest_framework.authentication.XSessionTokenAuthentication"
    name = "sessionToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Session-Token",
            "description": "Session token from the allauth headless app API (/_allauth/app/v1/auth/...).",
        }
