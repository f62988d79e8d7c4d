"""No one decides their own claim, each level acts only at its own level, and an adjusted amount is approved by
someone else; every edit of a claim is kept. The rule lives in the claims services, so the admin, the pages and
the API obey it alike. Personas: the claimant who is also a reviewer (and a finance officer), the base union's
reviewer, the federation's reviewer and a colleague of theirs, finance, an outsider."""

from decimal import Decimal

import pytest
from django.urls import reverse

from benefits.claims import services as claims
from benefits.models import Claim, ClaimEvent
from core.models import AuditLogEntry
from members.models import Notification, StaffRole

from .claims_helpers import approved, draft_stay, in_federation_review, submitted_stay

S = Claim.State
REVIEW = "/api/v1/claims/review/"


@pytest.fixture
def claimant_reviewer(claim_world):
    """The claimant holds the claims-reviewer role at base (their own base union) and at the federation."""
    user = claim_world.claimant.user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    StaffRole.objects.create(user=user, branch=claim_world.tree.base_a1, role="claims_reviewer")
    StaffRole.objects.create(user=user, branch=claim_world.tree.city, role="claims_reviewer")
    return user


def test_the_claimant_reviewer_cannot_pass_their_own_claim(claim_world, claimant_reviewer,
                                                           django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    with pytest.raises(claims.ClaimError) as error:
        claims.claim_pass(actor=claimant_reviewer, claim_id=claim.pk, version=claim.version)
    assert error.value.code == "forbidden" and "本人的申请" in error.value.message
    assert claims.claim_actions_allowed(claimant_reviewer, claim) == []
    claim.refresh_from_db()
    assert claim.state == S.BASE_REVIEW


@pytest.mark.parametrize("action", ["approve", "adjust", "reject", "return"])
def test_the_claimant_reviewer_cannot_decide_their_own_claim_at_federation_level(
    claim_world, claimant_reviewer, django_capture_on_commit_callbacks, action
):
    claim = in_federation_review(claim_world, django_capture_on_commit_callbacks)
    kwargs = {"actor": claimant_reviewer, "claim_id": claim.pk, "version": claim.version}
    kwargs.update({"approve": {}, "adjust": {"amount": "50000", "reason": "我说了算"},
                   "reject": {"reason": "other", "message": "x"},
                   "return": {"message": "x", "items": ["document:invoice"]}}[action])
    with pytest.raises(claims.ClaimError) as error:
        claims.REVIEW_ACTIONS[action](**kwargs)
    assert "本人的申请" in error.value.message
    claim.refresh_from_db()
    assert claim.state == S.FEDERATION_REVIEW and claim.approved_amount is None


def test_the_admin_hides_every_action_from_the_claimant_reviewer_and_says_why(
    client, claim_world, claimant_reviewer, django_capture_on_commit_callbacks
):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    client.force_login(claimant_reviewer)
    page = client.get(reverse("admin:benefits_claim_change", args=[claim.pk])).content.decode()
    assert 'name="action"' not in page and "本人的申请" in page
    response = client.post(reverse("admin:benefits_claim_change", args=[claim.pk]),
                           {"action": "pass", "version": claim.version}, follow=True)
    assert "本人的申请" in response.content.decode()
    claim.refresh_from_db()
    assert claim.state == S.BASE_REVIEW


def test_the_api_answers_403_with_the_reason_to_the_claimant_reviewer(
    api_client, claim_world, claimant_reviewer, django_capture_on_commit_callbacks
):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    api_client.force_authenticate(claimant_reviewer)
    detail = api_client.get(f"{REVIEW}{claim.pk}/").json()
    assert detail["actions_allowed"] == []
    response = api_client.post(f"{REVIEW}{claim.pk}/decide/", {"action": "pass", "version": claim.version},
                               format="json")
    assert response.status_code == 403
    assert "本人的申请" in response.json()["error"]["message"]


def test_each_level_acts_only_at_its_own(claim_world, django_capture_on_commit_callbacks):
    """The federation's reviewer cannot act at base level; the base reviewer cannot act (adjusting included) at
    federation level."""
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    assert claims.claim_actions_allowed(claim_world.reviewer_fed, claim) == []
    assert set(claims.claim_actions_allowed(claim_world.reviewer_base, claim)) == {"pass", "return", "reject",
                                                                                   "adjust"}
    with pytest.raises(claims.ClaimError) as error:
        claims.claim_pass(actor=claim_world.reviewer_fed, claim_id=claim.pk, version=claim.version)
    assert "基层工会审核员" in error.value.message
    claim = claims.claim_pass(actor=claim_world.reviewer_base, claim_id=claim.pk, version=claim.version)
    with pytest.raises(claims.ClaimError) as error:
        claims.claim_adjust(actor=claim_world.reviewer_base, claim_id=claim.pk, version=claim.version,
                            amount="5000", reason="提高")
    assert "上级工会审核员" in error.value.message
    claim.refresh_from_db()
    assert claim.approved_amount is None
    assert claims.claim_actions_allowed(claim_world.reviewer_base, claim) == []


def test_the_base_reviewer_adjusting_at_federation_level_is_refused_by_the_api(
    api_client, claim_world, django_capture_on_commit_callbacks
):
    claim = in_federation_review(claim_world, django_capture_on_commit_callbacks)
    api_client.force_authenticate(claim_world.reviewer_base)
    response = api_client.post(f"{REVIEW}{claim.pk}/decide/",
                               {"action": "adjust", "version": claim.version, "amount": "5000", "message": "x"},
                               format="json")
    assert response.status_code in (403, 404)  # out of their level: refused with why (403) or not theirs (404)
    claim.refresh_from_db()
    assert claim.approved_amount is None


def test_whoever_adjusted_the_amount_cannot_approve_it_and_the_approval_records_its_amount(
    claim_world, django_capture_on_commit_callbacks, staff_of
):
    claim = in_federation_review(claim_world, django_capture_on_commit_callbacks)
    adjuster, colleague = claim_world.reviewer_fed, staff_of(claim_world.tree.city, role="claims_reviewer")
    claim = claims.claim_adjust(actor=adjuster, claim_id=claim.pk, version=claim.version, amount="700.00",
                                reason="床位费不予计入")
    assert "approve" not in claims.claim_actions_allowed(adjuster, claim)
    with pytest.raises(claims.ClaimError) as error:
        claims.claim_approve(actor=adjuster, claim_id=claim.pk, version=claim.version)
    assert "另一位" in error.value.message
    claims.claim_approve(actor=colleague, claim_id=claim.pk, version=claim.version, amount="700.00")
    approval = ClaimEvent.objects.get(claim=claim, action="approve")
    assert approval.amount_to == Decimal("700.00") and approval.actor == colleague


def test_an_approval_of_a_figure_changed_meanwhile_is_refused(api_client, claim_world, staff_of,
                                                              django_capture_on_commit_callbacks):
    """The approver confirms the amount they read; a colleague's adjustment in between makes it a 409."""
    claim = in_federation_review(claim_world, django_capture_on_commit_callbacks)
    seen = claim.amount_due
    colleague = staff_of(claim_world.tree.city, role="claims_reviewer")
    claims.claim_adjust(actor=colleague, claim_id=claim.pk, version=claim.version, amount="100.00", reason="x")
    claim.refresh_from_db()
    api_client.force_authenticate(claim_world.reviewer_fed)
    response = api_client.post(f"{REVIEW}{claim.pk}/decide/",
                               {"action": "approve", "version": claim.version, "amount": str(seen)}, format="json")
    assert response.status_code == 409
    claim.refresh_from_db()
    assert claim.state == S.FEDERATION_REVIEW


# --- payouts -------------------------------------------------------------------------------------------------

@pytest.fixture
def finance_claimant(claim_world, staff_of):
    """The claimant is also finance of district A (the claim's district)."""
    StaffRole.objects.create(user=claim_world.claimant.user, branch=claim_world.tree.district_a, role="finance")
    return claim_world.claimant.user


def test_finance_never_puts_their_own_claim_in_a_batch(claim_world, finance_claimant,
                                                        django_capture_on_commit_callbacks):
    approved(claim_world, django_capture_on_commit_callbacks)
    with pytest.raises(claims.ClaimError) as error:
        claims.payout_batch_create(actor=finance_claimant, branch_id=claim_world.tree.district_a.pk)
    assert "其他财务人员" in error.value.message
    # a colleague batches it; the claimant may neither mark that batch paid nor its item failed
    result = claims.payout_batch_create(actor=claim_world.finance, branch_id=claim_world.tree.district_a.pk)
    assert result.count == 1 and result.own_left_out == 0
    with pytest.raises(claims.ClaimError) as error:
        claims.payout_batch_mark_paid(actor=finance_claimant, batch_id=result.batch.pk)
    assert "本人的申请" in error.value.message
    item = result.batch.items.get()
    with pytest.raises(claims.ClaimError):
        claims.payout_item_mark_failed(actor=finance_claimant, item_id=item.pk, note="退票")
    assert claims.payout_batch_mark_paid(actor=claim_world.finance, batch_id=result.batch.pk) == 1


def test_a_finance_officers_batch_leaves_out_their_own_claim_and_says_so(
    claim_world, finance_claimant, django_capture_on_commit_callbacks
):
    approved(claim_world, django_capture_on_commit_callbacks)
    other = draft_stay(claim_world)  # another member's approved claim in the same district
    Claim.objects.filter(pk=other.pk).update(member=claim_world.other, enrolment=claim_world.other_enrolment,
                                             state=S.APPROVED, approved_amount=Decimal("300.00"))
    result = claims.payout_batch_create(actor=finance_claimant, branch_id=claim_world.tree.district_a.pk)
    assert result.count == 1 and result.own_left_out == 1
    assert list(result.batch.items.values_list("claim_id", flat=True)) == [other.pk]


def test_an_outsider_finds_nothing_to_act_on(claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    with pytest.raises(claims.ClaimError) as error:
        claims.claim_pass(actor=claim_world.nobody, claim_id=claim.pk, version=claim.version)
    assert error.value.code == "not_found"


# --- every change kept ----------------------------------------------------------------------------------------

def test_an_edit_is_kept_as_an_event_and_an_audit_entry_with_what_changed(claim_world):
    claim = draft_stay(claim_world)
    claims.claim_update(actor=claim_world.claimant.user, claim_id=claim.pk,
                        facts={"hospital": "市第二医院", "bank_account": "6222020200177773445"})
    event = ClaimEvent.objects.get(claim=claim, action="update")
    assert event.actor == claim_world.claimant.user
    assert event.changes["hospital"][1] == "市第二医院"
    assert event.changes["bank_account"][1] == "****3445"  # never the whole number
    entry = AuditLogEntry.objects.get(action="benefits.claim.update", target_id=str(claim.pk))
    assert entry.data["changes"]["bank_account"][1] == "****3445"
    # a draft's payee change tells no one: nothing was submitted yet
    assert not Notification.objects.filter(kind__startswith="benefits.claim", title__contains="收款账户").exists()
    # saving the same facts again records nothing
    claims.claim_update(actor=claim_world.claimant.user, claim_id=claim.pk, facts={"hospital": "市第二医院"})
    assert ClaimEvent.objects.filter(claim=claim, action="update").count() == 1


def test_a_payee_change_after_submission_is_told_to_the_member_and_shown_to_reviewers(
    client, api_client, claim_world, django_capture_on_commit_callbacks
):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    claim = claims.claim_return(actor=claim_world.reviewer_base, claim_id=claim.pk, version=claim.version,
                                message="请补充费用清单", items=["fact:bank_account"])
    claims.claim_update(actor=claim_world.claimant.user, claim_id=claim.pk,
                        facts={"bank_account": "6222020200199998888", "account_holder": "李四"})
    told = Notification.objects.filter(user=claim_world.claimant.user, title__contains="收款账户").get()
    assert "8888" in told.body
    with django_capture_on_commit_callbacks(execute=True):
        claims.claim_submit(actor=claim_world.claimant.user, claim_id=claim.pk)
    client.force_login(claim_world.reviewer_base)
    page = client.get(reverse("admin:benefits_claim_change", args=[claim.pk])).content.decode()
    assert "修改了收款账户" in page and "****8888" in page
    api_client.force_authenticate(claim_world.reviewer_base)
    changes = api_client.get(f"{REVIEW}{claim.pk}/").json()["bank_changes"]
    assert changes and changes[0]["changes"]["bank_account"][1] == "****8888"
