"""One error type for every rule that says no, and the two places that turn it into words for people.

A service raises `ApplicationError(message, code, fields)` (or an app's subclass of it) when a rule refuses what
was asked: `message` is written for the person who asked (often a lazy text), `code` is the short machine code the
API answers (`invalid`, `not_found`, `conflict`, ...), `fields` names the input fields at fault, each with its
messages. Doors do not catch it to translate it:

- API views let it rise: `application_error_response` (called by the project's DRF exception handler) answers
  the documented envelope `{"error": {"code", "message", "fields"}}` with the status the error's code maps to.
- Pages call `error_show(request, error, form=...)`: field messages onto the form's fields, the rest as a
  non-field error, or a messages entry when the page has no form.

A subclass exists only where a caller must tell it apart (a booking refused versus a session full), or where an
app's API has always answered a code with another status (`statuses`).
"""

from django.contrib import messages
from rest_framework.response import Response

# The status each code answers with in the API; any other code is 400. An app's subclass may narrow this where
# its API has always answered otherwise (see culture.services.CultureError).
STATUS_BY_CODE: dict[str, int] = {
    "not_found": 404,
    "forbidden": 403,
    "conflict": 409,
    "rate_limited": 429,
}


class ApplicationError(Exception):
    """A rule said no; `message` is for the person who asked, `code` for a program, `fields` for a form.

    `field=` is the short form of `fields={field: [message]}` for the common case of one field at fault; it
    stays readable as `.field`."""

    code: str = "invalid"
    statuses: dict[str, int] = STATUS_BY_CODE

    def __init__(self, message, code: str | None = None, fields: dict | None = None, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        normalised = {name: list(value) if isinstance(value, list | tuple) else [value]
                      for name, value in (fields or {}).items()}
        if field and field not in normalised:
            normalised[field] = [message]
        self.fields: dict[str, list] = normalised
        self.field = field or next(iter(normalised), None)

    @property
    def status(self) -> int:
        return self.statuses.get(self.code, 400)

    def __str__(self) -> str:
        return str(self.message)


def application_error_response(error: ApplicationError) -> Response:
    """The API's answer to an ApplicationError: the one error envelope, with its code's status."""
    fields = {name: [str(m) for m in value] for name, value in error.fields.items()}
    return Response({"error": {"code": str(error.code), "message": str(error.message), "fields": fields}},
                    status=error.status)


def error_show(request, error: ApplicationError, *, form=None, level: int = messages.ERROR) -> None:
    """Shows an ApplicationError on a page. With a form: each field's messages on that field (a field the form
    does not have: on the form as a whole), and the message itself as a non-field error unless a field already
    says it. Without one: a messages entry of the given level."""
    if form is None:
        messages.add_message(request, level, error.message)
        return
    said = set()
    for name, value in error.fields.items():
        form.add_error(name if name in form.fields else None, value)
        said.update(str(m) for m in value)
    if str(error.message) not in said:
        form.add_error(None, error.message)


class page_errors:
    """A page's door onto a service: `with page_errors(request, form=form) as page: ...` runs the block; an
    ApplicationError raised in it is shown (error_show) and ends the block, and `page.error` holds it (None when
    the block ran through). Anything else rises as it would."""

    def __init__(self, request, *, form=None, level: int = messages.ERROR):
        self.request, self.form, self.level = request, form, level
        self.error: ApplicationError | None = None

    def __enter__(self) -> "page_errors":
        return self

    def __exit__(self, exc_type, exc, traceback) -> bool:
        if exc is None or not isinstance(exc, ApplicationError):
            return False
        self.error = exc
        error_show(self.request, exc, form=self.form, level=self.level)
        return True
