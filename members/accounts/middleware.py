"""Turns allauth's RateLimited exception into its 429 page.

allauth answers most limits with a 429 itself, but the SMS code sent when a login or sign-up reaches the
phone verification step raises RateLimited, which would otherwise end as a server error."""

from urllib.parse import urlencode

from allauth.core.exceptions import RateLimited
from allauth.core.ratelimit import respond_429
from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..models import StaffRole


class RateLimitedMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RateLimited):
            return respond_429(request)
        return None


def is_staff_area(path: str) -> bool:
    """Admin and staff pages and their API: where one account's password is not enough to act for a union."""
    return (path.startswith("/admin/") or "/staff/" in path or path.endswith("/poster/")
            or path.startswith("/api/v1/claims/review/"))


class StaffTwoFactorMiddleware:
    """With STAFF_REQUIRE_TWO_FACTOR on (production), a staff user — is_staff, or holding any staff role — who has
    not set up an authenticator app (TOTP) is sent to set it up before any admin or staff page; the API answers 403
    with the reason. Their own member pages, signing out and the two-factor pages themselves stay open. Once TOTP is
    on, allauth asks for a code at every sign-in and offers recovery codes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.STAFF_REQUIRE_TWO_FACTOR and is_staff_area(request.path_info) and self._needs_setup(request.user):
            message = _("管理和工作页面需要两步验证：请先用身份验证器应用（如微信小程序“腾讯身份验证器”）完成设置。")
            if request.path_info.startswith("/api/"):
                return JsonResponse({"error": {"code": "two_factor_required", "message": str(message),
                                               "fields": {}}}, status=403)
            messages.warning(request, message)
            return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _needs_setup(user) -> bool:
        from allauth.mfa.models import Authenticator


        if not getattr(user, "is_authenticated", False):
            return False
        if not (user.is_staff or StaffRole.objects.filter(user=user).exists()):
            return False
        return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
