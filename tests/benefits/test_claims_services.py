"""Claims services: applying, documents, assessment, review, integrity, payouts, reminders."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from benefits import selectors
from benefits.claims import services as claims
from benefits.models import Claim, ClaimDocument, ClaimEvent, PayoutBatch, PayoutItem
from members.models import Notification
from tests.benefits.claims_helpers import (
    EXPECTED_STAY_AMOUNT,
    PDF_BYTES,
    approved,
    draft_stay,
    in_federation_review,
    jpeg_with_gps,
    stay_facts,
    submitted_stay,
    upload,
)

S = Claim.State
pytestmark = pytest.mark.django_db


# --- applying ---------------------------------------------------------------------------------------------


def test_a_fact_another_kind_asks_for_is_refused_by_name_and_nothing_is_saved(claim_world):
    """Member persona: a self-paid sum and a disability grade mean nothing on an accident claim; an app that sent
    them must hear so, not find them dropped."""
    with pytest.raises(claims.ClaimError) as error:
        claims.claim_create(actor=world_user(claim_world), enrolment_id=claim_world.enrolment.pk,
                            kind="accidental_injury",
                            facts={"diagnosis": "骨折", "event_date": timezone.localdate().isoformat(),
                                   "hospital": "市第一医院", "self_paid": "999.00", "grade": "一级"})
    assert set(error.value.fields) == {"self_paid", "grade"}
    assert "意外伤害" in str(error.value.fields["grade"]) or "申请不填写" in str(error.value.fields["grade"])
    assert not Claim.objects.exists()


def test_a_draft_takes_the_facts_its_kind_asks_for_and_blank_others(claim_world):
    claim = claims.claim_create(actor=world_user(claim_world), enrolment_id=claim_world.enrolment.pk,
                                kind="accidental_injury",
                                facts={"diagnosis": "骨折", "event_date": timezone.localdate().isoformat(),
                                       "hospital": "市第一医院", "self_paid": "", "grade": ""})
    assert claim.state == S.DRAFT and claim.branch == claim_world.tree.base_a1
    assert claim.self_paid is None and claim.grade == ""
    assert claim.events.get().action == "create"


def world_user(world):
    return world.claimant.user


def test_a_claim_on_someone_elses_enrolment_is_refused(claim_world):
    with pytest.raises(claims.ClaimError) as error:
        claims.claim_create(actor=world_user(claim_world), enrolment_id=claim_world.other_enrolment.pk,
                            kind="inpatient_self_pay", facts=stay_facts())
    assert "本人" in error.value.message
    assert not Claim.objects.exists()


def test_a_kind_outside_the_tier_is_refused(claim_world):
    with pytest.raises(claims.ClaimError):
        claims.claim_create(actor=world_user(claim_world), enrolment_id=claim_world.enrolment.pk,
                            kind="serious_disease", facts={})
    assert not Claim.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"self_paid": "-5"}, "self_paid"),
        ({"total_cost": "99999999999"}, "total_cost"),
        ({"self_paid": "13000.00"}, "self_paid"),
        ({"bed_fee": "6000.00"}, "bed_fee"),
        ({"discharge_date": (timezone.localdate() - timedelta(days=30)).isoformat()}, "discharge_date"),
        ({"admission_date": (timezone.localdate() - timedelta(days=200)).isoformat()}, "admission_date"),
        ({"total_cost": "abc"}, "total_cost"),
        ({"bank_account": "12ab"}, "bank_account"),
        ({"invoice_numbers": "发票一号"}, "invoice_numbers"),
    ],
)
def test_bad_facts_are_refused_with_the_field_and_nothing_is_saved(claim_world, overrides, field):
    with pytest.raises(claims.ClaimError) as error:
        draft_stay(claim_world, **overrides)
    assert field in error.value.fields
    assert not Claim.objects.exists()


def test_bad_facts_on_update_leave_the_draft_as_it_was(claim_world):
    claim = draft_stay(claim_world)
    with pytest.raises(claims.ClaimError):
        claims.claim_update(actor=world_user(claim_world), claim_id=claim.pk,
                            facts={"hospital": "别的医院", "bed_fee": "9999.00"})
    claim.refresh_from_db()
    assert claim.hospital == "市第一医院" and claim.bed_fee == Decimal("500.00")


def test_another_member_cannot_update_the_claim(claim_world):
    claim = draft_stay(claim_world)
    with pytest.raises(claims.ClaimError) as error:
        claims.claim_update(actor=claim_world.other.user, claim_id=claim.pk, facts={"hospital": "x"})
    assert error.value.code == "not_found"


# --- documents --------------------------------------------------------------------------------------------


def test_a_phone_photo_is_kept_without_its_location(claim_world):
    claim = draft_stay(claim_world)
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif()  # the test photo does carry EXIF
    document = claims.document_add(actor=world_user(claim_world), claim_id=claim.pk, kind="invoice",
                                   upload=upload(original, "IMG_0001.JPG"))
    stored = document.file.read()
    assert document.content_type == "image/jpeg" and len(document.sha256) == 64
    assert not Image.open(io.BytesIO(stored)).getexif()
    assert b"PhoneMaker" not in stored
    assert "IMG_0001" not in document.file.name  # random name


def test_a_heic_photo_is_stored_as_jpeg_without_metadata(claim_world):
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    Image.new("RGB", (32, 32), (10, 200, 10)).save(out, format="HEIF", exif=exif)
    claim = draft_stay(claim_world)
    document = claims.document_add(actor=world_user(claim_world), claim_id=claim.pk, kind="invoice",
                                   upload=upload(out.getvalue(), "IMG_0002.HEIC", "image/heic"))
    stored = document.file.read()
    assert document.content_type == "image/jpeg" and stored.startswith(b"\xff\xd8")
    assert b"PhoneMaker" not in stored


def test_a_renamed_executable_is_refused(claim_world):
    claim = draft_stay(claim_world)
    with pytest.raises(claims.ClaimError) as error:
        claims.document_add(actor=world_user(claim_world), claim_id=claim.pk, kind="invoice",
                            upload=upload(b"MZ\x90\x00" + b"\x00" * 200, "invoice.pdf", "application/pdf"))
    assert "PDF" in error.value.message
    assert not ClaimDocument.objects.exists()


def test_a_12_mb_photo_is_refused(claim_world):
    claim = draft_stay(claim_world)
    big = b"\xff\xd8\xff\xe0" + b"\x00" * (12 * 1024 * 1024)
    with pytest.raises(claims.ClaimError) as error:
        claims.document_add(actor=world_user(claim_world), claim_id=claim.pk, kind="invoice", upload=upload(big))
    assert "10 MB" in error.value.message
    assert not ClaimDocument.objects.exists()


def test_a_removed_document_is_kept_but_no_longer_counts(claim_world):
    claim = draft_stay(claim_world)
    document = claims.document_add(actor=world_user(claim_world), claim_id=claim.pk, kind="invoice",
                                   upload=upload(PDF_BYTES, "a.pdf"))
    claims.document_remove(actor=world_user(claim_world), claim_id=claim.pk, token=document.token)
    document.refresh_from_db()
    assert document.removed_at is not None
    assert "医疗费用发票" in claims.claim_missing(claim)


# --- submitting and assessment ----------------------------------------------------------------------------


def test_a_submit_with_something_missing_lists_what_is_missing(claim_world, django_capture_on_commit_callbacks):
    claim = draft_stay(claim_world, hospital="")
    claims.document_add(actor=world_user(claim_world), claim_id=claim.pk, kind="invoice",
                        upload=upload(PDF_BYTES, "a.pdf"))
    with pytest.raises(claims.ClaimError) as error:
        claims.claim_submit(actor=world_user(claim_world), claim_id=claim.pk)
    assert "医院" in error.value.message and "出院小结" in error.value.message
    claim.refresh_from_db()
    assert claim.state == S.DRAFT


def test_submit_assesses_and_routes_to_the_base_union(claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    assert claim.state == S.BASE_REVIEW
    assert claim.proposed_amount == EXPECTED_STAY_AMOUNT
    assert claim.assessment["eligible"] is True and claim.assessment["lines"]
    assert claim.flags == []
    assert Notification.objects.filter(user=claim_world.reviewer_base, kind="benefits.claim.review").exists()
    assert not Notification.objects.filter(user=claim_world.reviewer_sibling).exists()
    assert list(claim.events.values_list("action", flat=True)) == ["create", "submit", "assess"]


def test_assessing_twice_changes_nothing(claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    version, events = claim.version, claim.events.count()
    claims.claim_assess(claim_id=claim.pk)
    claim.refresh_from_db()
    assert claim.version == version and claim.events.count() == events


def test_a_second_submit_is_refused(claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    with pytest.raises(claims.ClaimError) as error:
        claims.claim_submit(actor=world_user(claim_world), claim_id=claim.pk)
    assert error.value.code == "wrong_state" and "重复提交" in error.value.message


def test_waiting_period_makes_the_claim_ineligible_and_flagged(claim_world, django_capture_on_commit_callbacks):
    claim_world.enrolment.waiting_until = timezone.localdate() - timedelta(days=5)
    claim_world.enrolment.save()
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    assert claim.proposed_amount == Decimal("0.00")
    assert [f["code"] for f in claim.flags] == ["ineligible"]
    assert "等待期" in claim.flags[0]["message"]


def test_the_same_invoice_or_an_overlapping_stay_is_flagged(claim_world, django_capture_on_commit_callbacks):
    first = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    second = submitted_stay(claim_world, django_capture_on_commit_callbacks, invoice_numbers="FP20260002")
    codes = {f["code"] for f in second.flags}
    assert codes == {"duplicate_invoice", "overlapping_stay"}
    assert first.number in " ".join(f["message"] for f in second.flags)


def test_approved_claims_count_against_the_yearly_caps(claim_world, django_capture_on_commit_callbacks):
    claim = approved(claim_world, django_capture_on_commit_callbacks)
    paid = selectors.enrolment_paid_this_year(claim_world.enrolment)
    assert paid.by_kind == {"inpatient_self_pay": claim.approved_amount}
    assert paid.total == EXPECTED_STAY_AMOUNT


# --- review -----------------------------------------------------------------------------------------------


def test_two_levels_then_approved_and_the_member_is_told(claim_world, django_capture_on_commit_callbacks):
    claim = approved(claim_world, django_capture_on_commit_callbacks)
    assert claim.state == S.APPROVED and claim.approved_amount == EXPECTED_STAY_AMOUNT
    assert claim.base_decided_by == claim_world.reviewer_base
    assert claim.federation_decided_by == claim_world.reviewer_fed
    assert Notification.objects.filter(user=claim_world.claimant.user, kind="benefits.claim.approved").exists()


def test_one_person_cannot_decide_both_levels(claim_world, django_capture_on_commit_callbacks):
    """A reviewer holding both the base union's and the federation's role passes the claim at base level, then
    may not approve it: two levels, two people."""
    from members.models import StaffRole

    both = claim_world.reviewer_base
    StaffRole.objects.create(user=both, branch=claim_world.tree.city, role="claims_reviewer")
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    claim = claims.claim_pass(actor=both, claim_id=claim.pk, version=claim.version)
    with pytest.raises(claims.ClaimError) as error:
        claims.claim_approve(actor=both, claim_id=claim.pk, version=claim.version)
    assert "同一人" in error.value.message
    claim.refresh_from_db()
    assert claim.state == S.FEDERATION_REVIEW


def test_the_base_reviewer_cannot_act_at_the_federation_level(claim_world, django_capture_on_commit_callbacks):
    claim = in_federation_review(claim_world, django_capture_on_commit_callbacks)
    with pytest.raises(claims.ClaimError):
        claims.claim_approve(actor=claim_world.reviewer_base, claim_id=claim.pk, version=claim.version)


def test_a_sibling_reviewer_cannot_see_the_claim(claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    with pytest.raises(claims.ClaimError) as error:
        claims.claim_pass(actor=claim_world.reviewer_sibling, claim_id=claim.pk, version=claim.version)
    assert error.value.code == "not_found"


def test_two_reviewers_at_once_one_wins_the_other_is_told(claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    seen = claim.version  # both opened the page at this version
    claims.claim_return(actor=claim_world.reviewer_base, claim_id=claim.pk, version=seen, message="请补发票",
                        items=["document:invoice"])
    with pytest.raises(claims.ClaimError) as error:
        claims.claim_adjust(actor=claim_world.reviewer_fed, claim_id=claim.pk, version=seen, amount="100",
                            reason="按规定")
    assert error.value.code in ("conflict", "wrong_state")
    claim.refresh_from_db()
    assert claim.state == S.RETURNED and claim.approved_amount is None


def test_a_stale_version_is_a_conflict(claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    claims.claim_adjust(actor=claim_world.reviewer_base, claim_id=claim.pk, version=claim.version, amount="800",
                        reason="床位费另计")
    with pytest.raises(claims.ClaimChanged):
        claims.claim_pass(actor=claim_world.reviewer_base, claim_id=claim.pk, version=claim.version)


def test_states_cannot_be_skipped(claim_world):
    claim = draft_stay(claim_world)
    with pytest.raises(claims.ClaimError) as error:
        claims.claim_approve(actor=claim_world.reviewer_fed, claim_id=claim.pk, version=claim.version)
    assert error.value.code == "wrong_state"
    claim.refresh_from_db()
    assert claim.state == S.DRAFT


def test_adjusting_needs_a_reason_and_is_kept_in_the_history(claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    with pytest.raises(claims.ClaimError) as error:
        claims.claim_adjust(actor=claim_world.reviewer_base, claim_id=claim.pk, version=claim.version,
                            amount="800", reason=" ")
    assert "reason" in error.value.fields
    claim = claims.claim_adjust(actor=claim_world.reviewer_base, claim_id=claim.pk, version=claim.version,
                                amount="800.00", reason="部分票据不符")
    event = claim.events.get(action="adjust")
    assert (event.amount_from, event.amount_to, event.message) == (EXPECTED_STAY_AMOUNT, Decimal("800.00"),
                                                                    "部分票据不符")
    assert event.actor == claim_world.reviewer_base


def test_rejecting_needs_a_reason_from_the_list(claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    with pytest.raises(claims.ClaimError):
        claims.claim_reject(actor=claim_world.reviewer_base, claim_id=claim.pk, version=claim.version,
                            reason="because")
    claim = claims.claim_reject(actor=claim_world.reviewer_base, claim_id=claim.pk, version=claim.version,
                                reason="duplicate", message="与上次申请相同")
    assert claim.state == S.REJECTED
    notice = Notification.objects.get(user=claim_world.claimant.user, kind="benefits.claim.rejected")
    assert "重复申请" in notice.body


def test_returned_claim_is_amended_and_resubmitted(claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    claims.claim_return(actor=claim_world.reviewer_base, claim_id=claim.pk, version=claim.version,
                        message="请补充费用清单", items=["document:expense_list"])
    claims.claim_update(actor=world_user(claim_world), claim_id=claim.pk, facts={"self_paid": "6000.00"})
    with django_capture_on_commit_callbacks(execute=True):
        claims.claim_submit(actor=world_user(claim_world), claim_id=claim.pk)
    claim.refresh_from_db()
    assert claim.state == S.BASE_REVIEW and claim.proposed_amount == Decimal("1100.00")
    returned = ClaimEvent.objects.get(claim=claim, action="return")
    assert returned.changes == {"items": ["document:expense_list"], "note": "请补充费用清单"}
    claim.refresh_from_db()
    assert claim.return_items == []  # resubmitted: the list is done with


def test_withdraw_before_a_decision_but_not_after(claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    claims.claim_withdraw(actor=world_user(claim_world), claim_id=claim.pk)
    claim.refresh_from_db()
    assert claim.state == S.WITHDRAWN
    decided = approved(claim_world, django_capture_on_commit_callbacks, invoice_numbers="FP30000001",
                       admission_date=(timezone.localdate() - timedelta(days=40)).isoformat(),
                       discharge_date=(timezone.localdate() - timedelta(days=35)).isoformat())
    with pytest.raises(claims.ClaimError) as error:
        claims.claim_withdraw(actor=world_user(claim_world), claim_id=decided.pk)
    assert error.value.code == "wrong_state"


# --- payouts ----------------------------------------------------------------------------------------------


def test_payout_batch_paid_and_the_member_told_the_amount(claim_world, django_capture_on_commit_callbacks):
    claim = approved(claim_world, django_capture_on_commit_callbacks)
    result = claims.payout_batch_create(actor=claim_world.finance, branch_id=claim_world.tree.district_a.pk)
    assert result.count == 1 and result.total == EXPECTED_STAY_AMOUNT
    with pytest.raises(claims.ClaimError):
        claims.payout_batch_create(actor=claim_world.finance, branch_id=claim_world.tree.district_a.pk)
    claims.payout_batch_mark_paid(actor=claim_world.finance, batch_id=result.batch.pk)
    claim.refresh_from_db()
    assert claim.state == S.PAID and claim.paid_amount == EXPECTED_STAY_AMOUNT
    notice = Notification.objects.get(user=claim_world.claimant.user, kind="benefits.claim.paid")
    assert "900.00" in notice.title


def test_a_failed_transfer_goes_back_to_approved_and_joins_a_later_batch(claim_world,
                                                                      django_capture_on_commit_callbacks):
    claim = approved(claim_world, django_capture_on_commit_callbacks)
    result = claims.payout_batch_create(actor=claim_world.finance, branch_id=claim_world.tree.district_a.pk)
    item = result.batch.items.get()
    with pytest.raises(claims.ClaimError):
        claims.payout_item_mark_failed(actor=claim_world.finance, item_id=item.pk, note="")
    claims.payout_item_mark_failed(actor=claim_world.finance, item_id=item.pk, note="账号不存在")
    claims.payout_batch_mark_paid(actor=claim_world.finance, batch_id=result.batch.pk)
    claim.refresh_from_db()
    assert claim.state == S.APPROVED
    again = claims.payout_batch_create(actor=claim_world.finance, branch_id=claim_world.tree.district_a.pk)
    assert again.count == 1


def test_a_claim_is_in_at_most_one_unpaid_batch(claim_world, django_capture_on_commit_callbacks):
    claim = approved(claim_world, django_capture_on_commit_callbacks)
    result = claims.payout_batch_create(actor=claim_world.finance, branch_id=claim_world.tree.district_a.pk)
    other = PayoutBatch.objects.create(number="B-OTHER", branch=claim_world.tree.district_a,
                                       created_by=claim_world.finance)
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutItem.objects.create(batch=other, claim=claim, amount=claim.approved_amount)
    assert result.batch.items.count() == 1


def test_finance_outside_the_subtree_cannot_batch(claim_world, django_capture_on_commit_callbacks, staff_of):
    approved(claim_world, django_capture_on_commit_callbacks)
    finance_b = staff_of(claim_world.tree.district_b, role="finance")
    with pytest.raises(claims.ClaimError):
        claims.payout_batch_create(actor=finance_b, branch_id=claim_world.tree.district_a.pk)
    with pytest.raises(claims.ClaimError):
        claims.payout_batch_create(actor=finance_b, branch_id=claim_world.tree.district_b.pk)


# --- reminders --------------------------------------------------------------------------------------------


def test_overdue_claims_remind_reviewers_once_a_day(claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    Claim.objects.filter(pk=claim.pk).update(state_changed_at=timezone.now() - timedelta(days=11))
    before = Notification.objects.filter(user=claim_world.reviewer_base).count()
    assert claims.claims_overdue_remind() == 1
    assert claims.claims_overdue_remind() == 0
    assert Notification.objects.filter(user=claim_world.reviewer_base).count() == before + 1


def test_the_database_refuses_to_delete_a_claim_or_its_history(claim_world):
    from django.db import DatabaseError, connection

    if connection.vendor != "postgresql":
        pytest.skip("the no-delete trigger exists on PostgreSQL only")
    claim = draft_stay(claim_world)
    for table, row in (("benefits_claimevent", claim.events.get().pk), ("benefits_claim", claim.pk)):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [row])  # noqa: S608
    assert Claim.objects.filter(pk=claim.pk).exists()


def test_a_second_claim_filed_before_the_first_is_decided_gets_only_what_is_left(
    claim_world, django_capture_on_commit_callbacks, staff_of
):
    """The claimant files two stays before either is decided: the second is assessed against what the first, still
    under review, takes, and says so; an adjustment re-checks the cap under the plan year's lock."""
    from benefits.models import BenefitRule

    BenefitRule.objects.filter(tier=claim_world.enrolment.tier, kind="inpatient_self_pay").update(
        params={"rate": "0.20", "yearly_cap": "1000.00"}
    )
    first = in_federation_review(claim_world, django_capture_on_commit_callbacks)
    second = in_federation_review(
        claim_world, django_capture_on_commit_callbacks, invoice_numbers="FP40000001",
        admission_date=(timezone.localdate() - timedelta(days=40)).isoformat(),
        discharge_date=(timezone.localdate() - timedelta(days=35)).isoformat(),
    )
    assert first.proposed_amount == EXPECTED_STAY_AMOUNT
    assert second.proposed_amount == Decimal("100.00")
    cut = second.assessment["lines"][-1]["text"]
    assert "另有 1 件申请在审核中" in cut and "已占用 900.00 元" in cut
    claims.claim_approve(actor=claim_world.reviewer_fed, claim_id=first.pk, version=first.version)
    with pytest.raises(claims.ClaimError) as error:  # raising the second above what is left: refused
        claims.claim_adjust(actor=claim_world.reviewer_fed, claim_id=second.pk, version=second.version,
                            amount="900.00", reason="按票据")
    assert "100.00" in error.value.message
    claims.claim_approve(actor=claim_world.reviewer_fed, claim_id=second.pk, version=second.version)
    paid = selectors.enrolment_paid_this_year(claim_world.enrolment)
    assert paid.by_kind["inpatient_self_pay"] == Decimal("1000.00")


