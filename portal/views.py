"""The roof's own pages: home, health check and the friendly error pages."""

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def home(request):
    return render(request, "home.html")


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True
    except Exception:
        logger.exception("health check: database unreachable")
        return False


def _broker_state() -> str:
    """'ok', 'down', or 'in-process' when no broker is configured (tasks run eagerly)."""
    if not settings.CELERY_BROKER_URL:
        return "in-process"
    from portal.celery_app import app

    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0.2, timeout=2)
        return "ok"
    except Exception:
        logger.exception("health check: broker unreachable")
        return "down"


@never_cache
@require_GET
def healthz(request):
    database = "ok" if _database_ok() else "down"
    broker = _broker_state()
    healthy = database == "ok" and broker != "down"
    return JsonResponse(
        {"status": "ok" if healthy else "error", "database": database, "broker": broker},
        status=200 if healthy else 503,
    )


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
