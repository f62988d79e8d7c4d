"""Staff screens for accounts, notifications and the audit log. Every queryset is scoped: superusers see
everything; branch admins see the accounts (and their messages) of members in their branch subtree."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.forms import ModelForm
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.models import AuditLogEntry

from ..models import Notification, NotificationDelivery, OutboundSms, SmsMessage, User
from ..notifications.services import notification_deliveries_retry
from ..selectors import users_in_scope


class UserCreationAdminForm(AdminUserCreationForm):
    """Creates an account from a mobile number and a password (or none, to sign in by code later)."""

    class Meta:
        model = User
        fields = ("mobile", "name", "email")
        field_classes: dict = {}


class UserChangeAdminForm(ModelForm):
    """The account form without the password hash: the password is changed on its own page."""

    class Meta:
        model = User
        fields = (
            "mobile", "mobile_verified", "name", "email", "notify_by_email", "notify_by_sms", "is_active",
            "is_staff", "is_superuser", "groups", "user_permissions",
        )


class ReadOnlyAdminMixin:
    """Rows written only by services (messages, deliveries, the audit log): staff look, never edit."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    list_display = ("mobile", "name", "email", "mobile_verified", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "mobile_verified", "notify_by_email", "notify_by_sms")
    search_fields = ("name", "mobile", "email")
    ordering = ("-date_joined", "-id")
    readonly_fields = ("password_status", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("mobile", "mobile_verified", "password_status")}),
        (_("个人信息"), {"fields": ("name", "email")}),
        (_("通知方式"), {"fields": ("notify_by_email", "notify_by_sms")}),
        (_("状态"), {"fields": ("is_active", "last_login", "date_joined")}),
    )
    permission_fieldsets = ((_("权限"), {"fields": ("is_staff", "is_superuser", "groups", "user_permissions")}),)
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("mobile", "name", "email", "usable_password", "password1", "password2")},
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=users_in_scope(request.user).values("pk"))

    def has_add_permission(self, request):
        # A new account belongs to no member yet, so it would fall outside a branch admin's scope the moment
        # it was saved; branch admins get accounts through membership applications and imports.
        return request.user.is_superuser and super().has_add_permission(request)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and request.user.is_superuser:
            # Only a superuser hands out staff status and permissions; a branch admin could otherwise
            # raise an account above their own rights.
            fieldsets = (*fieldsets, *self.permission_fieldsets)
        return fieldsets

    @admin.display(description=_("密码"))
    def password_status(self, obj):
        if obj.pk is None:
            return ""
        url = reverse("admin:auth_user_password_change", args=[obj.pk])
        state = gettext("已设置") if obj.has_usable_password() else gettext("未设置（只能用验证码登录）")
        return format_html('{} · <a href="{}">{}</a>', state, url, gettext("修改密码"))


class ReadStateFilter(admin.SimpleListFilter):
    title = _("阅读状态")
    parameter_name = "read"

    def lookups(self, request, model_admin):
        return (("no", _("未读")), ("yes", _("已读")))

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(read_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(read_at__isnull=False)
        return queryset


class DeliveryInline(admin.TabularInline):
    model = NotificationDelivery
    fields = ("channel", "address", "status", "attempts", "sent_at", "last_error")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("title", "user", "kind", "created_at", "read_at")
    list_filter = (ReadStateFilter, "kind", "created_at")
    search_fields = ("user__mobile", "title")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    fields = ("user", "kind", "title", "body", "url", "created_at", "read_at")
    inlines = (DeliveryInline,)
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(user__in=users_in_scope(request.user).values("pk"))


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("notification", "recipient", "channel", "status", "attempts", "sent_at", "last_error")
    list_filter = ("status", "channel")
    search_fields = ("notification__user__mobile", "address")
    list_select_related = ("notification__user",)
    fields = ("notification", "channel", "address", "status", "attempts", "sent_at", "last_error")
    actions = ("retry_failed",)
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(notification__user__in=users_in_scope(request.user).values("pk"))

    @admin.display(description=_("收件人"), ordering="notification__user__mobile")
    def recipient(self, obj):
        return obj.notification.user

    def has_retry_permission(self, request):
        return request.user.has_perm("members.change_notificationdelivery")

    @admin.action(description=_("重新发送失败的投递"), permissions=["retry"])
    def retry_failed(self, request, queryset):
        count = notification_deliveries_retry(
            actor=request.user, delivery_ids=queryset.values_list("pk", flat=True)
        )
        if count:
            message = ngettext("已重新排队 %(count)d 条投递。", "已重新排队 %(count)d 条投递。", count)
            self.message_user(request, message % {"count": count}, messages.SUCCESS)
        else:
            self.message_user(request, gettext("所选投递中没有发送失败的。"), messages.WARNING)


@admin.register(OutboundSms)
class OutboundSmsAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The development SMS inbox: what the console and database backends "sent", in full (codes included), so a
    developer can sign up under `make run`. Superusers only; nothing is written here by a real gateway."""

    list_display = ("created_at", "to", "body")
    search_fields = ("to",)
    date_hierarchy = "created_at"

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Text messages to numbers without an account (visitors, codes before sign-up): no branch of their own, so
    superusers only. Sent ones keep their text with the digits masked."""

    list_display = ("created_at", "masked_to", "status", "attempts", "sent_at", "last_error")
    list_filter = ("status",)
    date_hierarchy = "created_at"
    fields = ("masked_to", "status", "attempts", "created_at", "sent_at", "last_error")
    show_full_result_count = False

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description=_("手机号"))
    def masked_to(self, obj):
        return f"{obj.to[:3]}****{obj.to[-4:]}"


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit log spans every app and has no branch of its own: only superusers read it."""

    list_display = ("created_at", "actor", "action", "target_type", "target_id")
    list_filter = ("target_type", "created_at")
    search_fields = ("action", "actor__mobile", "target_id")
    list_select_related = ("actor", "target_type")
    date_hierarchy = "created_at"
    fields = ("created_at", "actor", "action", "target_type", "target_id", "data")
    show_full_result_count = False

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.none()
