"""API conventions shared by every endpoint under /api/v1/ (documented once, in docs/api.md).

- Pagination: `?page=N&page_size=M` (M at most 100); answers carry count, next, previous, results.
- Filtering: django-filter query parameters named after fields; `?search=` for free text; `?ordering=`.
- Errors: always {"error": {"code": ..., "message": ..., "fields": {field: [messages]}}} with the HTTP status.
"""

from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ApplicationError, application_error_response


class StandardPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def _messages(detail, prefix: str, out: dict) -> None:
    """Flattens DRF's nested error detail into `{"field": [...], "items.0": [...], "facts.total": [...]}`:
    a client reads a list of strings under a path, never a Python repr of a dict or list."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            _messages(value, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        for index, item in enumerate(detail):
            if item:  # DRF puts {} for the list items that were fine
                _messages(item, f"{prefix}.{index}" if prefix else str(index), out)
    elif isinstance(detail, list):
        out.setdefault(prefix or "non_field_errors", []).extend(str(m) for m in detail)
    else:
        out.setdefault(prefix or "non_field_errors", []).append(str(detail))


def _flatten_field_errors(detail) -> dict:
    out: dict[str, list[str]] = {}
    _messages(detail, "", out)
    return out


def exception_handler(exc, context):
    """Turns every DRF error and every ApplicationError a service raised into the one documented error envelope.
    Anything else (a bug) is left to rise: Django answers it 500 and logs it."""
    if isinstance(exc, ApplicationError):
        # The request's transaction is not marked for rollback: the service already rolled back its own change,
        # and what the door did before (an attempt counted, an audit entry) stays, as when views caught it.
        return application_error_response(exc)
    if isinstance(exc, Http404):
        # A service's own message stays; get_object_or_404's names the model in English ("No Claim matches the
        # given query.") and an empty one says nothing: both become ours.
        said = str(exc.args[0]) if exc.args else ""
        generic = not said or said.endswith("matches the given query.")
        exc = NotFound(_("没有找到，或您无权查看。") if generic else said)
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
        if isinstance(message, list | dict):
            message = "; ".join(m for messages in _flatten_field_errors(message).values() for m in messages)
        response.data = {"error": {"code": str(getattr(message, "code", code)), "message": str(message), "fields": {}}}
    return response


# Row ids are 64-bit (BigAutoField): a larger or non-positive number names no row, and would overflow the
# database driver (a 500) rather than find nothing.
ID_MAX = 2**63 - 1


def object_id_field(**kwargs) -> serializers.IntegerField:
    """An input field naming a row by id: a positive 64-bit integer, else 400 with a field message."""
    return serializers.IntegerField(min_value=1, max_value=ID_MAX, **kwargs)


def error_response(message: str, *, code: str = "invalid", status_code: int = 400, fields=None) -> Response:
    """For a refusal an API view decides itself (a service's ApplicationError needs none: the handler answers
    it): the same envelope as validation errors."""
    return Response({"error": {"code": code, "message": str(message), "fields": fields or {}}}, status=status_code)


# Django's own error answers under /api/ (portal.views): no route matched, a CSRF failure, a crash.
_API_ERROR_MESSAGES = {
    "bad_request": _("请求无法处理。"),
    "permission_denied": _("您没有执行该操作的权限。"),
    "csrf_failed": _("CSRF 校验失败：浏览器请求需带上 X-CSRFToken 请求头（应用请用 X-Session-Token）。"),
    "not_found": _("没有这个接口或对象。"),
    "server_error": _("服务器出错了，我们已经记录。请稍后再试。"),
}


def api_error_response(request, *, status: int, code: str) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": str(_API_ERROR_MESSAGES[code]), "fields": {}}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


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
