"""allauth's headless API (/_allauth/<client>/v1/…) where the portal asks more of it than allauth does.

The app's password reset takes what the web's does: a mobile number, whose code goes by SMS, or an email
address (allauth's own input takes an email address only). The app's login and the code asked to confirm one's
identity take a mobile number as people type it ("13900000002", "139 0000 0002", full-width digits) as well as
E.164 ("+8613900000002"): allauth's inputs demand E.164 with a field of their own, which never asks the adapter's
`phone_form_field()`. Asking again for a reset code for the same mobile number within the minute, with the session
token of the reset whose code is still valid, returns to that code (the pending "password_reset_by_code" flow, no
new text) instead of allauth's 429, as on the web (members/accounts/phone_codes.py). Routed in portal/urls.py ahead of
allauth's."""

from allauth.headless.account.inputs import LoginInput, RequestReauthenticationCodeInput
from allauth.headless.account.views import LoginView, RequestPasswordResetView, RequestReauthenticationCodeView
from allauth.headless.base.response import AuthenticationResponse
from allauth.headless.internal.restkit import inputs

from .adapters import is_mobile_address
from .allauth_forms import ResetPasswordForm
from .forms import MobileField
from .phone_codes import reset_code_resume


class RequestPasswordResetInput(ResetPasswordForm, inputs.Input):
    """{"phone": "+8613912345678"} or {"email": "…"}: a mobile number in either field is taken as one (the web
    form has a single field, named "email" after allauth's)."""

    def __init__(self, *args, data=None, **kwargs):
        if isinstance(data, dict) and "phone" in data and "email" not in data:
            data = {**data, "email": data["phone"]}
        super().__init__(*args, data=data, **kwargs)


class PasswordResetRequestView(RequestPasswordResetView):
    input_class = RequestPasswordResetInput

    def post(self, request, *args, **kwargs):
        phone = self.input.cleaned_data["email"]
        if is_mobile_address(phone) and reset_code_resume(request, phone=phone) is not None:
            return AuthenticationResponse(request)  # 401, the code step pending, as after the first request
        return super().post(request, *args, **kwargs)


class MobileLoginInput(LoginInput):
    phone = MobileField(required=False)


class MobileLoginView(LoginView):
    input_class = MobileLoginInput


class MobileReauthenticationCodeInput(RequestReauthenticationCodeInput):
    phone = MobileField(required=False)


class MobileReauthenticationCodeView(RequestReauthenticationCodeView):
    input_class = MobileReauthenticationCodeInput
