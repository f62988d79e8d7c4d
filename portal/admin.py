"""The outbox in the admin: staff see work waiting for the broker (and what went out lately) and can send it now.
Registered by the roof, not by `core`: its action writes the audit log, which lives in `members`, and the ground
imports no app."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.models import OutboxMessage
from core.services import audit_log, outbox_rerun


class WaitingFilter(admin.SimpleListFilter):
    title = _("等待时间")
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [("5m", _("待发送超过 5 分钟")), ("1h", _("待发送超过 1 小时"))]

    def queryset(self, request, queryset):
        minutes = {"5m": 5, "1h": 60}.get(self.value())
        if minutes is None:
            return queryset
        return queryset.filter(state=OutboxMessage.State.PENDING,
                               created_at__lt=timezone.now() - timezone.timedelta(minutes=minutes))


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "task", "args", "state", "attempts", "sent_at", "last_error")
    list_filter = ("state", WaitingFilter, "task")
    search_fields = ("task",)
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    readonly_fields = ("task", "args", "kwargs", "state", "attempts", "created_at", "sent_at", "last_error")
    # kwargs may carry text meant for one person (it never does today: tasks take ids); keep it off the list.
    fields = readonly_fields
    actions = ("rerun",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_rerun_permission(self, request):
        return request.user.has_perm("core.rerun_outboxmessage")

    @admin.action(description=_("立即重新发送所选任务"), permissions=["rerun"])
    def rerun(self, request, queryset):
        chosen = list(queryset.values_list("pk", flat=True)[:500])
        for message in OutboxMessage.objects.filter(pk__in=chosen):
            audit_log(actor=request.user, action="core.outbox.rerun", target=message,
                      data={"task": message.task, "args": message.args, "state": message.state})
        published = outbox_rerun(message_ids=chosen)
        level = messages.SUCCESS if published == len(chosen) else messages.WARNING
        text = ngettext("已发送 %(published)d 条任务（共选 %(count)d 条）；未能发送的仍在等待，稍后自动重试。",
                        "已发送 %(published)d 条任务（共选 %(count)d 条）；未能发送的仍在等待，稍后自动重试。",
                        len(chosen))
        self.message_user(request, text % {"published": published, "count": len(chosen)}, level)
