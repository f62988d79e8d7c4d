"""The roof's own pages: home, health check and the friendly error pages."""

import logging

from django.http import HttpResponseServerError
from django.shortcuts import render

from . import health

logger = logging.getLogger(__name__)


def home(request):
    return render(request, "home.html")


def healthz(request):
    """The URL's own door; the probe is normally answered earlier by portal.health.HealthCheckMiddleware."""
    return health.healthz(request)


def error_403(request, exception=None):
    return render(request, "errors/403.html", status=403)


def csrf_failure(request, reason=""):
    """A form posted without a valid CSRF token (an old tab, cookies blocked): say what to do, in the layout."""
    return render(request, "errors/csrf.html", status=403)


def error_404(request, exception=None):
    return render(request, "errors/404.html", status=404)


# The 500 page must answer even when what broke is the database or a template the layout needs.
_BARE_500 = (
    '<!doctype html><html lang="zh-hans"><head><meta charset="utf-8"><title>服务暂时出错</title></head>'
    "<body><h1>服务暂时出错</h1><p>服务器出了点问题，我们已经记录。请稍后再试。</p><p><a href=\"/\">返回首页</a></p>"
    "</body></html>"
)


def error_500(request):
    try:
        return render(request, "errors/500.html", status=500)
    except Exception:
        logger.exception("the 500 page could not be rendered; answering with the bare one")
        return HttpResponseServerError(_BARE_500)
