"""Payout batches in the admin, scoped by `branches_in_scope` like every staff door: finance of a subtree builds a
batch from the approved applications of every kind paid this way (claims, education aid), exports the bank file
(CSV or XLSX), marks the batch paid or single transfers failed. Every action calls `benefits.review.payouts`."""

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import page_errors
from core.money import yuan_text
from members.models import StaffRole
from members.selectors import branches_in_scope

from ..models import PayoutBatch, PayoutItem
from ..review import access, bank_file, payouts
from ..review.transitions import ReviewError
from .plans import has_scope

FINANCE_ROLES = [StaffRole.Role.FINANCE]


class BuildBatchForm(forms.Form):
    branch = forms.ModelChoiceField(label=_("发放工会"), queryset=None, empty_label=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches_in_scope(user, roles=FINANCE_ROLES).order_by("path")


class FailForm(forms.Form):
    item = forms.IntegerField(min_value=1, max_value=2**63 - 1)  # a row id: larger would overflow the driver
    note = forms.CharField(label=_("失败原因"), max_length=200)


@admin.register(PayoutBatch)
class PayoutBatchAdmin(admin.ModelAdmin):
    list_display = ["number", "branch", "status", "created_by", "created_at", "paid_at"]
    list_filter = ["status"]
    list_select_related = ["branch", "created_by"]
    show_full_result_count = False

    def has_module_permission(self, request):
        return has_scope(request.user, FINANCE_ROLES)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return payouts.batches_in_scope(request.user).select_related("branch", "created_by")

    def get_urls(self):
        return [
            path("<int:batch_id>/export.<str:fmt>", self.admin_site.admin_view(self.export_view),
                 name="benefits_payoutbatch_export"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        form = BuildBatchForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            with page_errors(request):
                result = payouts.payout_batch_create(actor=request.user, branch_id=form.cleaned_data["branch"].pk)
                self.message_user(request, gettext("已生成批次 %(number)s：%(count)s 笔，共 %(total)s。") % {
                    "number": result.batch.number, "count": result.count, "total": yuan_text(result.total),
                }, messages.SUCCESS)
                if result.own_left_out:
                    self.message_user(request, gettext(
                        "您本人的 %(count)s 件已核准申请未列入本批次，须由其他财务人员发放。") % {
                        "count": result.own_left_out}, messages.WARNING)
                return HttpResponseRedirect(reverse("admin:benefits_payoutbatch_change", args=[result.batch.pk]))
        return render(request, "admin/benefits/payoutbatch/build.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "title": gettext("生成补助发放批次"),
            "form": form,
        })

    def change_view(self, request, object_id, form_url="", extra_context=None):
        batch = self.get_queryset(request).filter(pk=object_id).first()
        if batch is None:
            raise Http404
        if request.method == "POST":
            with page_errors(request):
                if request.POST.get("do") == "paid":
                    count = payouts.payout_batch_mark_paid(actor=request.user, batch_id=batch.pk)
                    done = gettext("已标记发放：%(count)s 笔。") % {"count": count}
                    self.message_user(request, done, messages.SUCCESS)
                else:
                    form = FailForm(request.POST)
                    if not form.is_valid():
                        raise ReviewError(gettext("请写明发放失败的原因。"))
                    payouts.payout_item_mark_failed(actor=request.user, item_id=form.cleaned_data["item"],
                                                   note=form.cleaned_data["note"])
                    self.message_user(request, gettext("已标记为发放失败，申请退回待发放。"), messages.SUCCESS)
            return HttpResponseRedirect(request.path)
        items = payouts.batch_items(batch)
        total = sum((i.amount for i in items if i.status != PayoutItem.Status.FAILED), start=0)
        # The payout steps the services would refuse this officer (their own application) are not offered; the
        # reason is.
        for item in items:
            item.refusal = (access.action_refusal(item.kind, request.user, item.application, "payout_failed")
                            if item.status == PayoutItem.Status.PENDING else None)
        pay_refusal = next((item.refusal for item in items if item.refusal), None)
        return render(request, "admin/benefits/payoutbatch/detail.html", {
            **self.admin_site.each_context(request), "opts": self.opts,
            "title": gettext("发放批次 %(number)s") % {"number": batch.number},
            "batch": batch, "items": items, "total": total, "pay_refusal": pay_refusal,
        })

    def export_view(self, request, batch_id, fmt):
        batch = self.get_queryset(request).filter(pk=batch_id).first()
        if batch is None or fmt not in ("csv", "xlsx"):
            raise Http404
        return bank_file.batch_response(batch, fmt)
