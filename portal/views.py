"""The roof's own pages: home, health check and the friendly error pages."""

import logging

from django.contrib.staticfiles import finders
from django.http import FileResponse, HttpResponseServerError
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.cache import cache_control

from benefits.aid.selectors import FIGURE_ROLES as AID_FIGURE_ROLES
from benefits.hardship.selectors import HARDSHIP_ROLES
from benefits.selectors import STAFF_ROLES as BENEFITS_ROLES
from core.api import api_error_response
from culture.services import STAFF_ROLES as CULTURE_ROLES
from members.data.imports import IMPORT_ROLES
from members.models import Member, StaffRole
from members.selectors import user_is_staff_of_any_branch
from stations.selectors import STATION_MANAGER_ROLES
from stats.selectors import STAFF_ROLES as STATS_ROLES

from . import health

logger = logging.getLogger(__name__)


def staff_tools(user) -> set[str]:
    """The staff tools the home page offers this user: each only to the roles its page lets in (a card that opens
    on a 403 or 404 is a tool the user does not have). Statistics are for every role; superusers get them all."""
    if not user.is_authenticated or not user_is_staff_of_any_branch(user):
        return set()
    tools = {
        "aid": AID_FIGURE_ROLES,
        "applications": [StaffRole.Role.BRANCH_ADMIN], "benefits": BENEFITS_ROLES, "culture": CULTURE_ROLES,
        "hardship": HARDSHIP_ROLES,
        "imports": IMPORT_ROLES, "orders": CULTURE_ROLES, "statistics": None, "stations": STATION_MANAGER_ROLES,
        "dashboard": STATS_ROLES,
    }
    return {tool for tool, roles in tools.items() if user_is_staff_of_any_branch(user, roles=roles)}


def home(request):
    """The member card's tile is for people with a member record: anyone else (a staff account, a worker who has
    not joined yet) would open a page answering 404; they are offered joining instead."""
    user = request.user
    has_member = user.is_authenticated and Member.objects.filter(user=user).exists()
    return render(request, "home.html", {"staff_tools": staff_tools(user), "has_member": has_member})


@cache_control(public=True, max_age=24 * 3600)
def favicon(request):
    """Browsers ask for /favicon.ico by themselves, whatever the page links (the pages link the SVG and this ICO
    among the static files): the same icon, never a 404."""
    return FileResponse(open(finders.find("favicon.ico"), "rb"), content_type="image/x-icon")


def healthz(request):
    """The URL's own door; the probe is normally answered earlier by portal.health.HealthCheckMiddleware."""
    return health.healthz(request)


def _is_api(request) -> bool:
    """Under /api/ a client reads JSON: Django's own error answers (no route, CSRF, a crash) use the API's
    error envelope there, as DRF's do."""
    return request.path.startswith("/api/")


def error_403(request, exception=None):
    if _is_api(request):
        return api_error_response(request, status=403, code="permission_denied")
    return render(request, "errors/403.html", status=403)


def csrf_failure(request, reason=""):
    """A form posted without a valid CSRF token (an old tab, cookies blocked): say what to do, in the layout."""
    if _is_api(request):
        return api_error_response(request, status=403, code="csrf_failed")
    return render(request, "errors/csrf.html", status=403)


def error_404(request, exception=None):
    if _is_api(request):
        return api_error_response(request, status=404, code="not_found")
    return render(request, "errors/404.html", status=404)


def error_400(request, exception=None):
    if _is_api(request):
        return api_error_response(request, status=400, code="bad_request")
    return defaults.bad_request(request, exception)


# The 500 page must answer even when what broke is the database or a template the layout needs.
_BARE_500 = (
    '<!doctype html><html lang="zh-hans"><head><meta charset="utf-8"><title>服务暂时出错</title></head>'
    "<body><h1>服务暂时出错</h1><p>服务器出了点问题，我们已经记录。请稍后再试。</p><p><a href=\"/\">返回首页</a></p>"
    "</body></html>"
)


def error_500(request):
    if _is_api(request):
        return api_error_response(request, status=500, code="server_error")
    try:
        return render(request, "errors/500.html", status=500)
    except Exception:
        logger.exception("the 500 page could not be rendered; answering with the bare one")
        return HttpResponseServerError(_BARE_500)
