from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services

INBOX_PAGE_SIZE = 20


@login_required
def inbox(request):
    page = Paginator(request.user.notifications.all(), INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "members/inbox.html", {"page": page})


@login_required
@require_POST
def notification_read(request, notification_id):
    notification = services.notification_mark_read(user=request.user, notification_id=notification_id)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("members:inbox")


@login_required
@require_POST
def notifications_read_all(request):
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("已将 %(count)d 条消息标为已读。") % {"count": count})
    return redirect("members:inbox")
