"""Pages of the hardship register: the member's (file, follow, household, documents) and the branch staff's (list,
family page with its actions, notices, care visits due, statistics). Thin doors onto the services; a family outside
the staff member's scope answers 404, a signed-in person with no hardship role 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import page_errors
from members.models import Member
from members.organisation.personal_data import personal_data_reveal

from ..models import HardshipFamily
from ..review import links
from ..review.documents import document_response
from . import exports, forms, selectors, services

S = HardshipFamily.Status


def _member_of(request) -> Member | None:
    return Member.objects.filter(user=request.user).select_related("branch").first()


# --- the member ----------------------------------------------------------------------------------------------


def _mine_render(request, family, *, status: int = 200, **overrides):
    context = {
        "family": family,
        "page": selectors.family_page(family, viewer=request.user, for_staff=False) if family else None,
        "household_form": forms.HouseholdMemberForm(),
        "document_form": forms.HardshipDocumentForm(),
        "leave_form": forms.LeaveForm(),
        "update_form": forms.FamilyFileForm(initial=_figures(family), prefix="update") if family else None,
        "can_file": family is None or family.status == S.LEFT,
        "member": _member_of(request),
    }
    context.update(overrides)
    return render(request, "benefits/hardship/mine.html", context, status=status)


@login_required
def mine(request):
    return _mine_render(request, selectors.family_of_user(request.user))


@login_required
def family_file(request):
    member = _member_of(request)
    form = forms.FamilyFileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if member is None:
            form.add_error(None, _("您还不是会员，入会后可以登记困难职工档案。"))
        else:
            with page_errors(request, form=form):
                services.family_file(actor=request.user, member_id=member.pk, **form.cleaned_data)
                messages.success(request, _("已提交困难职工档案登记，工会将安排入户走访。"))
                return redirect("benefits:hardship")
    status = 400 if request.method == "POST" else 200
    return render(request, "benefits/hardship/file.html", {"form": form, "member": member}, status=status)


def _figures(family) -> dict:
    return {"cause": family.cause, "monthly_income": family.monthly_income,
            "household_size": family.household_size, "situation": family.situation}


@login_required
@require_POST
def family_update(request):
    family = _own_family_or_404(request)
    form = forms.FamilyFileForm(request.POST, prefix="update")
    if form.is_valid():
        with page_errors(request, form=form) as page:
            services.family_update(actor=request.user, family_id=family.pk, **form.cleaned_data)
        if page.error is None:
            messages.success(request, _("已修改家庭情况。"))
            return redirect("benefits:hardship")
    return _mine_render(request, family, status=400, update_form=form)


def _own_family_or_404(request) -> HardshipFamily:
    family = selectors.family_of_user(request.user)
    if family is None:
        raise Http404
    return family


@login_required
@require_POST
def household_add(request):
    family = _own_family_or_404(request)
    form = forms.HouseholdMemberForm(request.POST)
    if form.is_valid():
        with page_errors(request, form=form) as page:
            services.household_member_add(actor=request.user, family_id=family.pk, **form.cleaned_data)
        if page.error is None:
            messages.success(request, _("已添加家庭成员。"))
            return redirect("benefits:hardship")
    return _mine_render(request, family, status=400, household_form=form)


@login_required
@require_POST
def household_remove(request, person_id):
    family = _own_family_or_404(request)
    with page_errors(request):
        services.household_member_remove(actor=request.user, family_id=family.pk, person_id=person_id)
        messages.success(request, _("已移除家庭成员。"))
    return redirect("benefits:hardship")


def _upload(request, family, *, back):
    form = forms.HardshipDocumentForm(request.POST, request.FILES)
    if form.is_valid():
        with page_errors(request, form=form) as page:
            result = services.documents_add(actor=request.user, family_id=family.pk, kind=form.cleaned_data["kind"],
                                            uploads=form.cleaned_data["file"])
        if page.error is None:
            for refused in result.refused:
                messages.error(request, f"{refused.name}: {refused.message}")
            if result.added:
                messages.success(request, _("已上传 %(count)s 个文件。") % {"count": len(result.added)})
            return redirect(back), None
    return None, form


@login_required
@require_POST
def document_upload(request):
    family = _own_family_or_404(request)
    response, form = _upload(request, family, back="benefits:hardship")
    return response or _mine_render(request, family, status=400, document_form=form)


@login_required
@require_POST
def document_remove(request, token):
    family = _own_family_or_404(request)
    with page_errors(request):
        services.document_remove(actor=request.user, family_id=family.pk, token=token)
        messages.success(request, _("已移除材料。"))
    return redirect("benefits:hardship")


@login_required
@require_POST
def family_leave(request):
    family = _own_family_or_404(request)
    form = forms.LeaveForm(request.POST)
    if form.is_valid():
        with page_errors(request, form=form) as page:
            services.family_leave(actor=request.user, family_id=family.pk, reason=form.cleaned_data["reason"])
        if page.error is None:
            messages.success(request, _("档案已撤回或退出。"))
            return redirect("benefits:hardship")
    return _mine_render(request, family, status=400, leave_form=form)


def document_view(request, token):
    """A family's document, to its member and to staff with a hardship role over the member's branch; checked on
    every request, served as someone else's content (never run as a page of the portal). An app opens it with the
    link the API signed for its user (`?sig=`)."""
    user = request.user
    if "sig" in request.GET:
        user = links.document_link_user(token=token, signature=request.GET["sig"])
    document = selectors.document_for(user, token)
    if document is None:
        raise Http404
    return document_response(document, download=request.GET.get("download") == "1")


# --- staff ---------------------------------------------------------------------------------------------------


def _staff_scope(request):
    branches = selectors.hardship_branches(request.user)
    if not branches.exists():
        raise PermissionDenied
    return branches


def _staff_family_or_404(request, family_id) -> HardshipFamily:
    _staff_scope(request)
    family = selectors.family_for_staff(request.user, family_id)
    if family is None:
        raise Http404
    return family


def _staff_url(family) -> str:
    return reverse("benefits:hardship-staff-family", args=[family.pk])


@login_required
def staff_list(request):
    branches = _staff_scope(request).order_by("path")
    form = forms.FamilyFilterForm(request.GET or None, branches=branches, statuses=S.choices)
    data = form.cleaned_data if form.is_valid() else {}
    branch = data.get("branch")
    rows = selectors.family_list(
        request.user, status=data.get("status", ""), level=data.get("level", ""), cause=data.get("cause", ""),
        branch_id=int(branch) if branch else None, recheck_due=request.GET.get("recheck") == "1",
        query=(data.get("q") or "").strip(),
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "benefits/hardship/staff_list.html", {
        "form": form, "page": page, "query": query.urlencode(),
    })


@login_required
def staff_file(request):
    _staff_scope(request)
    form = forms.StaffFileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        number = data.pop("member_number").strip()
        member = selectors.members_in_scope(request.user).filter(member_number=number).first()
        if member is None:
            form.add_error("member_number", _("在您管理的工会中找不到这个会员号。"))
        else:
            with page_errors(request, form=form):
                family = services.family_file(actor=request.user, member_id=member.pk, **data)
                messages.success(request, _("已为 %(name)s 登记困难职工档案。") % {"name": member.name})
                return redirect(_staff_url(family))
    status = 400 if request.method == "POST" else 200
    return render(request, "benefits/hardship/staff_file.html", {"form": form}, status=status)


def _staff_family_render(request, family, *, status: int = 200, **overrides):
    page = selectors.family_page(family, viewer=request.user, for_staff=True)
    if page.full_data:
        personal_data_reveal(actor=request.user, member=family.member, where="benefits.hardship.staff_family")
    context = {
        "family": family, "page": page,
        "own_family": family.member.user_id == request.user.pk,
        "visit_form": forms.HomeVisitForm(),
        "objection_form": forms.ObjectionForm(),
        "resolve_form": forms.ObjectionResolveForm(),
        "confirm_form": forms.ConfirmForm(initial={"level": family.level or None}),
        "recheck_form": forms.RecheckForm(initial={
            "monthly_income": family.monthly_income, "household_size": family.household_size, "level": family.level,
        }),
        "leave_form": forms.LeaveForm(),
        "care_form": forms.CareVisitPlanForm(),
        "care_done_form": forms.CareVisitDoneForm(),
        "household_form": forms.HouseholdMemberForm(),
        "document_form": forms.HardshipDocumentForm(),
        "update_form": forms.FamilyFileForm(initial=_figures(family), prefix="update"),
    }
    context.update(overrides)
    return render(request, "benefits/hardship/staff_family.html", context, status=status)


@login_required
def staff_family(request, family_id):
    return _staff_family_render(request, _staff_family_or_404(request, family_id))


def _staff_action(request, family_id, *, form_class, form_name: str, run, done: str, files: bool = False):
    """A staff action on the family page: parse the form, run the service, back to the page with a message; on an
    error the page again with the form's messages (400), nothing saved."""
    family = _staff_family_or_404(request, family_id)
    form = form_class(request.POST, request.FILES if files else None)
    if form.is_valid():
        with page_errors(request, form=form) as page:
            run(family, form.cleaned_data)
        if page.error is None:
            messages.success(request, done)
            return redirect(_staff_url(family))
        family = selectors.family_for_staff(request.user, family_id)
    return _staff_family_render(request, family, status=400, failed_form=form, **{form_name: form})


