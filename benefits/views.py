"""Pages of the mutual-aid plan: thin doors onto services and selectors."""

import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.errors import page_errors
from members.http import client_ip
from members.models import Member

from . import exports, receipts, rules, selectors, services, wechatpay
from .forms import EnrolForm, GroupEnrolmentForm, OfflinePaymentForm, PayForm
from .models import Enrolment, Payment, Plan, Tier
from .payments import SandboxProvider, online_provider


def _member_of(user) -> Member | None:
    return Member.objects.filter(user=user).select_related("branch").first() if user.is_authenticated else None


def _described_tiers(plan: Plan) -> list[dict]:
    out = []
    for tier in plan.tiers.all():
        specs = [rules.rule_spec_from_data(kind=r.kind, params=r.params, diseases=()) for r in tier.rules.all()]
        out.append({"tier": tier, "rules": [(rules.KIND_LABELS[s.kind], rules.describe(s).render()) for s in specs]})
    return out


def plan_list(request):
    member = _member_of(request.user)
    enrolments = list(selectors.member_enrolments(member)) if member else []
    enrolled_plan_ids = {e.plan_id for e in enrolments}
    plans = selectors.plans_open_for_enrolment()
    return render(request, "benefits/plan_list.html", {
        "plans": plans, "enrolments": enrolments, "enrolled_plan_ids": enrolled_plan_ids, "member": member,
    })


def plan_detail(request, plan_id):
    plan = get_object_or_404(selectors.plans_visible(), pk=plan_id)
    member = _member_of(request.user)
    enrolment = Enrolment.objects.filter(plan=plan, member=member).first() if member else None
    form = EnrolForm(plan=plan)
    window_open = _window_open_for(plan, member)
    return render(request, "benefits/plan_detail.html", {
        "plan": plan, "tiers": _described_tiers(plan), "form": form, "member": member, "enrolment": enrolment,
        "window_open": window_open,
        "preview": services.cover_preview(plan, member) if window_open and member and not enrolment else None,
    })


def _window_open_for(plan: Plan, member) -> bool:
    """Open to everyone in the enrolment window; from `renewal_opens` to members of the year before."""
    if plan.is_window_open():
        return True
    return member is not None and plan.is_renewal_window_open() and Enrolment.objects.filter(
        plan_id=plan.previous_id, member=member, status=Enrolment.Status.ACTIVE).exists()


@login_required
@require_POST
def plan_enrol(request, plan_id):
    plan = get_object_or_404(Plan, pk=plan_id)
    member = _member_of(request.user)
    if member is None:
        messages.error(request, _("您还不是工会会员，请先申请入会。"))
        return redirect("benefits:plan", plan.pk)
    form = EnrolForm(request.POST, plan=plan)
    if not form.is_valid():
        return render(request, "benefits/plan_detail.html", {
            "plan": plan, "tiers": _described_tiers(plan), "form": form, "member": member,
            "window_open": _window_open_for(plan, member),
        }, status=400)
    with page_errors(request):
        enrolment = services.enrolment_create(
            actor=request.user, plan_id=plan.pk, tier_id=form.cleaned_data["tier"].pk, member=member,
            employer_non_public=form.cleaned_data["employer_non_public"],
        )
        messages.success(request, _("参保登记成功。") if enrolment.status == Enrolment.Status.PENDING
                         else _("参保成功，缴费已由补贴全额承担。"))
        return redirect("benefits:enrolment", enrolment.pk)
    return redirect("benefits:plan", plan.pk)


def _own_enrolment(request, enrolment_id) -> Enrolment:
    return get_object_or_404(
        Enrolment.objects.select_related("plan", "tier", "member", "payment", "subsidy_rule__paying_branch"),
        pk=enrolment_id, member__user=request.user,
    )


@login_required
def enrolment_detail(request, enrolment_id):
    enrolment = _own_enrolment(request, enrolment_id)
    preview = (services.cover_preview(enrolment.plan, enrolment.member)
               if enrolment.status == Enrolment.Status.PENDING else None)
    return render(request, "benefits/enrolment_detail.html", {
        "enrolment": enrolment, "today": timezone.localdate(), "preview": preview,
    })


@login_required
@require_POST
def enrolment_renew(request, enrolment_id):
    """One tap on "renew" (my cover): next year's plan, same tier; then the member pays as for any enrolment."""
    with page_errors(request):
        renewed = services.enrolment_renew(actor=request.user, enrolment_id=enrolment_id)
        messages.success(request, _("已为您续保%(plan)s。") % {"plan": renewed.plan.name})
        return redirect("benefits:enrolment", renewed.pk)
    return redirect("benefits:my-cover")


