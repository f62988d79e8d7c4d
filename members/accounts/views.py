"""The account's own pages: its settings, and allauth's web pages where the portal asks more of them than allauth
does (routed in portal/urls.py ahead of allauth's own: same paths, so allauth's URL names still lead here)."""

from allauth.account.adapter import get_adapter
from allauth.account.views import PasswordResetView as AllauthPasswordResetView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import services
from .adapters import is_mobile_address
from .forms import NotificationPreferencesForm
from .phone_codes import RESET_RESUMED_MESSAGE, reset_code_resume


@login_required
def account_settings(request):
    form = NotificationPreferencesForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "members/settings.html", {"form": form}, status=400)
        services.user_profile_update(user=request.user, **form.changes())
        messages.success(request, _("通知设置已保存。"))
        return redirect("members:settings")
    return render(request, "members/settings.html", {"form": form})


class PasswordResetView(AllauthPasswordResetView):
    """忘记密码: asking again for the same mobile number within the minute, while this browser's reset code is still
    valid, returns to that code instead of allauth's 429 (members/accounts/phone_codes.py)."""

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