@login_required
@require_POST
def staff_visit(request, family_id):
    return _staff_action(
        request, family_id, form_class=forms.HomeVisitForm, form_name="visit_form", files=True,
        run=lambda family, data: services.home_visit_record(actor=request.user, family_id=family.pk, **data),
        done=_("已记录入户走访。"),
    )


@login_required
@require_POST
def staff_notice(request, family_id):
    return _staff_action(
        request, family_id, form_class=forms.NoticeForm, form_name="notice_form",
        run=lambda family, data: services.notice_start(actor=request.user, family_id=family.pk),
        done=_("已开始公示。"),
    )


@login_required
@require_POST
def staff_objection(request, family_id):
    return _staff_action(
        request, family_id, form_class=forms.ObjectionForm, form_name="objection_form",
        run=lambda family, data: services.objection_record(actor=request.user, family_id=family.pk, **data),
        done=_("已记录公示异议。"),
    )


@login_required
@require_POST
def staff_objection_resolve(request, family_id, objection_id):
    return _staff_action(
        request, family_id, form_class=forms.ObjectionResolveForm, form_name="resolve_form",
        run=lambda family, data: services.objection_resolve(actor=request.user, objection_id=objection_id, **data)
        if family.objections.filter(pk=objection_id).exists() else _not_found(),
        done=_("已记录异议处理情况。"),
    )


