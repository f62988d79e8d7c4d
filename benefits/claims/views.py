"""The member's claim pages, the private document view and decision letters: thin doors onto the services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import page_errors
from members.models import Member
from members.selectors import branches_in_scope

from .. import letters
from ..models import BenefitRule, Claim, Disease
from ..review import links
from ..review.documents import document_response
from ..review.doors import action_post, documents_upload, withdraw_post
from . import pdf, selectors, services
from .forms import ClaimDocumentForm, ClaimFactsForm, ClaimStartForm, ClaimWithdrawForm

EDITABLE = (Claim.State.DRAFT, Claim.State.RETURNED)


def _own_claim(request, claim_id) -> Claim:
    return get_object_or_404(selectors.member_claims(request.user), pk=claim_id)


def _diseases_for(claim: Claim) -> list[tuple[str, str]]:
    rule = BenefitRule.objects.filter(tier_id=claim.enrolment.tier_id, kind=claim.kind).first()
    if rule is None or rule.disease_list_id is None:
        return []
    return list(Disease.objects.filter(disease_list_id=rule.disease_list_id).values_list("code", "name"))


def _facts_initial(claim: Claim) -> dict:
    initial = {name: getattr(claim, name) for name in services.fields_for_kind(claim.kind)}
    if "invoice_numbers" in initial:
        initial["invoice_numbers"] = ", ".join(claim.invoice_numbers)
    return {k: ("" if v is None else v) for k, v in initial.items()}


@login_required
def claim_list(request):
    page = Paginator(selectors.member_claims(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "benefits/claims/list.html", {"page": page})


@login_required
def claim_new(request):
    enrolments = selectors.member_claimable_enrolments(request.user)
    form = ClaimStartForm(request.POST or None, enrolments=enrolments)
    if request.method == "POST" and form.is_valid():
        with page_errors(request):
            claim = services.claim_create(actor=request.user, enrolment_id=form.cleaned_data["enrolment"].pk,
                                        kind=form.cleaned_data["kind"])
            messages.success(request, _("草稿已创建，请填写申请内容并上传材料。"))
            return redirect("benefits:claim-edit", claim.pk)
    status = 400 if request.method == "POST" else 200
    member = Member.objects.filter(user=request.user).only("pk").first()
    account = selectors.member_payout_account(member.pk) if member else None
    payee = {**account, "bank_account": f"****{account['bank_account'][-4:]}"} if account else None
    return render(request, "benefits/claims/new.html", {"form": form, "enrolments": enrolments, "payee": payee},
                  status=status)


@login_required
def claim_detail(request, claim_id):
    claim = _own_claim(request, claim_id)
    return render(request, "benefits/claims/detail.html", {
        "claim": claim, "documents": selectors.claim_documents(claim),
        "timeline": services.timeline_rows(selectors.claim_timeline(claim)),
        "missing": services.claim_missing(claim) if claim.state in EDITABLE else [],
        "editable": claim.state in EDITABLE, "withdrawable": claim.state in services.TRANSITIONS["withdraw"][0],
        "facts": services.fact_rows(claim),
        "withdraw_form": ClaimWithdrawForm(),
        "has_letter": claim.state in pdf.LETTER_STATES,
        "preview": services.claim_preview(claim),
        "return_items": services.return_item_labels(claim),
        "return_note": services.claim_return_note(claim) if claim.state == Claim.State.RETURNED else "",
        "expected_decision": services.claim_expected_decision(claim),
    })


@login_required
def claim_edit(request, claim_id):
    claim = _own_claim(request, claim_id)
    if claim.state not in EDITABLE:
        messages.error(request, _("该申请当前为“%(state)s”，不能修改。") % {"state": claim.get_state_display()})
        return redirect("benefits:claim", claim.pk)
    if claim.stay_id is not None and claim.state == Claim.State.DRAFT:
        return redirect("benefits:stay", claim.stay_id)  # a stay's drafts are changed together, on its page
    form = ClaimFactsForm(request.POST or None, kind=claim.kind, diseases=_diseases_for(claim),
                          initial=_facts_initial(claim))
    status = 200
    if request.method == "POST" and form.is_valid():
        with page_errors(request, form=form) as outcome:
            services.claim_update(actor=request.user, claim_id=claim.pk, facts=form.cleaned_data)
            messages.success(request, _("已保存。"))
            return redirect("benefits:claim", claim.pk)
        if outcome.error:
            status = 400
    elif request.method == "POST":
        status = 400
    checklist = selectors.claim_document_checklist(claim)
    return render(request, "benefits/claims/edit.html", {
        "claim": claim, "form": form, "documents": selectors.claim_documents(claim), "checklist": checklist,
        # The picker starts on the first document still missing, so a member working down the list rarely changes it.
        "document_form": ClaimDocumentForm(initial_kind=next((c.kind for c in checklist if not c.present), None)),
        "max_document_bytes": services.MAX_DOCUMENT_BYTES,
    }, status=status)


@login_required
@require_POST
def claim_document_upload(request, claim_id):
    """One file or several of one kind (a phone's picker hands over many at once); each is kept or refused on its
    own, with its name in the message."""
    claim = _own_claim(request, claim_id)
    return documents_upload(
        request, form_class=ClaimDocumentForm, document_route="benefits:claim-document",
        add=lambda **batch: services.documents_add(actor=request.user, claim_id=claim.pk, **batch),
        remove_url=lambda document: reverse("benefits:claim-document-remove", args=[claim.pk, document.token]),
        checklist=lambda: selectors.claim_document_checklist(claim),
        # Back to the page's top, where the messages say what became of each file.
        back=reverse("benefits:claim-edit", args=[claim.pk]),
    )


@login_required
@require_POST
def claim_document_remove(request, claim_id, token):
    claim = _own_claim(request, claim_id)
    # Back to the page's top: the messages say what became of each file.
    return action_post(request, done=_("材料已移除。"), back=reverse("benefits:claim-edit", args=[claim.pk]),
                       run=lambda: services.document_remove(actor=request.user, claim_id=claim.pk, token=token))


@login_required
@require_POST
def claim_submit(request, claim_id):
    claim = _own_claim(request, claim_id)
    return action_post(request, done=_("申请已提交，系统核算后将交由工会审核。"),
                       back=reverse("benefits:claim", args=[claim.pk]),
                       run=lambda: services.claim_submit(actor=request.user, claim_id=claim.pk))


@login_required
@require_POST
def claim_withdraw(request, claim_id):
    claim = _own_claim(request, claim_id)
    return withdraw_post(request, back=reverse("benefits:claim", args=[claim.pk]),
                         withdraw=lambda message: services.claim_withdraw(actor=request.user, claim_id=claim.pk,
                                                                          message=message))


def _claim_for_letter(user, claim_id) -> Claim:
    if not user.is_authenticated:
        raise Http404
    claim = Claim.objects.filter(pk=claim_id).select_related(
        "member", "branch", "enrolment__plan__federation", "enrolment__tier"
    ).first()
    if claim is None:
        raise Http404
    if claim.member.user_id == user.pk:
        return claim
    if branches_in_scope(user, roles=selectors.DOCUMENT_ROLES).filter(pk=claim.branch_id).exists():
        return claim
    raise Http404


def claim_letter(request, claim_id):
    """The decision letter (PDF) of an approved, paid or rejected claim: to its member and reviewers only."""
    claim = _claim_for_letter(request.user, claim_id)
    if claim.state not in pdf.LETTER_STATES:
        raise Http404
    response = HttpResponse(pdf.decision_letter_pdf(claim), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="decision-{claim.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def document_view(request, token):
    """A claim document, to its member and to reviewers over the claim's branch, checked on every request.
    The URL holds a random token; the file lives outside any public URL. An app opens it with the link the API
    signed for its user (`?sig=`, short-lived); a browser with its session."""
    user = request.user
    if "sig" in request.GET:
        user = links.document_link_user(token=token, signature=request.GET["sig"])
    document = selectors.document_for(user, token)
    if document is None:
        raise Http404
    return document_response(document, download=request.GET.get("download") == "1")


def letter_verify(request, token):
    """The public check behind the QR code of a decision letter or receipt: what the paper should say (number,
    masked name, amount, decision, date, issuer), or that the code is not one the portal printed. No account."""
    check = letters.letter_check(token)
    response = render(request, "benefits/letter_verify.html", {"check": check}, status=200 if check else 404)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
