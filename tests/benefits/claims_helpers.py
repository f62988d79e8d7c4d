"""Building claims for the tests: valid facts, small real files (a JPEG with GPS EXIF, a PNG, a PDF)."""

import io
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from benefits.claims import services as claims


def stay_facts(**overrides) -> dict:
    today = timezone.localdate()
    facts = {
        "diagnosis": "急性阑尾炎", "hospital": "市第一医院",
        "admission_date": (today - timedelta(days=20)).isoformat(),
        "discharge_date": (today - timedelta(days=10)).isoformat(),
        "total_cost": "12000.00", "self_paid": "5000.00", "bed_fee": "500.00",
        "invoice_numbers": "FP20260001, FP20260002",
        "bank_name": "工商银行", "bank_account": "6222020200112233445", "account_holder": "张三",
    }
    facts.update(overrides)
    return facts


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (24.0, 27.0, 0.0), 3: "E", 4: (118.0, 5.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 0, 255)).save(out, format="PNG")
    return out.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def draft_stay(world, **overrides):
    return claims.claim_create(actor=world.claimant.user, enrolment_id=world.enrolment.pk,
                               kind="inpatient_self_pay", facts=stay_facts(**overrides))


def submitted_stay(world, django_capture_on_commit_callbacks, **overrides):
    claim = draft_stay(world, **overrides)
    claims.document_add(actor=world.claimant.user, claim_id=claim.pk, kind="invoice", upload=upload(PDF_BYTES, "a.pdf"))
    claims.document_add(actor=world.claimant.user, claim_id=claim.pk, kind="discharge_summary",
                        upload=upload(png_bytes(), "b.png"))
    with django_capture_on_commit_callbacks(execute=True):
        claims.claim_submit(actor=world.claimant.user, claim_id=claim.pk)
    claim.refresh_from_db()
    return claim


def in_federation_review(world, django_capture_on_commit_callbacks, **overrides):
    claim = submitted_stay(world, django_capture_on_commit_callbacks, **overrides)
    return claims.claim_pass(actor=world.reviewer_base, claim_id=claim.pk, version=claim.version)


def approved(world, django_capture_on_commit_callbacks, **overrides):
    claim = in_federation_review(world, django_capture_on_commit_callbacks, **overrides)
    return claims.claim_approve(actor=world.reviewer_fed, claim_id=claim.pk, version=claim.version)


EXPECTED_STAY_AMOUNT = Decimal("900.00")  # (5000 − 500) × 20 %