@login_required
@require_POST
def enrolment_pay(request, enrolment_id):
    enrolment = _own_enrolment(request, enrolment_id)
    form = PayForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("缴费金额格式不正确。"))
        return redirect("benefits:enrolment", enrolment.pk)
    provider = online_provider()
    if provider is None:
        messages.error(request, _("暂不支持在线缴费，请向所在工会缴纳。"))
        return redirect("benefits:enrolment", enrolment.pk)
    with page_errors(request):
        payment = services.payment_start_online(user=request.user, enrolment_id=enrolment.pk,
                                                amount=form.cleaned_data["amount"], provider=provider.code)
        if provider.code == Payment.Provider.WECHATPAY:
            # The member pays on WeChat's page; the notification (or the reconciliation) records it.
            return redirect(provider.checkout_url(payment, client_ip=client_ip(request)))
        return redirect(provider.checkout_url(payment))
    return redirect("benefits:enrolment", enrolment.pk)


def _sandbox_or_404():
    if not settings.BENEFITS_SANDBOX_PAYMENTS:
        raise Http404


@login_required
def sandbox_gateway(request, token):
    """The local page standing in for the payment gateway's checkout. Confirming makes the gateway's signed
    callback and hands it to the same code as the callback endpoint."""
    _sandbox_or_404()
    payment = get_object_or_404(
        Payment.objects.filter(provider=Payment.Provider.SANDBOX, enrolments__member__user=request.user).distinct(),
        token=token,
    )
    enrolment = payment.enrolments.first()
    if request.method == "POST":
        if "cancel" in request.POST:
            messages.info(request, _("您取消了支付。"))
            return redirect("benefits:enrolment", enrolment.pk)
        sandbox = SandboxProvider()
        body = sandbox.callback_body(payment)
        with page_errors(request):
            sandbox.handle_callback(body, sandbox.sign(body))
            messages.success(request, _("支付成功，保障已生效。"))
        return redirect("benefits:enrolment", enrolment.pk)
    return render(request, "benefits/sandbox_gateway.html", {"payment": payment, "enrolment": enrolment})


@csrf_exempt
@require_POST
def sandbox_callback(request):
    """Server-to-server callback of the sandbox gateway: the raw body signed in the X-Sandbox-Signature header."""
    _sandbox_or_404()
    sandbox = SandboxProvider()
    signature = request.headers.get(sandbox.signature_header, "")
    try:
        result = sandbox.handle_callback(request.body, signature)
    except services.BenefitsError as e:
        return JsonResponse({"result": "rejected", "message": e.message}, status=400)
    return JsonResponse({"result": "ok", "order": result.payment.number, "recorded": result.recorded})


@csrf_exempt
@require_POST
def wechatpay_notify(request):
    """WeChat Pay's payment notification (server to server): verified, decrypted, recorded once. WeChat expects
    200/204 for "received"; anything else makes it send the notification again later."""
    if not wechatpay.enabled():
        raise Http404
    try:
        wechatpay.WeChatPayProvider().handle_notification(request.META, request.body)
    except services.BenefitsError as e:
        return JsonResponse({"code": "FAIL", "message": e.message}, status=400)
    return JsonResponse({"code": "SUCCESS", "message": "OK"})


@login_required
def my_cover(request):
    member = _member_of(request.user)
    today = timezone.localdate()
    covers = []
    if member:
        for enrolment in selectors.member_enrolments(member).filter(status=Enrolment.Status.ACTIVE,
                                                                    cover_end__gte=today):
            summary = selectors.cover_summary(enrolment)
            summary["described"] = [(rules.KIND_LABELS[k], rules.describe(s).render())
                                    for k, s in summary["rules"].items()]
            covers.append(summary)
    renewals = selectors.renewal_offers(member, day=today) if member else []
    return render(request, "benefits/my_cover.html", {
        "member": member, "covers": covers, "today": today, "renewals": renewals,
    })


def _payment_visible(user, payment_id) -> Payment:
    own = Payment.objects.filter(pk=payment_id, enrolments__member__user=user)
    if own.exists():
        return own.first()
    staff = selectors.payments_in_scope(user).filter(pk=payment_id).first()
    if staff is None:
        raise Http404
    return staff


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def payment_receipt(request, payment_id):
    payment = _payment_visible(request.user, payment_id)
    loaded = receipts.payments_for_receipts(Payment.objects.filter(pk=payment.pk))
    if not loaded:
        raise Http404
    return _pdf_response(receipts.receipts_pdf(loaded), f"receipt-{payment.number}.pdf")


# --- staff -----------------------------------------------------------------------------------------------------


def _staff_scope(request, roles=None):
    """The branches this staff member may see; 403 for someone with no role at all."""
    branches = selectors.staff_branches(request.user, roles)
    if not branches.exists():
        raise PermissionDenied
    return branches


