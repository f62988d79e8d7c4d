"""Uploaded images: a bound on their pixels, checked from the file's header before anything decodes it.

A small compressed file can hold an enormous image (a 480 KB PNG of 12,500 × 12,500 pixels decodes to about
470 MB of RGB, and a web worker that decodes it peaks far above that). Pillow reads the size from the header
without touching the pixel data, so the check costs nothing; every path that takes an image (claim documents,
menu and station photos) calls it first, and `MembersConfig.ready` sets Pillow's own bound to the same figure so
that no other path can decode a larger one.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

TOO_MANY_PIXELS = _("图片像素过多（超过 %(limit)s 百万像素）：请缩小后再上传，或改传 PDF。")


def image_pixels_check(file) -> None:
    """Raises ValidationError when the image in `file` (a file object or a Django File) has more pixels than
    UPLOAD_IMAGE_MAX_PIXELS. Reads only the header; leaves the file at its start. A file Pillow cannot read is
    left to the caller's own format check."""
    limit = settings.UPLOAD_IMAGE_MAX_PIXELS
    handle = getattr(file, "file", file)
    handle.seek(0)
    try:
        # Image.open only parses the header: width and height, no pixel data.
        with Image.open(handle) as image:
            width, height = image.size
        too_many = width * height > limit
    except Image.DecompressionBombError:
        too_many = True  # past twice the bound Pillow's own check (set from the same setting) refuses it first
    except (UnidentifiedImageError, OSError, ValueError):
        too_many = False
    finally:
        handle.seek(0)
    if too_many:
        raise ValidationError(TOO_MANY_PIXELS, code="too_many_pixels", params={"limit": f"{limit / 1e6:.0f}"})


def validate_image_pixels(file) -> None:
    """Model-field validator form of `image_pixels_check` (menu item and station photos)."""
    image_pixels_check(file)
