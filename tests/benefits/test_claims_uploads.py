"""Claim documents as phones send them: album, camera or files; several at once; a checklist of what the claim's
kind requires that ticks as files arrive; the answer the upload script reads (JSON). Personas: the member who owns
the claim, another member (an outsider to it), the signed-out visitor."""

import re

import pytest
from django.urls import reverse

from benefits.claims import selectors
from benefits.claims import services as claims
from benefits.models import Claim, ClaimDocument
from tests.benefits.claims_helpers import PDF_BYTES, draft_stay, jpeg_with_gps, png_bytes, submitted_stay, upload

pytestmark = pytest.mark.django_db
EXECUTABLE = b"MZ\x90\x00" * 100
JSON = {"HTTP_ACCEPT": "application/json"}


def edit_url(claim):
    return reverse("benefits:claim-edit", args=[claim.pk])


def upload_url(claim):
    return reverse("benefits:claim-document-upload", args=[claim.pk])


def checklist_of(page: str) -> dict[str, bool]:
    """The checklist as the member sees it: each required kind and whether it is ticked."""
    items = re.findall(r'<li data-kind="(\w+)"( class="present")?>', page)
    return {kind: bool(present) for kind, present in items}


# --- the picker -------------------------------------------------------------------------------------------------


def test_the_member_picks_from_album_camera_or_files_several_at_once(client, claim_world):
    claim = draft_stay(claim_world)
    client.force_login(claim_world.claimant.user)
    page = client.get(edit_url(claim)).content.decode()
    field = re.search(r'<input type="file"[^>]*>', page).group(0)
    assert "capture" not in field  # the camera only, no album, no PDF
    assert 'accept="image/*,application/pdf"' in field
    assert "multiple" in field
    # The script is a file of the portal's own, under the page's Content-Security-Policy (no inline script).
    assert re.search(r'<script src="/static/benefits/claim_upload[^"]*\.js" defer>', page)
    assert "<script>" not in page


def test_the_checklist_shows_what_the_kind_requires_and_ticks_on_reload(client, claim_world):
    claim = draft_stay(claim_world)
    client.force_login(claim_world.claimant.user)
    page = client.get(edit_url(claim)).content.decode()
    assert checklist_of(page) == {"invoice": False, "discharge_summary": False}
    assert "医疗费用发票" in page and "出院小结" in page
    # The picker starts on the first document still missing.
    assert re.search(r'<option value="invoice" selected>', page)

    client.post(upload_url(claim), {"kind": "invoice", "file": upload(PDF_BYTES, "发票.pdf")})
    page = client.get(edit_url(claim)).content.decode()
    assert checklist_of(page) == {"invoice": True, "discharge_summary": False}
    assert re.search(r'<option value="discharge_summary" selected>', page)


# --- several files in one post, without the script ----------------------------------------------------------------


def test_several_files_in_one_post_keep_the_good_ones_and_name_each_refused_file(client, claim_world):
    claim = draft_stay(claim_world)
    client.force_login(claim_world.claimant.user)
    response = client.post(upload_url(claim), {"kind": "invoice", "file": [
        upload(PDF_BYTES, "电子发票.pdf"), upload(jpeg_with_gps(), "发票照片.jpg"),
        upload(EXECUTABLE, "invoice.exe.jpg"),
    ]})
    assert response.status_code == 302 and response["Location"] == edit_url(claim)
    assert sorted(claim.documents.values_list("original_name", flat=True)) == ["发票照片.jpg", "电子发票.pdf"]

    page = client.get(response["Location"]).content.decode()
    assert "已上传 2 个文件。" in page
    assert "“invoice.exe.jpg”未上传：只能上传照片（JPEG、PNG、HEIC）或 PDF 文件" in page
    assert checklist_of(page)["invoice"] is True


def test_a_post_without_a_file_says_so_and_stores_nothing(client, claim_world):
    claim = draft_stay(claim_world)
    client.force_login(claim_world.claimant.user)
    response = client.post(upload_url(claim), {"kind": "invoice"}, follow=True)
    assert "请选择材料种类和文件" in response.content.decode()
    assert not ClaimDocument.objects.exists()


