"""Staff screens of the cultural palace, scoped to the branches where the user is an events manager or branch
admin (branches_in_scope). Guessed ids outside the scope answer 404; FK choices are limited the same way."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from members.selectors import branches_in_scope, user_is_staff_of_any_branch

from . import services
from .models import (
    Attendance,
    Booking,
    ContestEntry,
    GroupOrder,
    ItemImage,
    MenuItem,
    Rating,
    Session,
    Venue,
    WaitlistEntry,
)

ROLES = services.STAFF_ROLES


def scope(request):
    """The user's branches, worked out once per request (the admin asks for every model on the page)."""
    if not hasattr(request, "_culture_scope"):
        request._culture_scope = branches_in_scope(request.user, roles=ROLES)
        # From the roles members.selectors caches on the user: no query per model on the admin index.
        request._culture_scope_exists = user_is_staff_of_any_branch(request.user, roles=ROLES)
    return request._culture_scope


class ScopedAdmin(admin.ModelAdmin):
    """`branch_path` names the lookup from the model to its branch."""

    branch_path = "item__branch"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(**{f"{self.branch_path}__in": scope(request)})

    def _any_scope(self, request) -> bool:
        return request.user.is_active and request.user.is_staff and (scope(request) is not None
                                                                       and request._culture_scope_exists)

    def has_module_permission(self, request):
        return self._any_scope(request)

    def has_view_permission(self, request, obj=None):
        return self._any_scope(request)

    def has_change_permission(self, request, obj=None):
        return self._any_scope(request)

    def has_add_permission(self, request):
        return self._any_scope(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "branch":
            kwargs["queryset"] = scope(request)
        elif db_field.name == "item":
            kwargs["queryset"] = MenuItem.objects.filter(branch__in=scope(request))
        elif db_field.name == "venue":
            kwargs["queryset"] = Venue.objects.filter(branch__in=scope(request))
        elif db_field.name == "session":
            kwargs["queryset"] = Session.objects.filter(item__branch__in=scope(request)).select_related("item")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyScopedAdmin(ScopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Venue)
class VenueAdmin(ScopedAdmin):
    branch_path = "branch"
    list_display = ["name", "kind", "capacity", "address", "branch", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "address"]
    list_select_related = ["branch"]


class ItemImageInline(admin.TabularInline):
    model = ItemImage
    extra = 0


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    fields = ["starts_at", "ends_at", "venue", "capacity", "seats_taken", "price", "member_price",
              "booking_opens_at", "booking_closes_at", "is_cancelled"]
    readonly_fields = ["seats_taken"]
    show_change_link = True

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "venue":
            kwargs["queryset"] = Venue.objects.filter(branch__in=scope(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MenuItemForm(forms.ModelForm):
    class Meta:
        model = MenuItem
        fields = ["title", "description", "branch", "category", "venue", "tags", "audience", "booking_required",
                  "max_seats_per_booking", "cancel_hours_before", "entry_mode", "entry_fields", "status"]

    def clean_entry_fields(self):
        fields = self.cleaned_data.get("entry_fields") or []
        if not isinstance(fields, list) or not all(isinstance(f, dict) and f.get("name") for f in fields):
            raise forms.ValidationError(
                _("附加字段须为列表，每项含 name、label、type（text/number/choice/textarea）。"))
        return fields


@admin.register(MenuItem)
class MenuItemAdmin(ScopedAdmin):
    form = MenuItemForm
    branch_path = "branch"
    list_display = ["title", "category", "venue", "branch", "audience", "booking_required", "status"]
    list_filter = ["category", "status", "audience"]
    search_fields = ["title", "tags"]
    list_select_related = ["venue", "branch"]
    inlines = [ItemImageInline, SessionInline]
    actions = ["publish", "archive"]

    @admin.action(description=_("发布所选项目"))
    def publish(self, request, queryset):
        for item in queryset:
            item.status = MenuItem.Status.PUBLISHED
            item.save(update_fields=["status"])
            services.audit_log(actor=request.user, action="culture.item.published", target=item)

    @admin.action(description=_("下架所选项目"))
    def archive(self, request, queryset):
        for item in queryset:
            item.status = MenuItem.Status.ARCHIVED
            item.save(update_fields=["status"])
            services.audit_log(actor=request.user, action="culture.item.archived", target=item)


@admin.register(Session)
class SessionAdmin(ScopedAdmin):
    list_display = ["item", "starts_at", "venue", "capacity", "seats_taken", "price", "member_price", "is_cancelled"]
    list_filter = ["is_cancelled", "item__category"]
    search_fields = ["item__title"]
    list_select_related = ["item", "venue"]
    readonly_fields = ["seats_taken"]
    date_hierarchy = "starts_at"


@admin.register(Booking)
class BookingAdmin(ReadOnlyScopedAdmin):
    branch_path = "session__item__branch"
    list_display = ["session", "name", "masked_mobile", "seats", "total_price", "is_member_price", "status",
                    "checked_in_at"]
    list_filter = ["status", "is_member_price"]
    search_fields = ["name", "session__item__title"]
    list_select_related = ["session__item"]
    exclude = ["code", "short_code"]  # either one admits the ticket at the gate

    @admin.display(description=_("手机号码"))
    def masked_mobile(self, obj):
        return f"{obj.mobile[:3]}****{obj.mobile[-4:]}"


@admin.register(WaitlistEntry)
class WaitlistAdmin(ReadOnlyScopedAdmin):
    branch_path = "session__item__branch"
    list_display = ["session", "name", "seats", "status", "created_at", "offer_expires_at"]
    list_filter = ["status"]
    list_select_related = ["session__item"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyScopedAdmin):
    branch_path = "session__item__branch"
    list_display = ["session", "booking", "checked_in_at", "checked_in_place"]
    list_select_related = ["session__item", "booking__session__item"]


@admin.register(ContestEntry)
class ContestEntryAdmin(ReadOnlyScopedAdmin):
    list_display = ["item", "user", "team_name", "status", "created_at", "reviewed_at"]
    list_filter = ["status"]
    list_select_related = ["item", "user"]
    actions = ["accept_entries"]

    @admin.action(description=_("审核通过所选报名"))
    def accept_entries(self, request, queryset):
        done = 0
        for entry in queryset:
            try:
                services.contest_entry_review(entry_id=entry.pk, staff=request.user, accept=True)
                done += 1
            except services.CultureError as e:
                self.message_user(request, f"{entry}: {e.message}", messages.ERROR)
        if done:
            self.message_user(request, _("已通过 %(n)s 条报名。") % {"n": done}, messages.SUCCESS)

    def has_change_permission(self, request, obj=None):
        return self._any_scope(request)  # the list's actions need it; the form fields stay read-only

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in ContestEntry._meta.fields]


@admin.register(GroupOrder)
class GroupOrderAdmin(ReadOnlyScopedAdmin):
    list_display = ["item", "branch", "headcount", "wished_from", "wished_to", "status", "scheduled_starts_at",
                    "created_at"]
    list_filter = ["status"]
    list_select_related = ["item", "branch"]


@admin.register(Rating)
class RatingAdmin(ReadOnlyScopedAdmin):
    list_display = ["item", "session", "score", "comment", "created_at"]
    list_filter = ["score", "item__category"]
    list_select_related = ["item", "session__item"]
