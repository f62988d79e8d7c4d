"""The member's doors every kind of reviewed application shares: the document upload (several files at once, a
JSON answer for the upload script or page messages without it), a posted action with its message, withdrawing."""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import page_errors

from .documents import DocumentsAdded
from .forms import WithdrawForm
from .transitions import ReviewError


def wants_json(request) -> bool:
    # The upload script (static/benefits/claim_upload.js) asks for JSON to show each file's result in place; a
    # form posted without the script gets the page back with a message per file.
    return request.headers.get("Accept", "").startswith("application/json")


def upload_messages(request, result: DocumentsAdded | None, error: str | None) -> None:
    """What became of each file of a batch posted without the upload script, as page messages."""
    if error:
        messages.error(request, error)
        return
    for refused in result.refused:
        messages.error(request, _("“%(name)s”未上传：%(reason)s") % {"name": refused.name, "reason": refused.message})
    if result.added:
        count = len(result.added)
        messages.success(request, ngettext("已上传 %(count)d 个文件。", "已上传 %(count)d 个文件。", count)
                         % {"count": count})


def documents_upload(request, *, form_class, document_route: str, add, remove_url, checklist, back: str):
    """The upload door of every application (a claim, a stay, an education-aid application): `form_class` reads
    the kind and files, `add(kind=, uploads=)` stores the batch (e.g. a claim's `documents_add`),
    `remove_url(document)` and `checklist()` describe the owner afterwards, `document_route` serves a document.
    The upload script gets JSON with each file's result; a form posted without it gets `back` with a message per
    file."""
    form = form_class(request.POST, request.FILES)
    result, error = None, None
    if not form.is_valid():
        error = _("请选择材料种类和文件。")
    else:
        try:
            result = add(kind=form.cleaned_data["kind"], uploads=form.cleaned_data["file"])
        except ReviewError as e:  # the message goes into the upload's own answer, not a form
            error = e.message
    if not wants_json(request):
        upload_messages(request, result, error)
        return redirect(back)
    added = result.added if result else []
    refused = result.refused if result else []
    return JsonResponse({
        "error": error,
        "added": [{
            "name": document.original_name, "kind": document.kind, "label": document.get_kind_display(),
            "size": filesizeformat(document.size),
            "url": reverse(document_route, args=[document.token]),
            "remove_url": remove_url(document),
        } for document in added],
        "refused": [{"name": item.name, "message": item.message} for item in refused],
        "checklist": [{"kind": item.kind, "present": item.present} for item in checklist()],
    }, status=200 if added or not (error or refused) else 400)


def action_post(request, *, run, done: str, back: str):
    """A member's posted action on their application (submit, remove a document): `run()` calls the service; its
    refusal or `done` is said on `back`, where the member goes again."""
    with page_errors(request):
        run()
        messages.success(request, done)
    return redirect(back)


def withdraw_post(request, *, withdraw, back: str):
    """Withdrawing, confirmed with the form's tick: `withdraw(message=...)` calls the kind's service."""
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(back)
    return action_post(request, run=lambda: withdraw(message=form.cleaned_data["message"]), done=_("申请已撤回。"),
                       back=back)
