from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import services
from .forms import NotificationPreferencesForm


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