def _not_found():
    raise Http404


@login_required
@require_POST
def staff_confirm(request, family_id):
    return _staff_action(
        request, family_id, form_class=forms.ConfirmForm, form_name="confirm_form",
        run=lambda family, data: services.family_confirm(actor=request.user, family_id=family.pk, **data),
        done=_("已确认建档。"),
    )


@login_required
@require_POST
def staff_recheck(request, family_id):
    return _staff_action(
        request, family_id, form_class=forms.RecheckForm, form_name="recheck_form",
        run=lambda family, data: services.family_recheck(actor=request.user, family_id=family.pk, **data),
        done=_("已完成年度复核。"),
    )


@login_required
@require_POST
def staff_leave(request, family_id):
    return _staff_action(
        request, family_id, form_class=forms.LeaveForm, form_name="leave_form",
        run=lambda family, data: services.family_leave(actor=request.user, family_id=family.pk, **data),
        done=_("档案已退出困难职工档案库。"),
    )


@login_required
@require_POST
def staff_update(request, family_id):
    return _staff_action(
        request, family_id, form_class=lambda *args: forms.FamilyFileForm(*args, prefix="update"),
        form_name="update_form",
        run=lambda family, data: services.family_update(actor=request.user, family_id=family.pk, **data),
        done=_("已修改家庭情况。"),
    )


@login_required
@require_POST
def staff_household_add(request, family_id):
    return _staff_action(
        request, family_id, form_class=forms.HouseholdMemberForm, form_name="household_form",
        run=lambda family, data: services.household_member_add(actor=request.user, family_id=family.pk, **data),
        done=_("已添加家庭成员。"),
    )


@login_required
@require_POST
def staff_document_upload(request, family_id):
    family = _staff_family_or_404(request, family_id)
    response, form = _upload(request, family, back=_staff_url(family))
    return response or _staff_family_render(request, family, status=400, failed_form=form, document_form=form)


@login_required
@require_POST
def staff_care_plan(request, family_id):
    return _staff_action(
        request, family_id, form_class=forms.CareVisitPlanForm, form_name="care_form",
        run=lambda family, data: services.care_visit_plan(actor=request.user, family_id=family.pk, **data),
        done=_("已安排帮扶走访。"),
    )


@login_required
@require_POST
def staff_care_done(request, family_id, visit_id):
    return _staff_action(
        request, family_id, form_class=forms.CareVisitDoneForm, form_name="care_done_form",
        run=lambda family, data: services.care_visit_record(actor=request.user, visit_id=visit_id, **data)
        if family.care_visits.filter(pk=visit_id).exists() else _not_found(),
        done=_("已记录帮扶走访。"),
    )


@login_required
def staff_notices(request):
    _staff_scope(request)
    return render(request, "benefits/hardship/notices.html", {"rows": selectors.notices_in_scope(request.user)})


@login_required
def staff_care_due(request):
    _staff_scope(request)
    return render(request, "benefits/hardship/care_due.html", {
        "visits": list(selectors.care_visits_due(request.user)), "days": selectors.CARE_DUE_DAYS,
    })


@login_required
def staff_statistics(request):
    _staff_scope(request)
    return render(request, "benefits/hardship/statistics.html", {"stats": selectors.statistics(request.user)})


@login_required
def staff_statistics_xlsx(request):
    _staff_scope(request)
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    exports.statistics_xlsx(selectors.statistics(request.user), stream=response)
    response["Content-Disposition"] = 'attachment; filename="hardship-families.xlsx"'
    return response


@login_required
def staff_statistics_csv(request):
    _staff_scope(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    exports.statistics_csv(selectors.statistics(request.user), out=response)
    response["Content-Disposition"] = 'attachment; filename="hardship-families.csv"'
    return response
