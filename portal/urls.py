from allauth.account.decorators import secure_admin_login
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.shortcuts import redirect
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from members.accounts.headless import MobileLoginView, MobileReauthenticationCodeView, PasswordResetRequestView
from members.accounts.views import PasswordResetView

from . import views

# The admin signs in through allauth (rate limits, two-factor): its login page sends staff to allauth's,
# and a signed-in non-staff user gets 403 instead of the admin's own login form. Set before admin.site.urls
# is read below, which captures the login view.
admin.site.login = secure_admin_login(admin.site.login)
# Password changes go through allauth too (its rate limit, password rules and the audit receiver).
admin.site.password_change = lambda request, extra_context=None: redirect("account_change_password")

API_DOCS_STYLES = csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]})

api_v1 = [
    # Stations first: its public nearest search is the busiest route, and a URL is matched against the
    # patterns in order (no pattern of one app can match another's paths; the schema sorts its own).
    path("", include("stations.api_urls")),
    path("", include("members.api_urls")),
    path("", include("benefits.api_urls")),
    path("", include("culture.api_urls")),
    path("", include("stats.api_urls")),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (no inline script); both viewers inject
    # <style> elements of their own, so their pages alone allow inline styles.
    path("api/docs/", API_DOCS_STYLES(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    path("api/redoc/", API_DOCS_STYLES(SpectacularRedocView.as_view(url_name="api-schema")), name="api-redoc"),
    # The password reset by mobile number as well as email, and mobile numbers without "+86" at login and
    # reauthentication (members/accounts/headless.py), ahead of allauth's own routes.
    *[
        path(f"_allauth/{client}/v1/auth/{route}", view.as_api_view(client=client))
        for client in settings.HEADLESS_CLIENTS
        for route, view in (("password/request", PasswordResetRequestView), ("login", MobileLoginView),
                            ("reauthenticate/code/request", MobileReauthenticationCodeView))
    ],
    path("_allauth/", include("allauth.headless.urls")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    # 忘记密码 asked again for the same mobile number within the minute returns to the code still valid
    # (members/accounts/views.py), ahead of allauth's own page at the same path.
    path("accounts/password/reset/", PasswordResetView.as_view()),
    path("accounts/", include("allauth.urls")),
    path("", include("members.urls")),
    path("benefits/", include("benefits.urls")),
    path("culture/", include("culture.urls")),
    path("stations/", include("stations.urls")),
    path("stats/", include("stats.urls")),
    path("", views.home, name="home"),
]

handler400 = "portal.views.error_400"
handler403 = "portal.views.error_403"
handler404 = "portal.views.error_404"
handler500 = "portal.views.error_500"

admin.site.site_header = _("工会服务门户 · 管理后台")
admin.site.site_title = _("工会服务门户")
admin.site.index_title = _("管理")