# --- one file at a time, with the script (JSON answers) -------------------------------------------------------------


def test_the_script_gets_each_file_back_with_its_link_and_the_ticked_checklist(client, claim_world):
    claim = draft_stay(claim_world)
    client.force_login(claim_world.claimant.user)
    response = client.post(upload_url(claim), {"kind": "discharge_summary", "file": upload(png_bytes(), "小结.png")},
                           **JSON)
    assert response.status_code == 200
    answer = response.json()
    document = ClaimDocument.objects.get()
    assert answer["error"] is None and answer["refused"] == []
    assert answer["added"] == [{
        "name": "小结.png", "kind": "discharge_summary", "label": "出院小结", "size": answer["added"][0]["size"],
        "url": reverse("benefits:claim-document", args=[document.token]),
        "remove_url": reverse("benefits:claim-document-remove", args=[claim.pk, document.token]),
    }]
    assert answer["checklist"] == [{"kind": "invoice", "present": False},
                                   {"kind": "discharge_summary", "present": True}]
    # The link opens the file for its owner.
    assert client.get(answer["added"][0]["url"]).status_code == 200


def test_the_script_hears_why_a_file_was_refused(client, claim_world):
    claim = draft_stay(claim_world)
    client.force_login(claim_world.claimant.user)
    response = client.post(upload_url(claim), {"kind": "invoice", "file": upload(EXECUTABLE, "a.jpg")}, **JSON)
    assert response.status_code == 400
    answer = response.json()
    assert answer["added"] == []
    assert answer["refused"][0]["name"] == "a.jpg" and "不是这几种格式" in answer["refused"][0]["message"]
    assert answer["checklist"][0] == {"kind": "invoice", "present": False}
    assert not ClaimDocument.objects.exists()


def test_a_submitted_claim_takes_no_more_files(client, claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    count = claim.documents.count()
    client.force_login(claim_world.claimant.user)
    response = client.post(upload_url(claim), {"kind": "invoice", "file": upload(PDF_BYTES, "a.pdf")}, **JSON)
    assert response.status_code == 400 and "只有草稿或被退回的申请可以上传材料" in response.json()["error"]
    assert claim.documents.count() == count


# --- who may upload -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", [{}, JSON], ids=["form", "script"])
def test_another_member_can_neither_upload_to_nor_see_a_claim(client, claim_world, answer):
    claim = draft_stay(claim_world)
    client.force_login(claim_world.other.user)
    response = client.post(upload_url(claim), {"kind": "invoice", "file": upload(PDF_BYTES, "a.pdf")}, **answer)
    assert response.status_code == 404
    assert client.get(edit_url(claim)).status_code == 404
    assert not ClaimDocument.objects.exists()


def test_a_signed_out_visitor_is_sent_to_log_in_and_nothing_is_stored(client, claim_world):
    claim = draft_stay(claim_world)
    response = client.post(upload_url(claim), {"kind": "invoice", "file": upload(PDF_BYTES, "a.pdf")}, **JSON)
    assert response.status_code == 302 and "login" in response["Location"]
    assert not ClaimDocument.objects.exists()


def test_the_service_refuses_a_batch_for_another_members_claim(claim_world):
    claim = draft_stay(claim_world)
    with pytest.raises(claims.ClaimError) as refused:
        claims.documents_add(actor=claim_world.other.user, claim_id=claim.pk, kind="invoice",
                             uploads=[upload(PDF_BYTES, "a.pdf")])
    assert refused.value.code == "not_found"
    assert not ClaimDocument.objects.exists()


def test_the_checklist_never_counts_removed_files(claim_world):
    claim = draft_stay(claim_world)
    document = claims.document_add(actor=claim_world.claimant.user, claim_id=claim.pk, kind="invoice",
                                   upload=upload(PDF_BYTES, "a.pdf"))
    claims.document_remove(actor=claim_world.claimant.user, claim_id=claim.pk, token=document.token)
    claim = Claim.objects.get(pk=claim.pk)
    assert [(c.kind, c.present) for c in selectors.claim_document_checklist(claim)] == [
        ("invoice", False), ("discharge_summary", False)]
