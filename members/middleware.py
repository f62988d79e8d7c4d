"""Turns allauth's RateLimited exception into its 429 page.

allauth answers most limits with a 429 itself, but the SMS code sent when a login or sign-up reaches the
phone verification step raises RateLimited, which would otherwise end as a server error."""

from allauth.core.exceptions import RateLimited
from allauth.core.ratelimit import respond_429


class RateLimitedMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RateLimited):
            return respond_429(request)
        return None
