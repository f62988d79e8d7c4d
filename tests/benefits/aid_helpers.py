"""Building education aid for the tests: a campaign open today, valid application facts, the documents it needs."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from benefits.aid import services as aid
from benefits.models import AidCampaign
from tests.benefits.claims_helpers import PDF_BYTES, png_bytes, upload
from tests.factories import id_number_for

UNDERGRADUATE = Decimal("3000.00")


def open_campaign(federation, **fields) -> AidCampaign:
    today = timezone.localdate()
    values = {
        "federation": federation, "year": today.year, "name": f"{today.year}年金秋助学",
        "opens_on": today - timedelta(days=5), "closes_on": today + timedelta(days=25),
        "amount_high_school": Decimal("1000.00"), "amount_vocational": Decimal("1500.00"),
        "amount_undergraduate": UNDERGRADUATE, "amount_graduate": Decimal("4000.00"), "review_service_days": 5,
    }
    values.update(fields)
    return AidCampaign.objects.create(**values)


def child_id(serial: int = 1) -> str:
    return id_number_for(700 + serial, birth="20070901")


def aid_facts(**overrides) -> dict:
    facts = {
        "child_name": "张小明", "child_id_number": child_id(), "school": "厦门大学", "stage": "undergraduate",
        "entry_year": str(timezone.localdate().year), "basis": "illness",
        "basis_note": "今年3月本人确诊重病，住院三个月。", "other_aid_declared": False,
        "bank_name": "工商银行", "bank_account": "6222020200112233445", "account_holder": "张三",
    }
    facts.update(overrides)
    return facts


def draft(member, campaign, **overrides):
    return aid.aid_application_create(actor=member.user, campaign_id=campaign.pk, values=aid_facts(**overrides))


def with_documents(member, application):
    for kind, data, name in (("admission", PDF_BYTES, "admission.pdf"), ("id_card", png_bytes(), "id.png"),
                             ("hardship_proof", PDF_BYTES, "proof.pdf")):
        aid.aid_document_add(actor=member.user, application_id=application.pk, kind=kind, upload=upload(data, name))
    return application


def submitted(member, campaign, **overrides):
    application = with_documents(member, draft(member, campaign, **overrides))
    return aid.aid_application_submit(actor=member.user, application_id=application.pk)


def approved(world, **overrides):
    application = submitted(world.member, world.campaign, **overrides)
    application = aid.aid_pass(actor=world.reviewer_base, application_id=application.pk, version=application.version)
    if application.other_aid_declared:
        application = aid.aid_other_aid_override(actor=world.reviewer_fed, application_id=application.pk,
                                                 version=application.version, reason="已核实为奖学金。")
    return aid.aid_approve(actor=world.reviewer_fed, application_id=application.pk, version=application.version)
