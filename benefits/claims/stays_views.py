"""The member's hospital-stay pages (住院申请): enter a stay once, upload its documents once, submit its lines
together. Thin doors onto benefits.claims.stays; each line is then an ordinary claim with its own page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import page_errors
from members.models import Member

from ..models import Claim, ClaimStay
from ..review.doors import documents_upload
from . import selectors, services, stays
from .forms import ClaimDocumentForm, StayFactsForm


def _own_stay(request, stay_id) -> ClaimStay:
    return get_object_or_404(selectors.member_stays(request.user), pk=stay_id)


def _payee_initial(user) -> dict:
    member = Member.objects.filter(user=user).only("pk").first()
    return (selectors.member_payout_account(member.pk) or {}) if member else {}


@login_required
def stay_new(request):
    enrolments = (selectors.member_claimable_enrolments(request.user)
                  .filter(tier__rules__kind__in=stays.STAY_KINDS).distinct())
    form = StayFactsForm(request.POST or None, enrolments=enrolments, initial=_payee_initial(request.user))
    status = 200
    if request.method == "POST" and form.is_valid():
        facts = {name: value for name, value in form.cleaned_data.items() if name != "enrolment"}
        with page_errors(request, form=form) as outcome:
            stay = stays.stay_create(actor=request.user, enrolment_id=form.cleaned_data["enrolment"].pk, facts=facts)
            messages.success(request, _("已按住院情况生成申请，请上传材料后一并提交。"))
            return redirect("benefits:stay", stay.pk)
        if outcome.error:
            status = 400
    elif request.method == "POST":
        status = 400
    return render(request, "benefits/claims/stay_new.html", {"form": form, "enrolments": enrolments}, status=status)


def _facts_initial(lines: list[Claim]) -> dict:
    facts = stays.stay_facts(lines)
    facts["invoice_numbers"] = ", ".join(facts.get("invoice_numbers") or [])
    return {name: ("" if value is None else value) for name, value in facts.items()}


def stay_checklist(lines: list[Claim]) -> list[selectors.DocumentCheck]:
    """The documents the lines' kinds require, each once, ticked when every line holding it has a file of it (the
    stay's uploads go to every line, so they tick together)."""
    merged: dict[str, selectors.DocumentCheck] = {}
    for line in lines:
        for item in selectors.claim_document_checklist(line):
            seen = merged.get(item.kind)
            merged[item.kind] = item if seen is None else selectors.DocumentCheck(
                kind=item.kind, label=item.label, present=seen.present and item.present)
    return list(merged.values())


@login_required
def stay_detail(request, stay_id):
    stay = _own_stay(request, stay_id)
    lines = selectors.stay_lines(stay)
    live = [line for line in lines if line.state != Claim.State.WITHDRAWN]
    editable = bool(live) and all(line.state == Claim.State.DRAFT for line in live)
    form = None
    status = 200
    if editable:
        form = StayFactsForm(request.POST or None, initial=_facts_initial(live))
        if request.method == "POST" and form.is_valid():
            with page_errors(request, form=form) as outcome:
                stays.stay_update(actor=request.user, stay_id=stay.pk, facts=form.cleaned_data)
                messages.success(request, _("已保存，各项申请一并更新。"))
                return redirect("benefits:stay", stay.pk)
            if outcome.error:
                status = 400
        elif request.method == "POST":
            status = 400
    elif request.method == "POST":
        messages.error(request, _("这次住院的申请已经提交，不能再一并修改；请在各项申请中分别补充。"))
        return redirect("benefits:stay", stay.pk)
    checklist = stay_checklist(live) if editable else []
    facts = stays.stay_facts(live or lines)
    refused = [choice for choice in stays.stay_line_choices(stay.enrolment, facts)
               if choice.refusal and choice.kind not in {line.kind for line in live}]
    return render(request, "benefits/claims/stay.html", {
        "stay": stay, "lines": [(line, services.claim_preview(line)) for line in lines], "refused": refused,
        "editable": editable, "form": form, "checklist": checklist, "live_count": len(live),
        "documents": selectors.stay_documents(live or lines),
        "missing": stays.stay_missing(live) if editable else [],
        "document_form": ClaimDocumentForm(initial_kind=next((c.kind for c in checklist if not c.present), None)),
        "max_document_bytes": services.MAX_DOCUMENT_BYTES,
    }, status=status)


@login_required
@require_POST
def stay_document_upload(request, stay_id):
    """Files of one kind for the whole stay: stored once, on every line."""
    stay = _own_stay(request, stay_id)
    return documents_upload(
        request, form_class=ClaimDocumentForm, document_route="benefits:claim-document",
        add=lambda **batch: stays.stay_documents_add(actor=request.user, stay_id=stay.pk, **batch),
        remove_url=lambda document: reverse("benefits:stay-document-remove", args=[stay.pk, document.token]),
        checklist=lambda: stay_checklist(selectors.stay_lines(stay, withdrawn=False)),
        back=reverse("benefits:stay", args=[stay.pk]),
    )


@login_required
@require_POST
def stay_document_remove(request, stay_id, token):
    stay = _own_stay(request, stay_id)
    with page_errors(request):
        stays.stay_document_remove(actor=request.user, stay_id=stay.pk, token=token)
        messages.success(request, _("材料已移除。"))
    return redirect("benefits:stay", stay.pk)


@login_required
@require_POST
def stay_submit(request, stay_id):
    stay = _own_stay(request, stay_id)
    with page_errors(request):
        stays.stay_submit(actor=request.user, stay_id=stay.pk)
        messages.success(request, _("这次住院的各项申请已一并提交，系统核算后将交由工会审核。"))
    return redirect("benefits:stay", stay.pk)
