"""Private documents of any reviewed application: what an upload is (by its bytes, never its name), photos
re-encoded without their metadata, a size limit. Each kind keeps its own document rows (`ClaimDocument`, ...);
the file is stored under a random name and served only through a view that checks who asks."""

import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from members.uploads import image_pixels_check

from .transitions import ReviewError

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
