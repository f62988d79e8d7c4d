"""The digital member card: a signed, expiring token in a QR code, its public check, and the card image.

The token is `TimestampSigner(salt=...).sign(member id)`: it carries the member's database id and the time
it was made, never the ID number; anyone can read the id but nobody can forge or stretch the signature.
"""

import io
import shutil
import subprocess
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core import signing
from django.urls import reverse
from PIL import Image, ImageDraw, ImageFont

from ..models import Member

CARD_TOKEN_SALT = "members.card"  # noqa: S105 — a namespace for the signer, not a secret


def card_token_max_age() -> timedelta:
    return getattr(settings, "MEMBER_CARD_TOKEN_MAX_AGE", timedelta(hours=24))


def card_token_for(member: Member) -> str:
    return signing.TimestampSigner(salt=CARD_TOKEN_SALT).sign(str(member.pk))


def card_verify_url(member: Member, *, absolute: bool = True) -> str:
    path = reverse("members:card-verify", args=[card_token_for(member)])
    return f"{settings.SITE_URL.rstrip('/')}{path}" if absolute else path


@dataclass(frozen=True)
class CardCheck:
    valid: bool
    masked_name: str = ""
    branch_name: str = ""
    reason: str = ""  # "expired", "forged", "not_member" — for tests and logs, never shown in detail


def card_check(token: str) -> CardCheck:
    """What the public verification page may say about a token: valid member of a branch, or not."""
    try:
        member_id = signing.TimestampSigner(salt=CARD_TOKEN_SALT).unsign(token, max_age=card_token_max_age())
    except signing.SignatureExpired:
        return CardCheck(valid=False, reason="expired")
    except signing.BadSignature:
        return CardCheck(valid=False, reason="forged")
    member = Member.objects.select_related("branch").filter(pk=member_id).first()
    if member is None or member.status != Member.Status.ACTIVE:
        return CardCheck(valid=False, reason="not_member")
    return CardCheck(valid=True, masked_name=member.masked_name, branch_name=member.branch.name)


def qr_svg(data: str) -> str:
    """An inline SVG QR code (no JavaScript, scales crisply on any phone)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return image.to_string(encoding="unicode")


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """A font that can draw Chinese, found with fontconfig at run time; None when the machine has none.
    (Pillow's built-in font covers Latin only, so without one the PNG carries ASCII text only.)"""
    if shutil.which("fc-list") is None:
        return None
    try:
        result = subprocess.run(
            ["fc-list", ":lang=zh", "file"],  # noqa: S607 — fontconfig from PATH, fixed arguments
            capture_output=True, text=True, timeout=5, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    paths = sorted(line.split(":")[0].strip() for line in result.stdout.splitlines() if line.strip())
    return paths[0] if paths else None


def card_png(member: Member, *, verify_url: str, font_path: str | None = None) -> bytes:
    """The card as a PNG: the QR code and the member number always; name and branch only when a CJK font
    is available (`font_path`, else looked up), because Pillow's default font would draw them as boxes."""
    qr = qrcode.QRCode(box_size=8, border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(verify_url)
    qr.make(fit=True)
    qr_image = qr.make_image(fill_color="black", back_color="white").convert("RGB")
    font_path = font_path if font_path is not None else cjk_font_path()

    width = max(qr_image.width + 40, 480)
    lines: list[tuple[str, ImageFont.ImageFont | ImageFont.FreeTypeFont]] = []
    if font_path:
        title_font = ImageFont.truetype(font_path, 28)
        text_font = ImageFont.truetype(font_path, 22)
        lines.append((str(member.name), title_font))
        lines.append((str(member.branch.name), text_font))
        lines.append((member.member_number or "", text_font))
    else:
        lines.append((f"No. {member.member_number or ''}", ImageFont.load_default(size=26)))
    header = 20 + sum(_line_height(font) + 10 for _, font in lines)
    card = Image.new("RGB", (width, header + qr_image.height + 20), "white")
    draw = ImageDraw.Draw(card)
    draw.rectangle([(0, 0), (width, 8)], fill=(179, 38, 30))
    y = 20
    for text, font in lines:
        draw.text((20, y), text, fill=(31, 35, 40), font=font)
        y += _line_height(font) + 10
    card.paste(qr_image, ((width - qr_image.width) // 2, header))
    buffer = io.BytesIO()
    card.save(buffer, format="PNG")
    return buffer.getvalue()


def _line_height(font) -> int:
    _, top, _, bottom = font.getbbox("Mg国")
    return int(bottom - top)

