"""Pages for joining a union, transfers, the member card and the staff's application queue."""

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.errors import error_show, page_errors

from ..models import Branch, Member, MembershipApplication, StaffRole, Transfer
from ..selectors import branches_in_scope, user_is_staff_of_any_branch
from . import cards, selectors, services
from .forms import (
    BranchSearchForm,
    DecisionForm,
    MembershipApplyForm,
    TransferRequestForm,
)

BRANCH_ADMIN = [StaffRole.Role.BRANCH_ADMIN]


def _own_member(user) -> Member | None:
    return Member.objects.select_related("branch").filter(user=user).first() if user.is_authenticated else None


def branch_list(request):
    """Find a union to join, by name or area; workers without an own union are led to federated unions."""
    form = BranchSearchForm(request.GET or None)
    filters = {"search": "", "kind": "", "federated_type": ""}
    informal = False
    if form.is_valid():
        filters = {key: form.cleaned_data[key] for key in filters}
        informal = form.cleaned_data["informal"]
    if informal:
        filters["kind"] = Branch.Kind.FEDERATED
    branches = selectors.branch_search(**filters)
    branches = branches.filter(kind__in=selectors.joinable_branch_kinds())
    page = Paginator(branches, 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "members/branch_list.html",
        {"form": form, "page": page, "informal": informal, "member": _own_member(request.user),
         "query": query.urlencode()},
    )


def _joinable_branch(branch_id: int) -> Branch:
    return get_object_or_404(
        Branch, pk=branch_id, is_active=True, kind__in=selectors.joinable_branch_kinds()
    )


@login_required
def branch_join(request, branch_id):
    branch = _joinable_branch(branch_id)
    member = _own_member(request.user)
    if request.method == "POST":
        if not ratelimit.consume(request, action="member_id_lookup", user=request.user):
            return ratelimit.respond_429(request)
        form = MembershipApplyForm(request.POST)
        if form.is_valid():
            with page_errors(request, form=form):
                services.membership_apply(user=request.user, branch_id=branch.pk, **form.cleaned_data)
                messages.success(request, _("申请已提交，工会审核后会通知您。"))
                return redirect("members:membership")
        status = 400
    else:
        initial = {"name": request.user.name, "mobile": request.user.mobile}
        if member is not None:
            initial.update(name=member.name, mobile=member.mobile, employer=member.employer,
                           employment_type=member.employment_type)
        form = MembershipApplyForm(initial=initial)
        status = 200
    return render(request, "members/branch_join.html", {"branch": branch, "form": form, "member": member},
                  status=status)


@login_required
def membership(request):
    """The member's own page: status, masked data, pending requests, history, and where to go next."""
    member = _own_member(request.user)
    context = {"member": member, "applications": [], "transfers": []}
    if member is not None:
        context.update(selectors.membership_history(member))
    else:
        context["applications"] = list(
            MembershipApplication.objects.filter(user=request.user).select_related("branch")[:10]
        )
    context["pending_transfer"] = next(
        (t for t in context["transfers"] if t.status == Transfer.Status.PENDING), None
    )
    return render(request, "members/membership.html", context)


@login_required
def transfer_request(request, branch_id):
    branch = _joinable_branch(branch_id)
    member = _own_member(request.user)
    form = TransferRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with page_errors(request, form=form):
            services.transfer_request(user=request.user, to_branch_id=branch.pk, note=form.cleaned_data["note"])
            messages.success(request, _("转会申请已提交，转入工会审核后会通知您。"))
            return redirect("members:membership")
    status = 400 if request.method == "POST" else 200
    return render(request, "members/transfer_request.html", {"branch": branch, "member": member, "form": form},
                  status=status)


@login_required
@require_POST
def transfer_cancel(request, transfer_id):
    try:
        services.transfer_cancel(user=request.user, transfer_id=transfer_id)
    except services.MembershipError as error:
        if error.code == "not_found":
            raise Http404 from None
        error_show(request, error)
    else:
        messages.success(request, _("转会申请已撤回。"))
    return redirect("members:membership")


def _active_member_or_404(user) -> Member:
    member = _own_member(user)
    if member is None or member.status != Member.Status.ACTIVE:
        raise Http404
    return member


