"""Staff screens. Station managers (and branch admins) see and change only the stations of their branches'
subtrees — every queryset, FK choice, export and object lookup goes through stations_managed_by, which
is branches_in_scope. Writes that have a service go through it."""

from datetime import timedelta

from django.contrib import admin, messages
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import page_errors
from core.services import audit_log
from core.spreadsheets import csv_writer
from members.selectors import branches_in_scope, user_is_staff_of_any_branch

from . import selectors, services
from .forms import ImportForm, OpeningHoursFormSet, StationAdminForm
from .hours import hours_format
from .importer import stations_import
from .models import (
    AMENITY_CODES,
    HoursException,
    Need,
    OpeningHours,
    Rating,
    Station,
    StationPhoto,
    StationResource,
    StationService,
    Visit,
    amenity_field,
)


def _managed(request):
    return selectors.stations_managed_by(request.user)


def _has_scope(request) -> bool:
    """Asked many times per admin page (every model, every permission): answered once per request."""
    if not hasattr(request, "_stations_has_scope"):
        request._stations_has_scope = request.user.is_active and (
            request.user.is_superuser
            or user_is_staff_of_any_branch(request.user, roles=selectors.STATION_MANAGER_ROLES)
        )
    return request._stations_has_scope


class ScopedAdmin(admin.ModelAdmin):
    """Station managers hold no Django model permissions; their role on a branch is the permission."""

    station_path = "station"

    def has_module_permission(self, request):
        return _has_scope(request)

    def has_view_permission(self, request, obj=None):
        return _has_scope(request)

    def has_change_permission(self, request, obj=None):
        return _has_scope(request)

    def has_add_permission(self, request):
        return _has_scope(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.filter(**{f"{self.station_path}__in": _managed(request)}) if self.station_path else qs


class StationScopedInline:
    def has_view_permission(self, request, obj=None):
        return _has_scope(request)

    def has_change_permission(self, request, obj=None):
        return _has_scope(request)

    def has_add_permission(self, request, obj=None):
        return _has_scope(request)

    def has_delete_permission(self, request, obj=None):
        return _has_scope(request)


class OpeningHoursInline(StationScopedInline, admin.TabularInline):
    model = OpeningHours
    formset = OpeningHoursFormSet
    extra = 0


class HoursExceptionInline(StationScopedInline, admin.TabularInline):
    model = HoursException
    extra = 0


class StationPhotoInline(StationScopedInline, admin.TabularInline):
    model = StationPhoto
    extra = 0


class StationServiceInline(StationScopedInline, admin.StackedInline):
    model = StationService
    extra = 0


class StationResourceInline(StationScopedInline, admin.TabularInline):
    model = StationResource
    extra = 0


@admin.register(Station)
class StationAdmin(ScopedAdmin):
    station_path = ""
    form = StationAdminForm
    list_display = ["name", "kind", "district", "branch", "is_active", "poster_link"]
    list_filter = ["kind", "is_active", "district", "partner_type"]
    search_fields = ["name", "address", "code", "partner_name"]
    list_select_related = ["branch"]
    inlines = [OpeningHoursInline, HoursExceptionInline, StationPhotoInline, StationServiceInline,
               StationResourceInline]
    actions = ["export_csv", "deactivate"]
    change_list_template = "admin/stations/station/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=_managed(request).values("pk"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "branch":
            kwargs["queryset"] = branches_in_scope(request.user, roles=selectors.STATION_MANAGER_ROLES)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("二维码海报"))
    def poster_link(self, station):
        return format_html('<a href="{}" target="_blank">{}</a>', reverse("stations:poster", args=[station.pk]),
                           _("打印"))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_log(actor=request.user, action="station.updated" if change else "station.created", target=obj,
                  data={"fields": form.changed_data})

    @admin.action(description=gettext_lazy("导出所选驿站（CSV，可再导入）"))
    def export_csv(self, request, queryset):
        # The admin's queryset is already scoped; the export re-applies the scope all the same.
        stations = (queryset & _managed(request)).select_related("branch").prefetch_related("hours")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="stations.csv"'
        writer = csv_writer(response)  # names and addresses staff typed: neutralised (core/spreadsheets.py)
        writer.writerow(["code", "kind", "name", "partner_type", "partner_name", "branch", "district", "address",
                         "lat", "lng", "coord_system", "phone", "amenities", "hours", "is_active"])
        for s in stations:
            writer.writerow([
                s.code or "", s.kind, s.name, s.partner_type, s.partner_name, s.branch.name, s.district, s.address,
                f"{s.lat:.7f}", f"{s.lng:.7f}", "wgs84", s.phone,
                ",".join(c for c in AMENITY_CODES if getattr(s, amenity_field(c))), hours_format(s.hours.all()),
                "1" if s.is_active else "0",
            ])
        audit_log(actor=request.user, action="station.exported", data={"count": len(stations)})
        return response

    @admin.action(description=gettext_lazy("停用所选驿站"))
    def deactivate(self, request, queryset):
        for station_id in queryset.values_list("pk", flat=True):
            services.station_set_active(actor=request.user, station_id=station_id, active=False)
        messages.success(request, _("已停用。"))

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="stations_station_import"),
            path("visits-daily/", self.admin_site.admin_view(self.visits_daily_view),
                 name="stations_station_visits_daily"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not _has_scope(request):
            raise Http404
        branches = branches_in_scope(request.user, roles=selectors.STATION_MANAGER_ROLES)
        form = ImportForm(request.POST or None, request.FILES or None, branches=branches)
        report = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = stations_import(
                    actor=request.user, upload=upload, filename=upload.name,
                    default_branch=form.cleaned_data["default_branch"],
                    coord_system=form.cleaned_data["coord_system"],
                )
            except services.StationError as e:
                form.add_error("file", e.message)
            else:
                if report.ok:
                    messages.success(request, _("已导入 %(n)s 个驿站。") % {"n": report.created})
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "report": report, "title": _("导入驿站")}
        return render(request, "admin/stations/station/import.html", context,
                      status=400 if report is not None and not report.ok else 200)

    def visits_daily_view(self, request):
        if not _has_scope(request):
            raise Http404
        today = timezone.localdate()
        rows = selectors.visit_daily_counts(stations=_managed(request), date_from=today - timedelta(days=29),
                                            date_to=today)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "rows": rows,
                   "title": _("驿站每日到访统计（近 30 天）")}
        return render(request, "admin/stations/station/visits_daily.html", context)


