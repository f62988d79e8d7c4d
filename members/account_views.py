"""allauth's web pages where the portal asks more of them than allauth does. Routed in portal/urls.py ahead of
allauth's own (same paths, so allauth's URL names still lead here)."""

from allauth.account.adapter import get_adapter
from allauth.account.views import PasswordResetView as AllauthPasswordResetView
from django.contrib import messages
from django.http import HttpResponseRedirect

from .adapters import is_mobile_address
from .phone_codes import RESET_RESUMED_MESSAGE, reset_code_resume


class PasswordResetView(AllauthPasswordResetView):
    """忘记密码: asking again for the same mobile number within the minute, while this browser's reset code is still
    valid, returns to that code instead of allauth's 429 (members/phone_codes.py)."""

    def form_valid(self, form):
        phone = form.cleaned_data["email"]
        process = reset_code_resume(self.request, phone=phone) if is_mobile_address(phone) else None
        if process is None:
            return super().form_valid(form)
        if not process.state.get("code_confirmed"):
            get_adapter(self.request).add_message(self.request, messages.INFO,
                                                  message=RESET_RESUMED_MESSAGE % {"phone": phone})
        # The code page; once the code was entered, allauth's code page leads on to the new password.
        return HttpResponseRedirect(self.get_success_url())