@login_required
@never_cache
def card(request):
    member = _own_member(request.user)
    if member is None or member.status != Member.Status.ACTIVE:
        return render(request, "members/card.html", {"member": member}, status=404 if member is None else 200)
    verify_url = request.build_absolute_uri(cards.card_verify_url(member, absolute=False))
    return render(
        request,
        "members/card.html",
        {
            "member": member,
            # The SVG is produced by the qrcode library from our own URL, not from user input.
            "qr_svg": mark_safe(cards.qr_svg(verify_url)),  # noqa: S308
            "verify_url": verify_url,
            "max_age_hours": int(cards.card_token_max_age().total_seconds() // 3600),
        },
    )


@login_required
@never_cache
def card_png(request):
    member = _active_member_or_404(request.user)
    verify_url = request.build_absolute_uri(cards.card_verify_url(member, absolute=False))
    response = HttpResponse(cards.card_png(member, verify_url=verify_url), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="member-card-{member.member_number}.png"'
    return response


@never_cache
def card_verify(request, token):
    """Public: anyone scanning the QR code learns only "valid member of <branch>" and a masked name."""
    check = cards.card_check(token)
    return render(request, "members/card_verify.html", {"check": check})


def _staff_or_404(user) -> None:
    if not user_is_staff_of_any_branch(user, roles=BRANCH_ADMIN):
        raise Http404


@login_required
def staff_applications(request):
    """The branch admin's queue: pending applications (decided one by one or many at once) and transfers in."""
    _staff_or_404(request.user)
    applications = (
        selectors.applications_in_scope(request.user, roles=BRANCH_ADMIN)
        .filter(status=MembershipApplication.Status.PENDING)
        .select_related("branch", "member")
        .order_by("created_at", "id")
    )
    page = Paginator(applications, 50).get_page(request.GET.get("page"))
    transfers = (
        Transfer.objects.filter(
            to_branch__in=branches_in_scope(request.user, roles=BRANCH_ADMIN),
            status=Transfer.Status.PENDING,
        )
        .select_related("member", "from_branch", "to_branch")
        .order_by("created_at", "id")[:100]
    )
    return render(
        request,
        "members/staff_applications.html",
        {"page": page, "transfers": transfers, "form": DecisionForm()},
    )


@login_required
@require_POST
def staff_applications_decide(request):
    _staff_or_404(request.user)
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        ids = [int(value) for value in request.POST.getlist("application")]
    except ValueError:
        raise Http404 from None
    if not ids:
        messages.error(request, _("请先勾选要处理的申请。"))
        return redirect("members:staff-applications")
    # Ids outside the staff member's scope answer 404, as if they did not exist.
    in_scope = selectors.applications_in_scope(request.user, roles=BRANCH_ADMIN).filter(pk__in=ids).count()
    if in_scope != len(set(ids)):
        raise Http404
    approve = request.POST.get("decision") == "approve"
    with page_errors(request):
        result = services.applications_decide(
            actor=request.user, application_ids=ids, approve=approve, reason=form.cleaned_data.get("reason", "")
        )
        done_message = _("已批准 %(done)d 份申请。") if approve else _("已退回 %(done)d 份申请。")
        messages.success(request, done_message % result)
        if result["skipped"]:
            messages.info(request, _("%(skipped)d 份申请已由他人处理，已跳过。") % result)
    return redirect("members:staff-applications")


@login_required
@require_POST
def staff_transfer_decide(request, transfer_id):
    _staff_or_404(request.user)
    get_object_or_404(
        Transfer, pk=transfer_id, to_branch__in=branches_in_scope(request.user, roles=BRANCH_ADMIN)
    )
    form = DecisionForm(request.POST)
    form.is_valid()
    with page_errors(request):
        if request.POST.get("decision") == "approve":
            services.transfer_approve(actor=request.user, transfer_id=transfer_id)
            messages.success(request, _("已批准转会。"))
        else:
            services.transfer_reject(
                actor=request.user, transfer_id=transfer_id, reason=form.cleaned_data.get("reason", "")
            )
            messages.success(request, _("已退回转会申请。"))
    return redirect("members:staff-applications")