@admin.register(Visit)
class VisitAdmin(ScopedAdmin):
    list_display = ["visited_at", "station", "job_type", "masked_mobile"]
    list_filter = ["job_type"]
    date_hierarchy = "visited_at"
    list_select_related = ["station"]
    search_fields = ["station__name"]
    fields = ["station", "job_type", "visited_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("手机号码"))
    def masked_mobile(self, visit):
        return f"{visit.mobile[:3]}****{visit.mobile[-4:]}"


@admin.register(Need)
class NeedAdmin(ScopedAdmin):
    list_display = ["created_at", "station", "category", "status", "short_text"]
    list_filter = ["status", "category"]
    list_select_related = ["station"]
    search_fields = ["text", "station__name"]
    fields = ["station", "category", "text", "status", "created_at", "answer", "answered_at"]
    readonly_fields = ["station", "category", "text", "status", "created_at", "answered_at"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=gettext_lazy("需求内容"))
    def short_text(self, need):
        return need.text[:40]

    def save_model(self, request, obj, form, change):
        # Answering goes through the service: scope check, row lock, audit and the member's notification.
        if "answer" in form.changed_data:
            with page_errors(request):
                services.need_answer(actor=request.user, need_id=obj.pk, answer=obj.answer, close=True)


@admin.register(Rating)
class RatingAdmin(ScopedAdmin):
    list_display = ["created_at", "station", "score", "comment", "replied_at"]
    list_filter = ["score"]
    list_select_related = ["station"]
    fields = ["station", "score", "comment", "created_at", "reply", "replied_at"]
    readonly_fields = ["station", "score", "comment", "created_at", "replied_at"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        if "reply" in form.changed_data:
            with page_errors(request):
                services.rating_reply(actor=request.user, rating_id=obj.pk, reply=obj.reply)