def _chosen_plan(request) -> Plan | None:
    plans = Plan.objects.all()
    plan_id = request.GET.get("plan")
    if plan_id and plan_id.isdigit():
        return get_object_or_404(plans, pk=plan_id)
    return plans.first()


@login_required
def staff_report(request):
    _staff_scope(request)
    plan = _chosen_plan(request)
    summary = selectors.enrolment_summary(request.user, plan=plan) if plan else None
    return render(request, "benefits/staff/report.html", {
        "plan": plan, "plans": Plan.objects.all(), "summary": summary,
    })


@login_required
def staff_export(request):
    _staff_scope(request)
    plan = _chosen_plan(request)
    if plan is None:
        raise Http404
    buffer = io.BytesIO()
    exports.enrolments_xlsx(request.user, plan=plan, stream=buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="enrolments-{plan.code}.xlsx"'
    return response


@login_required
def staff_unpaid(request):
    _staff_scope(request)
    plan = _chosen_plan(request)
    rows = selectors.unpaid_enrolments(request.user, plan=plan) if plan else Enrolment.objects.none()
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "benefits/staff/unpaid.html", {"plan": plan, "page": page})


@login_required
def staff_record_payment(request, enrolment_id):
    _staff_scope(request, selectors.PAYMENT_ROLES)
    enrolment = get_object_or_404(
        selectors.enrolments_in_scope(request.user, roles=selectors.PAYMENT_ROLES).select_related(
            "member", "plan", "tier"
        ),
        pk=enrolment_id,
    )
    form = OfflinePaymentForm(request.POST or None, initial={"amount": enrolment.member_part})
    if request.method == "POST" and form.is_valid():
        with page_errors(request, form=form):
            payment = services.payment_record_offline(actor=request.user, enrolment_id=enrolment.pk,
                                                      **form.cleaned_data)
            messages.success(request, _("已记录缴费 %(number)s。") % {"number": payment.number})
            return redirect(f"{_url('benefits:staff-unpaid')}?plan={enrolment.plan_id}")
    status = 400 if request.method == "POST" else 200
    return render(request, "benefits/staff/record_payment.html", {"enrolment": enrolment, "form": form},
                  status=status)


def _url(name, *args):
    return reverse(name, args=args)


@login_required
def staff_group_enrol(request):
    branches = _staff_scope(request, selectors.PAYMENT_ROLES)
    plans = Plan.objects.filter(pk__in=[p.pk for p in selectors.plans_open_for_enrolment(renewals=True)])
    form = GroupEnrolmentForm(request.POST or None, plans=plans, branches=branches)
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        tier = Tier.objects.filter(plan=data["plan"], code=data["tier_code"]).first()
        numbers = form.member_number_list()
        member_ids = None
        if numbers:
            found = dict(Member.objects.filter(branch=data["branch"], member_number__in=numbers)
                         .values_list("member_number", "pk"))
            missing = [n for n in numbers if n not in found]
            if missing:
                form.add_error("member_numbers",
                               _("这些会员号不属于该工会：%(numbers)s") % {"numbers": "、".join(missing)})
            member_ids = list(found.values())
        if tier is None:
            form.add_error("tier_code", _("该方案没有这个档次。"))
        if not form.errors:
            with page_errors(request, form=form):
                result = services.group_enrolment_create(
                    actor=request.user, plan_id=data["plan"].pk, tier_id=tier.pk, branch_id=data["branch"].pk,
                    member_ids=member_ids, method=data["method"], amount=data["amount"],
                    reference=data["reference"], employer_non_public=data["employer_non_public"],
                    renewals_only=data["renewals_only"],
                )
                messages.success(request, _("已为 %(count)s 人办理参保，集体缴费 %(amount)s 元。")
                                 % {"count": result.enrolled, "amount": result.member_total})
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "benefits/staff/group_enrol.html", {"form": form, "result": result}, status=status)


@login_required
def staff_receipts(request):
    """A batch of receipts (one PDF) for the paid payments of a plan in the staff member's scope."""
    _staff_scope(request)
    plan = _chosen_plan(request)
    if plan is None:
        raise Http404
    payments = selectors.payments_in_scope(request.user).filter(enrolments__plan=plan).distinct()
    branch_id = request.GET.get("branch")
    if branch_id and branch_id.isdigit():
        payments = payments.filter(branch_id=branch_id)
    loaded = receipts.payments_for_receipts(Payment.objects.filter(pk__in=payments.values("pk")))
    if not loaded:
        messages.info(request, _("没有可以打印的收据。"))
        return redirect(f"{_url('benefits:staff')}?plan={plan.pk}")
    return _pdf_response(receipts.receipts_pdf(loaded), f"receipts-{plan.code}.pdf")
