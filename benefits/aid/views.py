"""Education aid's pages: the member's (apply for a child, add documents, submit, follow, withdraw, the letter),
the private document view, and the staff's figures of aid granted. Thin doors onto the services."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import page_errors
from core.money import yuan
from core.spreadsheets import spreadsheet_response
from members.id_numbers import mask_id_number
from members.models import Member
from members.selectors import branches_in_scope

from ..models import EducationAidApplication, ReviewState
from ..review import links
from ..review.documents import MAX_DOCUMENT_BYTES, document_response
from ..review.doors import action_post, documents_upload, withdraw_post
from ..review.forms import WithdrawForm
from ..review.transitions import TRANSITIONS, timeline_rows
from . import pdf, selectors, services
from .forms import AidApplicationForm, AidDocumentForm

EDITABLE = (ReviewState.DRAFT, ReviewState.RETURNED)
FORM_FIELDS = ("child_name", "child_id_number", "school", "stage", "entry_year", "basis", "basis_note",
               "other_aid_declared", "other_aid_source", "other_aid_amount", "bank_name", "bank_account",
               "account_holder")


@dataclass(frozen=True)
class FactRow:
    label: str
    text: str


def _own(request, application_id) -> EducationAidApplication:
    return get_object_or_404(selectors.member_applications(request.user), pk=application_id)


def _fact_rows(application: EducationAidApplication) -> list[FactRow]:
    def label(name):
        return str(EducationAidApplication._meta.get_field(name).verbose_name)

    rows = [
        FactRow(label("campaign"), application.campaign.name),
        FactRow(label("child_name"), application.child_name),
        FactRow(label("child_id_number"), mask_id_number(application.child_id_number)),
        FactRow(label("school"), application.school),
        FactRow(label("stage"), str(application.get_stage_display())),
        FactRow(label("entry_year"), str(application.entry_year)),
        FactRow(label("basis"), str(application.get_basis_display())),
    ]
    if application.basis_note:
        rows.append(FactRow(label("basis_note"), application.basis_note))
    if application.other_aid_declared:
        rows.append(FactRow(label("other_aid_source"), application.other_aid_source))
        rows.append(FactRow(label("other_aid_amount"), yuan(application.other_aid_amount)))
    if application.bank_account:
        account = f"{application.bank_name} ****{application.bank_account[-4:]} {application.account_holder}"
        rows.append(FactRow(label("bank_account"), account))
    return rows


@login_required
def aid_list(request):
    member = Member.objects.select_related("branch").filter(user=request.user).first()
    page = Paginator(selectors.member_applications(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "benefits/aid/list.html", {
        "page": page, "campaigns": list(selectors.campaigns_open_for(member)), "is_member": member is not None,
    })


@login_required
def aid_new(request):
    member = Member.objects.select_related("branch").filter(user=request.user).first()
    campaigns = selectors.campaigns_open_for(member)
    form = AidApplicationForm(request.POST or None, campaigns=campaigns,
                              initial={"campaign": request.GET.get("campaign")} if request.method == "GET" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            values = {name: form.cleaned_data.get(name) for name in FORM_FIELDS}
            with page_errors(request, form=form):
                application = services.aid_application_create(
                    actor=request.user, campaign_id=form.cleaned_data["campaign"].pk, values=values)
                messages.success(request, _("草稿已保存，请上传材料后提交。"))
                return redirect("benefits:aid-edit", application.pk)
    return render(request, "benefits/aid/new.html", {"form": form, "campaigns": campaigns}, status=status)


@login_required
def aid_detail(request, application_id):
    application = _own(request, application_id)
    return render(request, "benefits/aid/detail.html", {
        "application": application, "facts": _fact_rows(application),
        "documents": selectors.application_documents(application),
        "timeline": timeline_rows(selectors.application_timeline(application)),
        "editable": application.state in EDITABLE,
        "missing": services.aid_application_missing(application) if application.state in EDITABLE else [],
        "withdrawable": application.state in TRANSITIONS["withdraw"][0], "withdraw_form": WithdrawForm(),
        "has_letter": application.state in pdf.LETTER_STATES,
        "return_items": services.decisions.return_labels(services.AID_REVIEW, application),
        "return_note": (services.decisions.return_note(services.AID_REVIEW, application)
                        if application.state == ReviewState.RETURNED else ""),
    })


@login_required
def aid_edit(request, application_id):
    application = _own(request, application_id)
    if application.state not in EDITABLE:
        messages.error(request, _("该申请当前为“%(state)s”，不能修改。") % {"state": application.get_state_display()})
        return redirect("benefits:aid", application.pk)
    initial = {name: getattr(application, name) for name in FORM_FIELDS}
    initial["other_aid_amount"] = "" if application.other_aid_amount is None else application.other_aid_amount
    form = AidApplicationForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            values = {name: form.cleaned_data.get(name) for name in FORM_FIELDS}
            with page_errors(request, form=form):
                services.aid_application_update(actor=request.user, application_id=application.pk, values=values)
                messages.success(request, _("已保存。"))
                return redirect("benefits:aid", application.pk)
    checklist = selectors.document_checklist(application)
    return render(request, "benefits/aid/edit.html", {
        "application": application, "form": form, "documents": selectors.application_documents(application),
        "checklist": checklist, "max_document_bytes": MAX_DOCUMENT_BYTES,
        "document_form": AidDocumentForm(initial_kind=next((c.kind for c in checklist if not c.present), None)),
    }, status=status)


@login_required
@require_POST
def aid_document_upload(request, application_id):
    application = _own(request, application_id)
    return documents_upload(
        request, form_class=AidDocumentForm, document_route="benefits:aid-document",
        add=lambda **batch: services.aid_documents_add(actor=request.user, application_id=application.pk, **batch),
        remove_url=lambda document: reverse("benefits:aid-document-remove", args=[application.pk, document.token]),
        checklist=lambda: selectors.document_checklist(application),
        back=reverse("benefits:aid-edit", args=[application.pk]),
    )


@login_required
@require_POST
def aid_document_remove(request, application_id, token):
    application = _own(request, application_id)
    return action_post(request, done=_("材料已移除。"), back=reverse("benefits:aid-edit", args=[application.pk]),
                       run=lambda: services.aid_document_remove(actor=request.user, application_id=application.pk,
                                                                token=token))


@login_required
@require_POST
def aid_submit(request, application_id):
    application = _own(request, application_id)
    return action_post(request, done=_("申请已提交，将由基层工会和上级工会审核，每一步都会通知您。"),
                       back=reverse("benefits:aid", args=[application.pk]),
                       run=lambda: services.aid_application_submit(actor=request.user, application_id=application.pk))


@login_required
@require_POST
def aid_withdraw(request, application_id):
    application = _own(request, application_id)
    return withdraw_post(request, back=reverse("benefits:aid", args=[application.pk]),
                         withdraw=lambda message: services.aid_application_withdraw(
                             actor=request.user, application_id=application.pk, message=message))


@login_required
def aid_letter(request, application_id):
    """The decision letter (PDF): to the member and to reviewers or finance over the application's branch."""
    application = (EducationAidApplication.objects.filter(pk=application_id)
                   .select_related("member", "branch", "campaign__federation").first())
    if application is None or application.state not in pdf.LETTER_STATES:
        raise Http404
    staff = branches_in_scope(request.user, roles=[*selectors.REVIEWER_ROLES, *selectors.FINANCE_ROLES])
    if application.member.user_id != request.user.pk and not staff.filter(pk=application.branch_id).exists():
        raise Http404
    response = HttpResponse(pdf.aid_letter_pdf(application), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="aid-decision-{application.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def aid_document(request, token):
    """An education-aid document, to its member and to staff over the application's branch, checked each time (an
    app opens it with the link the API signed for its user, `?sig=`)."""
    user = request.user
    if "sig" in request.GET:
        user = links.document_link_user(token=token, signature=request.GET["sig"])
    document = selectors.document_for(user, token)
    if document is None:
        raise Http404
    return document_response(document, download=request.GET.get("download") == "1")


FIGURE_HEADER = [_("年度"), _("基层工会"), _("就读阶段"), _("资助人数"), _("资助金额（元）")]


@login_required
def aid_figures(request):
    """Aid approved or paid per year, school stage and base union over the user's scope; CSV or XLSX with
    ?format=."""
    if not branches_in_scope(request.user, roles=selectors.FIGURE_ROLES).exists():
        raise Http404
    raw_year = request.GET.get("year", "")
    year = int(raw_year) if raw_year.isascii() and raw_year.isdigit() and 2000 <= int(raw_year) <= 2100 else None
    bad_year = bool(raw_year) and year is None
    figures = selectors.aid_granted_figures(request.user, year=year)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        rows = [[f.year, f.branch_name, f.stage_label, f.granted, f.amount] for f in figures]
        return spreadsheet_response(fmt=fmt, filename=f"education-aid-{year or 'all'}", sheet=_("助学资助"),
                                    header=[str(h) for h in FIGURE_HEADER], rows=rows)
    total_granted = sum(f.granted for f in figures)
    total_amount = sum((f.amount for f in figures), start=0)
    return render(request, "benefits/aid/figures.html", {
        "figures": figures, "year": year, "bad_year": bad_year, "total_granted": total_granted,
        "total_amount": total_amount,
    })
