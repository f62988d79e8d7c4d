"""The OpenAPI schema tells a generated client every answer it can get (docs/api.md, `.ci/api-contract`).

drf-spectacular documents what a view declares; the answers every view shares come from the API's own layers
(authentication, permissions, throttles, the parsers, pagination, Django's routing), so they are added here
once, each where it can happen, all in the one error envelope (core.api.ErrorEnvelopeSerializer):

- 400 where a body or a query parameter is read (validation, a malformed body, an unknown filter value), and
  on every change (a service refusing an action in the object's state);
- 401 and 403 where the operation needs a signed-in user, or changes something (CSRF for browser sessions);
- 404 where the path or the body names an object, or the list is paginated (a page past the last);
- 415 where a body is read (a media type the parsers do not take);
- 429 everywhere (the API's throttles and the services' own rate limits);
- 414 where query parameters are read, answered by the web server (plain HTML) when the URL is too long.
"""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

ERROR_ENVELOPE = "ErrorEnvelope"
SAFE_METHODS = {"get", "head", "options"}
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "trace"}

_DESCRIPTIONS = {
    "400": "The request could not be accepted: `fields` names what to correct.",
    "401": "No valid credentials (an app without a valid X-Session-Token).",
    "403": "Not signed in (browser session), not allowed, or a browser request without its CSRF token.",
    "404": "No such object (in the path or the body) in what this user may see, or a page past the last.",
    "415": "The body's media type is not one the API reads (JSON, form or multipart).",
    "429": "Too many requests: wait the seconds in `Retry-After`.",
}
_ENVELOPE_SCHEMA = {
    "type": "object",
    "description": 'Every error: `{"error": {"code", "message", "fields"}}`; the HTTP status tells its kind.',
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}


def _error(status: str) -> dict:
    return {
        "description": _DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_ENVELOPE}"}}},
    }


def _anonymous_allowed(operation: dict) -> bool:
    security = operation.get("security")
    return not security or {} in security


def document_error_responses(result, generator, request, public):
    """drf-spectacular post-processing hook: adds the shared error answers to every operation."""
    result.setdefault("components", {}).setdefault("schemas", {}).setdefault(ERROR_ENVELOPE, _ENVELOPE_SCHEMA)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in HTTP_METHODS:
                continue
            parameters = operation.get("parameters", [])
            reads_query = any(p.get("in") == "query" for p in parameters)
            names_object = "{" in path
            paginated = any(p.get("in") == "query" and p.get("name") == "page" for p in parameters)
            has_body = "requestBody" in operation
            statuses = {"429"}
            if has_body or reads_query or method not in SAFE_METHODS:
                statuses.add("400")
            if has_body:
                statuses.add("415")
            if names_object or paginated or has_body:
                statuses.add("404")
            if not _anonymous_allowed(operation) or method not in SAFE_METHODS:
                statuses |= {"401", "403"}
            responses = operation.setdefault("responses", {})
            for status in sorted(statuses):
                responses.setdefault(status, _error(status))
            if reads_query:
                responses.setdefault("414", {
                    "description": "The URL is longer than the web server accepts (answered by it, as HTML).",
                    "content": {"text/html": {"schema": {"type": "string"}}},
                })
    return result


# For views that paginate by hand (an APIView's GET): what drf-spectacular documents by itself for list views.
PAGINATION_PARAMETERS = [
    OpenApiParameter("page", int, description="A page number within the paginated result set."),
    OpenApiParameter("page_size", int, description="Number of results to return per page (at most 100)."),
]


def paginated(serializer_class):
    """The schema of one page of `serializer_class` rows: count, next, previous, results."""
    name = serializer_class.__name__.removesuffix("Serializer")
    return inline_serializer(
        name=f"Paginated{name}List",
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )


class WallClockTimeFieldExtension(OpenApiSerializerFieldExtension):
    """Times of day (opening hours, sessions) are local wall-clock times without an offset, "09:00" or
    "09:00:00". JSON Schema's `format: time` means an RFC 3339 time with an offset, which they are not."""

    target_class = "rest_framework.fields.TimeField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = build_basic_type(OpenApiTypes.STR)
        schema["pattern"] = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$"
        schema["example"] = "09:00:00"
        return schema