def test_a_returned_claim_gives_its_share_back_and_takes_what_is_left_when_resubmitted(
    claim_world, django_capture_on_commit_callbacks
):
    from benefits.models import BenefitRule

    BenefitRule.objects.filter(tier=claim_world.enrolment.tier, kind="inpatient_self_pay").update(
        params={"rate": "0.20", "yearly_cap": "1000.00"}
    )
    first = in_federation_review(claim_world, django_capture_on_commit_callbacks)
    first = claims.claim_return(actor=claim_world.reviewer_fed, claim_id=first.pk, version=first.version,
                                message="请补充费用清单", items=["document:expense_list"])
    second = in_federation_review(
        claim_world, django_capture_on_commit_callbacks, invoice_numbers="FP40000001",
        admission_date=(timezone.localdate() - timedelta(days=40)).isoformat(),
        discharge_date=(timezone.localdate() - timedelta(days=35)).isoformat(),
    )
    assert second.proposed_amount == EXPECTED_STAY_AMOUNT  # the returned claim gave its share back
    with django_capture_on_commit_callbacks(execute=True):
        claims.claim_submit(actor=claim_world.claimant.user, claim_id=first.pk)
    first.refresh_from_db()
    assert first.proposed_amount == Decimal("100.00")  # now the second is the one in review
