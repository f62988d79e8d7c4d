"""Education aid through its services: filing for a child, the review at two levels on the claims' machinery, the
one grant per child and year, aid declared from elsewhere, payouts across kinds, letters, reminders.

Personas: the member and their spouse (both members of base A1), the base union's reviewer, the federation's
reviewer, a sibling branch's reviewer, finance of district A, a signed-in user with no member row."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from benefits import letters
from benefits.aid import pdf
from benefits.aid import services as aid
from benefits.models import AidEvent, EducationAidApplication, PayoutItem
from benefits.review import payouts
from benefits.review.bank_file import batch_rows
from benefits.review.transitions import ReviewError
from members.models import Notification, StaffRole
from tests.benefits import claims_helpers
from tests.benefits.aid_helpers import UNDERGRADUATE, aid_facts, approved, child_id, draft, submitted, with_documents
from tests.benefits.pdf import pdf_text

pytestmark = pytest.mark.django_db


def titles(user) -> list[str]:
    return [str(n.title) for n in Notification.objects.filter(user=user).order_by("id")]


class TestFiling:
    def test_a_member_files_uploads_and_submits_at_the_standard_of_the_stage(self, aid_world):
        application = submitted(aid_world.member, aid_world.campaign)
        assert application.state == "base_review"
        assert application.proposed_amount == UNDERGRADUATE and application.amount_due == UNDERGRADUATE
        assert application.branch == aid_world.tree.base_a1 and application.year == aid_world.campaign.year
        assert [e.action for e in AidEvent.objects.filter(application=application).order_by("id")] == [
            "create", "submit", "assess"]
        assert any(application.number in t and "已提交" in t for t in titles(aid_world.member.user))
        assert any("有一份助学申请待审核" in t for t in titles(aid_world.reviewer_base))

    def test_full_width_digits_in_the_childs_id_are_read(self, aid_world):
        wide = child_id().translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        application = draft(aid_world.member, aid_world.campaign, child_id_number=wide)
        assert application.child_id_number == child_id()

    @pytest.mark.parametrize(("field", "value", "message"), [
        ("child_id_number", "350203200709017010", "校验位"),
        ("child_id_number", "12345", "18 位"),
        ("entry_year", "1999", "入学年份"),
        ("entry_year", "２０２６x", "入学年份"),
        ("basis_note", "", "说明"),
        ("child_name", "", "子女姓名"),
        ("stage", "kindergarten", "就读阶段"),
        ("basis", "hardship", "困难职工档案"),
    ])
    def test_bad_input_is_named_and_nothing_is_saved(self, aid_world, field, value, message):
        with pytest.raises(ReviewError) as refused:
            draft(aid_world.member, aid_world.campaign, **{field: value})
        assert field in refused.value.fields and message in str(refused.value.fields[field][0])
        assert not EducationAidApplication.objects.exists() and not AidEvent.objects.exists()

    def test_the_members_own_id_is_not_the_childs(self, aid_world):
        with pytest.raises(ReviewError) as refused:
            draft(aid_world.member, aid_world.campaign, child_id_number=aid_world.member.id_number)
        assert "子女本人" in str(refused.value.fields["child_id_number"][0])

    def test_a_child_born_before_the_parent_is_refused(self, aid_world):
        with pytest.raises(ReviewError) as refused:
            draft(aid_world.member, aid_world.campaign, child_id_number=child_id_born("19700101"))
        assert "晚于" in str(refused.value.fields["child_id_number"][0])

    def test_aid_declared_elsewhere_needs_its_source_and_a_sane_amount(self, aid_world):
        with pytest.raises(ReviewError) as refused:
            draft(aid_world.member, aid_world.campaign, other_aid_declared=True, other_aid_amount="-5")
        assert {"other_aid_source", "other_aid_amount"} <= refused.value.fields.keys()

    def test_outside_the_window_nobody_files(self, aid_world):
        today = timezone.localdate()
        aid_world.campaign.opens_on = today - timedelta(days=40)
        aid_world.campaign.closes_on = today - timedelta(days=1)
        aid_world.campaign.save()
        with pytest.raises(ReviewError) as refused:
            draft(aid_world.member, aid_world.campaign)
        assert "申请期" in refused.value.message
        assert not EducationAidApplication.objects.exists()

    def test_a_draft_cannot_be_submitted_after_the_window_closed(self, aid_world):
        application = with_documents(aid_world.member, draft(aid_world.member, aid_world.campaign))
        aid_world.campaign.closes_on = timezone.localdate() - timedelta(days=1)
        aid_world.campaign.save()
        with pytest.raises(ReviewError) as refused:
            aid.aid_application_submit(actor=aid_world.member.user, application_id=application.pk)
        assert "截止" in refused.value.message

    def test_a_signed_in_user_who_is_no_member_cannot_file(self, aid_world):
        with pytest.raises(ReviewError) as refused:
            aid.aid_application_create(actor=aid_world.nobody, campaign_id=aid_world.campaign.pk, values=aid_facts())
        assert refused.value.code == "forbidden"

    def test_submitting_without_documents_says_what_is_missing(self, aid_world):
        application = draft(aid_world.member, aid_world.campaign)
        with pytest.raises(ReviewError) as refused:
            aid.aid_application_submit(actor=aid_world.member.user, application_id=application.pk)
        assert "录取通知书或学生证" in refused.value.message and "身份证或户口簿" in refused.value.message
        application.refresh_from_db()
        assert application.state == "draft"

    def test_another_member_cannot_touch_the_application(self, aid_world):
        application = draft(aid_world.member, aid_world.campaign)
        for attempt in (
            lambda: aid.aid_application_submit(actor=aid_world.spouse.user, application_id=application.pk),
            lambda: aid.aid_application_update(actor=aid_world.spouse.user, application_id=application.pk,
                                               values=aid_facts(school="别的学校")),
            lambda: aid.aid_application_withdraw(actor=aid_world.spouse.user, application_id=application.pk),
        ):
            with pytest.raises(ReviewError) as refused:
                attempt()
            assert refused.value.code == "not_found"


def child_id_born(birth: str) -> str:
    from tests.factories import id_number_for

    return id_number_for(901, birth=birth)


class TestOneGrantPerChildAndYear:
    def test_the_other_parent_cannot_file_for_the_same_child(self, aid_world):
        draft(aid_world.member, aid_world.campaign)
        with pytest.raises(ReviewError) as refused:
            draft(aid_world.spouse, aid_world.campaign)
        assert refused.value.code == "duplicate" and "每年只能" in refused.value.message
        assert EducationAidApplication.objects.count() == 1

    def test_a_withdrawn_application_leaves_room_for_a_new_one(self, aid_world):
        first = draft(aid_world.member, aid_world.campaign)
        aid.aid_application_withdraw(actor=aid_world.member.user, application_id=first.pk)
        assert draft(aid_world.spouse, aid_world.campaign).state == "draft"

    def test_the_database_refuses_a_second_live_application_whatever_the_code_does(self, aid_world):
        first = draft(aid_world.member, aid_world.campaign)
        with pytest.raises(IntegrityError), transaction.atomic():
            EducationAidApplication.objects.create(
                number="A-copy", campaign=aid_world.campaign, year=first.year, member=aid_world.spouse,
                branch=first.branch, basis="illness", child_name="张小明", child_id_number=first.child_id_number,
                school="x", stage="undergraduate", entry_year=first.entry_year)

    def test_changing_a_draft_to_a_child_already_applied_for_is_refused(self, aid_world):
        draft(aid_world.member, aid_world.campaign)
        second = draft(aid_world.spouse, aid_world.campaign, child_id_number=child_id(2), child_name="张小红")
        with pytest.raises(ReviewError) as refused:
            aid.aid_application_update(actor=aid_world.spouse.user, application_id=second.pk, values=aid_facts())
        assert refused.value.code == "duplicate"
        second.refresh_from_db()
        assert second.child_id_number == child_id(2)


class TestReview:
    def test_base_then_federation_approve_and_the_member_is_told(self, aid_world):
        application = approved(aid_world)
        assert application.state == "approved" and application.approved_amount == UNDERGRADUATE
        assert application.base_decided_by == aid_world.reviewer_base
        assert application.federation_decided_by == aid_world.reviewer_fed
        assert any("已核准" in t for t in titles(aid_world.member.user))

    def test_the_base_reviewer_cannot_approve_nor_the_sibling_branch_see_it(self, aid_world):
        application = submitted(aid_world.member, aid_world.campaign)
        with pytest.raises(ReviewError) as refused:
            aid.aid_approve(actor=aid_world.reviewer_base, application_id=application.pk, version=application.version)
        assert refused.value.code in ("wrong_state", "forbidden")
        with pytest.raises(ReviewError) as hidden:
            aid.aid_pass(actor=aid_world.reviewer_sibling, application_id=application.pk, version=application.version)
        assert hidden.value.code == "not_found"

    def test_a_reviewer_never_decides_their_own_familys_application(self, aid_world, staff_of):
        StaffRole.objects.create(user=aid_world.member.user, branch=aid_world.tree.base_a1,
                                 role=StaffRole.Role.CLAIMS_REVIEWER)
        application = submitted(aid_world.member, aid_world.campaign)
        with pytest.raises(ReviewError) as refused:
            aid.aid_pass(actor=aid_world.member.user, application_id=application.pk, version=application.version)
        assert refused.value.code == "forbidden" and "本人" in refused.value.message
        assert aid.aid_actions_allowed(aid_world.member.user, application) == []

    def test_one_person_cannot_take_both_decisions(self, aid_world):
        StaffRole.objects.create(user=aid_world.reviewer_base, branch=aid_world.tree.city,
                                 role=StaffRole.Role.CLAIMS_REVIEWER)
        application = submitted(aid_world.member, aid_world.campaign)
        application = aid.aid_pass(actor=aid_world.reviewer_base, application_id=application.pk,
                                   version=application.version)
        with pytest.raises(ReviewError) as refused:
            aid.aid_approve(actor=aid_world.reviewer_base, application_id=application.pk, version=application.version)
        assert "两级" in refused.value.message

    def test_a_return_asks_for_what_was_ticked_and_the_resubmission_goes_round_again(self, aid_world):
        application = submitted(aid_world.member, aid_world.campaign)
        application = aid.aid_return(actor=aid_world.reviewer_base, application_id=application.pk,
                                     version=application.version, items=["document:admission"], message="看不清")
        assert application.state == "returned" and application.return_items == ["document:admission"]
        assert any("需要补充材料" in t for t in titles(aid_world.member.user))
        application = aid.aid_application_submit(actor=aid_world.member.user, application_id=application.pk)
        assert application.state == "base_review" and application.return_items == []

    def test_the_amount_cannot_exceed_the_stages_standard(self, aid_world):
        application = submitted(aid_world.member, aid_world.campaign)
        with pytest.raises(ReviewError) as refused:
            aid.aid_adjust(actor=aid_world.reviewer_base, application_id=application.pk, version=application.version,
                           amount="3000.01", reason="多给一分")
        assert "资助标准" in refused.value.message
        lowered = aid.aid_adjust(actor=aid_world.reviewer_base, application_id=application.pk,
                                 version=application.version, amount="2000", reason="已获部分学费减免")
        assert lowered.approved_amount == Decimal("2000.00")

    def test_a_stale_version_changes_nothing(self, aid_world):
        application = submitted(aid_world.member, aid_world.campaign)
        aid.aid_pass(actor=aid_world.reviewer_base, application_id=application.pk, version=application.version)
        with pytest.raises(ReviewError) as refused:
            aid.aid_reject(actor=aid_world.reviewer_fed, application_id=application.pk, version=application.version,
                           reason="not_eligible")
        assert refused.value.code == "conflict"

    def test_reject_needs_a_reason_of_the_aid_list(self, aid_world):
        application = submitted(aid_world.member, aid_world.campaign)
        with pytest.raises(ReviewError):
            aid.aid_reject(actor=aid_world.reviewer_base, application_id=application.pk, version=application.version,
                           reason="cap_reached")  # a claims reason, not aid's
        rejected = aid.aid_reject(actor=aid_world.reviewer_base, application_id=application.pk,
                                  version=application.version, reason="school", message="学籍不符")
        assert rejected.state == "rejected" and any("未予资助" in t for t in titles(aid_world.member.user))


class TestAidDeclaredElsewhere:
    def test_it_blocks_approval_until_a_reviewer_checks_it_and_says_why(self, aid_world, staff_of):
        application = submitted(aid_world.member, aid_world.campaign, other_aid_declared=True,
                                other_aid_source="区教育局", other_aid_amount="1000")
        application = aid.aid_pass(actor=aid_world.reviewer_base, application_id=application.pk,
                                   version=application.version)
        allowed = aid.aid_actions_allowed(aid_world.reviewer_fed, application)
        assert "approve" not in allowed and "override" in allowed
        with pytest.raises(ReviewError) as refused:
            aid.aid_approve(actor=aid_world.reviewer_fed, application_id=application.pk, version=application.version)
        assert refused.value.code == "other_aid" and "其他助学资助" in refused.value.message
        with pytest.raises(ReviewError):
            aid.aid_other_aid_override(actor=aid_world.reviewer_fed, application_id=application.pk,
                                       version=application.version, reason="  ")
        application = aid.aid_other_aid_override(actor=aid_world.reviewer_fed, application_id=application.pk,
                                                 version=application.version, reason="核实为一次性慰问金")
        assert application.other_aid_override_by == aid_world.reviewer_fed
        # Four eyes: lifting the block lets a second grant through, so the one who lifted it does not approve.
        assert "approve" not in aid.aid_actions_allowed(aid_world.reviewer_fed, application)
        with pytest.raises(ReviewError) as refused:
            aid.aid_approve(actor=aid_world.reviewer_fed, application_id=application.pk, version=application.version)
        assert refused.value.code == "forbidden" and "另一位上级工会审核员" in refused.value.message
        assert EducationAidApplication.objects.get(pk=application.pk).state == "federation_review"
        second_reviewer = staff_of(aid_world.tree.city, role="claims_reviewer")
        assert "approve" in aid.aid_actions_allowed(second_reviewer, application)
        approved_now = aid.aid_approve(actor=second_reviewer, application_id=application.pk,
                                       version=application.version)
        assert approved_now.state == "approved" and approved_now.federation_decided_by == second_reviewer
        assert AidEvent.objects.filter(application=application, action="override", actor=aid_world.reviewer_fed,
                                       message="核实为一次性慰问金").exists()

    def test_a_base_reviewer_who_lifted_it_leaves_the_federation_reviewer_free_to_approve(self, aid_world):
        application = submitted(aid_world.member, aid_world.campaign, other_aid_declared=True,
                                other_aid_source="区教育局", other_aid_amount="1000")
        application = aid.aid_other_aid_override(actor=aid_world.reviewer_base, application_id=application.pk,
                                                 version=application.version, reason="核实为一次性慰问金")
        application = aid.aid_pass(actor=aid_world.reviewer_base, application_id=application.pk,
                                   version=application.version)
        approved_now = aid.aid_approve(actor=aid_world.reviewer_fed, application_id=application.pk,
                                       version=application.version)
        assert approved_now.state == "approved"


class TestPayout:
    def test_one_batch_pays_claims_and_aid_together(self, aid_world, claim_world, django_capture_on_commit_callbacks):
        application = approved(aid_world)
        claim = claims_helpers.approved(claim_world, django_capture_on_commit_callbacks)
        result = payouts.payout_batch_create(actor=aid_world.finance, branch_id=aid_world.tree.district_a.pk)
        assert result.count == 2 and result.total == UNDERGRADUATE + claim.approved_amount
        rows = batch_rows(result.batch)
        assert {row[5] for row in rows} == {application.number, claim.number}
        assert any(row[6].startswith("金秋助学金") for row in rows)
        assert any(row[6].startswith("职工医疗互助补助") for row in rows)
        payouts.payout_batch_mark_paid(actor=aid_world.finance, batch_id=result.batch.pk)
        application.refresh_from_db()
        claim.refresh_from_db()
        assert (application.state, application.paid_amount) == ("paid", UNDERGRADUATE)
        assert claim.state == "paid"
        assert any("助学金已发放" in t for t in titles(aid_world.member.user))

    def test_a_payout_item_pays_exactly_one_application(self, aid_world):
        application = approved(aid_world)
        batch = payouts.payout_batch_create(actor=aid_world.finance, branch_id=aid_world.tree.district_a.pk).batch
        with pytest.raises(IntegrityError), transaction.atomic():
            PayoutItem.objects.create(batch=batch, amount=Decimal("1.00"))
        with pytest.raises(IntegrityError), transaction.atomic():
            PayoutItem.objects.create(batch=batch, amount=Decimal("1.00"), aid_application=application)  # pending twice

    def test_finance_never_pays_their_own_familys_aid(self, aid_world):
        StaffRole.objects.create(user=aid_world.member.user, branch=aid_world.tree.district_a,
                                 role=StaffRole.Role.FINANCE)
        approved(aid_world)
        with pytest.raises(ReviewError) as refused:
            payouts.payout_batch_create(actor=aid_world.member.user, branch_id=aid_world.tree.district_a.pk)
        assert refused.value.code == "forbidden"

    def test_a_bounced_transfer_goes_back_to_approved(self, aid_world):
        application = approved(aid_world)
        batch = payouts.payout_batch_create(actor=aid_world.finance, branch_id=aid_world.tree.district_a.pk).batch
        item = batch.items.get()
        payouts.payout_item_mark_failed(actor=aid_world.finance, item_id=item.pk, note="账号不存在")
        application.refresh_from_db()
        assert application.state == "approved"
        assert any("助学金发放未成功" in t for t in titles(aid_world.member.user))
        again = payouts.payout_batch_create(actor=aid_world.finance, branch_id=aid_world.tree.district_a.pk)
        assert again.count == 1


class TestLetter:
    def test_the_letter_names_the_child_the_amount_and_checks_out(self, aid_world):
        application = approved(aid_world)
        application = EducationAidApplication.objects.select_related("member", "branch", "campaign__federation").get(
            pk=application.pk)
        text = pdf_text(pdf.aid_letter_pdf(application)).replace(" ", "")
        assert "金秋助学审核决定书" in text and "张小明" in text and "3,000.00" in text
        assert "示范市总工会" in text
        check = letters.letter_check(letters.letter_token(letters.AID, application.pk))
        assert check.number == application.number and check.amount == UNDERGRADUATE
        assert check.name != aid_world.member.name  # masked

    def test_a_base_level_rejection_is_issued_by_the_base_union(self, aid_world):
        application = submitted(aid_world.member, aid_world.campaign)
        application = aid.aid_reject(actor=aid_world.reviewer_base, application_id=application.pk,
                                     version=application.version, reason="documents")
        application = EducationAidApplication.objects.select_related("member", "branch", "campaign__federation").get(
            pk=application.pk)
        assert letters.aid_issuer(application) == aid_world.tree.base_a1


class TestReminders:
    def test_reviewers_hear_of_applications_waiting_beyond_the_service_time_once_a_day(self, aid_world):
        application = submitted(aid_world.member, aid_world.campaign)
        later = timezone.now() + timedelta(days=6)
        assert aid.aid_overdue_remind(now=later) == 1
        assert aid.aid_overdue_remind(now=later) == 0
        assert any("助学申请等待审核已超过 5 天" in t for t in titles(aid_world.reviewer_base))
        application.refresh_from_db()
        assert application.reminded_at is not None


class TestHardshipGround:
    """The hardship ground stands on the register: personas of both (the member's family brought to a state by the
    base union's hardship officer)."""

    @pytest.fixture
    def world(self, aid_world, org_tree, member_factory, staff_of, user_factory):
        from tests.benefits.hardship_helpers import hardship_world

        hw = hardship_world(org_tree, member_factory, staff_of, user_factory)
        hw.member = aid_world.member
        return aid_world, hw

    def test_a_confirmed_family_applies_on_hardship_without_a_proof_of_its_own(self, world):
        from benefits.aid.selectors import document_checklist
        from tests.benefits.hardship_helpers import family_at

        aid_world, hw = world
        family = family_at(hw, "confirmed")
        application = draft(aid_world.member, aid_world.campaign, basis="hardship", basis_note="")
        assert application.hardship_family == family
        assert [c.kind for c in document_checklist(application)] == ["admission", "id_card"]

    @pytest.mark.parametrize("status", ["filed", "visited", "notice"])
    def test_a_family_not_yet_confirmed_is_no_ground(self, world, status):
        from tests.benefits.hardship_helpers import family_at

        aid_world, hw = world
        family_at(hw, status)
        with pytest.raises(ReviewError) as refused:
            draft(aid_world.member, aid_world.campaign, basis="hardship", basis_note="")
        assert "困难职工档案" in str(refused.value.fields["basis"][0])
        assert not EducationAidApplication.objects.exists()

    def test_a_family_that_left_the_register_meanwhile_cannot_submit_on_it(self, world):
        from benefits.hardship import services as hardship
        from tests.benefits.hardship_helpers import family_at

        aid_world, hw = world
        family = family_at(hw, "confirmed")
        application = draft(aid_world.member, aid_world.campaign, basis="hardship", basis_note="")
        with_documents(aid_world.member, application)
        hardship.family_leave(actor=hw.officer, family_id=family.pk, reason="收入已恢复")
        with pytest.raises(ReviewError) as refused:
            aid.aid_application_submit(actor=aid_world.member.user, application_id=application.pk)
        assert "困难职工档案" in refused.value.message
