"""allauth's headless API (/_allauth/<client>/v1/…) where the portal asks more of it than allauth does.

The app's password reset takes what the web's does: a mobile number, whose code goes by SMS, or an email
address (allauth's own input takes an email address only). Routed in portal/urls.py ahead of allauth's."""

from allauth.headless.account.views import RequestPasswordResetView
from allauth.headless.internal.restkit import inputs

from .account_forms import ResetPasswordForm


class RequestPasswordResetInput(ResetPasswordForm, inputs.Input):
    """{"phone": "+8613912345678"} or {"email": "…"}: a mobile number in either field is taken as one (the web
    form has a single field, named "email" after allauth's)."""

    def __init__(self, *args, data=None, **kwargs):
        if isinstance(data, dict) and "phone" in data and "email" not in data:
            data = {**data, "email": data["phone"]}
        super().__init__(*args, data=data, **kwargs)


class PasswordResetRequestView(RequestPasswordResetView):
    input_class = RequestPasswordResetInput
