from decimal import Decimal

import pytest

from benefits import receipts, services
from benefits.models import Payment
from core.money import amount_in_words
from tests.benefits.factories import make_subsidy
from tests.benefits.pdf import page_count, pdf_text


@pytest.mark.parametrize(("amount", "words"), [
    ("36.00", "叁拾陆元整"), ("60.50", "陆拾元伍角整"), ("0.05", "零元零伍分"), ("1005.30", "壹仟零伍元叁角整"),
    ("200000.00", "贰拾万元整"), ("100010.01", "壹拾万零壹拾元零壹分"),
])
def test_amount_in_words(amount, words):
    assert amount_in_words(Decimal(amount)) == words


def test_member_receipt_in_chinese(plan, org_tree, people):
    make_subsidy(plan, org_tree.district_a, share=Decimal("0.5"))
    enrolment = services.enrolment_create(actor=None, plan_id=plan.pk, tier_id=plan.tiers.get(code="enhanced").pk,
                                          member=people.owner, employer_non_public=True)
    payment = services.payment_record_offline(actor=people.staff_a1, enrolment_id=enrolment.pk, method="cash",
                                              amount="30.00")
    data = receipts.receipts_pdf(receipts.payments_for_receipts(Payment.objects.filter(pk=payment.pk)))
    text = pdf_text(data)
    assert "职工医疗互助保障缴费收据" in text
    assert payment.number in text and people.owner.name in text
    assert "叁拾元整" in text and "思明区总工会补贴 30.00 元" in text
    assert people.owner.id_number not in text  # masked


def test_batch_has_one_page_per_payment(plan, org_tree, people, member_factory):
    member_factory.create_batch(2, branch=org_tree.base_a2)
    services.group_enrolment_create(actor=people.staff_parent, plan_id=plan.pk, tier_id=plan.tiers.get(code="basic").pk,
                                    branch_id=org_tree.base_a2.pk)
    enrolment = services.enrolment_create(actor=None, plan_id=plan.pk, tier_id=plan.tiers.get(code="basic").pk,
                                          member=people.owner)
    services.payment_record_offline(actor=people.staff_a1, enrolment_id=enrolment.pk, method="cash", amount="36")
    data = receipts.receipts_pdf(receipts.payments_for_receipts(Payment.objects.all()))
    assert page_count(data) == 2
    text = pdf_text(data)
    assert "2 人（集体缴费）" in text and "厦门港务工会" in text
