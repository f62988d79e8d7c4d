"""Private documents of any reviewed application: what an upload is (by its bytes, never its name), photos
re-encoded without their metadata, a size limit. Each kind keeps its own document rows (`ClaimDocument`, ...);
the file is stored under a random name and served only through a view that checks who asks."""

import hashlib
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from core.services import audit_log
from members.uploads import image_pixels_check

from .transitions import ReviewError, now

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024

HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"}


def sniff_content_type(head: bytes) -> str | None:
    """What a file is, from its first bytes (never from its name)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "image/heic"
    return None


def _image_without_metadata(data: bytes, content_type: str) -> tuple[bytes, str]:
    """Re-encodes a photo with Pillow so no EXIF (GPS position, camera, time) or text chunk survives. The
    orientation is applied to the pixels first, so a phone photo stays upright. HEIC is decoded with
    pillow-heif and stored as JPEG (browsers cannot show HEIC, and re-encoding drops its metadata)."""
    if content_type == "image/heic":
        import pillow_heif

        pillow_heif.register_heif_opener()
    try:
        image_pixels_check(io.BytesIO(data))
    except ValidationError as exc:
        raise ReviewError(exc.messages[0], fields={"file": exc.messages[0]}) from exc
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if content_type == "image/png":
                image.save(out, format="PNG", optimize=True)
                return out.getvalue(), "image/png"
            if image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            image.save(out, format="JPEG", quality=90)
            return out.getvalue(), "image/jpeg"
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ReviewError(_("图片无法读取，请重新拍照或上传 PDF。")) from exc


def document_prepare(upload) -> tuple[bytes, str]:
    """Checks an upload (size, type by content) and returns the bytes to keep and their type."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_DOCUMENT_BYTES:
        raise ReviewError(_("文件太大：每个文件不能超过 10 MB。"), fields={"file": _("文件不能超过 10 MB。")})
    data = upload.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ReviewError(_("文件太大：每个文件不能超过 10 MB。"), fields={"file": _("文件不能超过 10 MB。")})
    content_type = sniff_content_type(data[:32])
    if content_type is None:
        raise ReviewError(
            _("只能上传照片（JPEG、PNG、HEIC）或 PDF 文件；该文件不是这几种格式。"),
            fields={"file": _("文件格式不支持。")},
        )
    if content_type.startswith("image/"):
        data, content_type = _image_without_metadata(data, content_type)
    return data, content_type


EDITABLE_STATES = ("draft", "returned")


def documents_check_room(application, kind: str, *, kinds, most: int) -> None:
    """Whether a document of `kind` (one of `kinds`' values) may be added to `application` now: a draft or a
    returned application holding fewer than `most` documents."""
    if application.state not in EDITABLE_STATES:
        raise ReviewError(_("只有草稿或被退回的申请可以上传材料。"), code="wrong_state")
    if kind not in kinds.values:
        raise ReviewError(_("请选择材料种类。"), fields={"kind": _("请选择材料种类。")})
    if application.documents.filter(removed_at__isnull=True).count() >= most:
        raise ReviewError(_("一份申请最多上传 %(count)s 个文件。") % {"count": most})


def document_mark_removed(*, actor, application, token, audit_action: str):
    """Takes a document off a draft or returned `application` (locked by the caller); the file and row are kept
    (documents are never deleted)."""
    if application.state not in EDITABLE_STATES:
        raise ReviewError(_("只有草稿或被退回的申请可以移除材料。"), code="wrong_state")
    document = application.documents.filter(token=token, removed_at__isnull=True).first()
    if document is None:
        raise ReviewError(_("找不到该材料。"), code="not_found")
    document.removed_at = now()
    document.save(update_fields=["removed_at"])
    audit_log(actor=actor, action=audit_action, target=application, data={"document": str(document.token)})
    return document


def document_store(*, actor, document_model, owner_field: str, owner, kind: str, upload, audit_action: str,
                   extra: dict | None = None):
    """Checks the upload (`document_prepare`), stores it once under a random name and keeps its row
    (`document_model(<owner_field>=owner, kind=kind, **extra)`), audited as `audit_action` on the owner."""
    data, content_type = document_prepare(upload)
    document = document_model(
        **{owner_field: owner}, **(extra or {}), kind=kind, content_type=content_type, size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), original_name=str(getattr(upload, "name", "") or "")[:200],
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    document.file.save("upload", ContentFile(data), save=False)
    document.save()
    audit_log(actor=actor, action=audit_action, target=owner,
              data={"document": str(document.token), "kind": kind, "sha256": document.sha256})
    return document


@dataclass(frozen=True)
class DocumentRefused:
    """A file of a batch that was not kept: its name as the phone gave it, and why, in words."""

    name: str
    message: str


@dataclass
class DocumentsAdded:
    added: list
    refused: list[DocumentRefused]


def documents_batch(uploads, add_one) -> DocumentsAdded:
    """Several files of one kind at once, as a phone's picker gives them, each stored by `add_one(upload)` in its
    own transaction: a refused file is named with its reason and the good ones are kept. What refuses the whole
    batch (another member's application, one past editing, no kind, no file) raises."""
    uploads = list(uploads)
    if not uploads:
        raise ReviewError(_("请选择要上传的文件。"), fields={"file": _("请选择要上传的文件。")})
    result = DocumentsAdded(added=[], refused=[])
    for upload in uploads:
        try:
            result.added.append(add_one(upload))
        except ReviewError as e:
            if e.code != "invalid" or "kind" in e.fields:
                raise  # the application or the kind refuses, not this file: no other file would fare better
            name = str(getattr(upload, "name", "") or "")[:80] or _("未命名文件")
            result.refused.append(DocumentRefused(name=name, message=e.message))
    return result


def document_response(document, *, download: bool) -> FileResponse:
    """The stored file of a document the caller has checked the user may see, as a private, sandboxed answer."""
    extension = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}.get(document.content_type, "bin")
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{document.kind}-{document.pk}.{extension}"'
    # An uploaded file is someone else's content: never sniffed into HTML, never run as a page of the portal's
    # origin (scripts in a crafted PDF or SVG-like file stay sandboxed), never kept by a shared cache.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    response["Cache-Control"] = "private, no-store"
    return response
