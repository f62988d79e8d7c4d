"""The payout account is typed once (#15.2, in part): a new claim takes the payee of the member's last submitted
claim, shown masked before it is created and changeable. Personas: the claimant (owner), another member
(outsider: never gets it)."""

import pytest

from benefits.claims import services as claims
from tests.benefits.claims_helpers import submitted_stay

pytestmark = pytest.mark.django_db


def test_the_next_claim_takes_the_last_payee_and_the_page_shows_it_masked(client, claim_world,
                                                                          django_capture_on_commit_callbacks):
    submitted_stay(claim_world, django_capture_on_commit_callbacks)  # paid to 工商银行 6222020200112233445, 张三
    client.force_login(claim_world.claimant.user)
    page = client.get("/benefits/claims/new/").content.decode()
    assert "****3445" in page and "6222020200112233445" not in page
    second = claims.claim_create(actor=claim_world.claimant.user, enrolment_id=claim_world.enrolment.pk,
                                 kind="accidental_injury", facts={"diagnosis": "扭伤"})
    assert (second.bank_name, second.bank_account, second.account_holder) == (
        "工商银行", "6222020200112233445", "张三")
    # Typed on this claim: the member's own entry wins.
    third = claims.claim_create(actor=claim_world.claimant.user, enrolment_id=claim_world.enrolment.pk,
                                kind="accidental_injury",
                                facts={"bank_account": "6222000011112222", "bank_name": "建设银行"})
    assert third.bank_account == "6222000011112222" and third.account_holder == ""


def test_a_draft_never_submitted_is_not_a_saved_account_and_no_one_else_gets_it(client, claim_world,
                                                                                django_capture_on_commit_callbacks):
    claims.claim_create(actor=claim_world.claimant.user, enrolment_id=claim_world.enrolment.pk,
                        kind="accidental_injury", facts={"bank_account": "6222000011112222"})
    fresh = claims.claim_create(actor=claim_world.claimant.user, enrolment_id=claim_world.enrolment.pk,
                                kind="accidental_injury")
    assert fresh.bank_account == ""
    submitted_stay(claim_world, django_capture_on_commit_callbacks)
    outsider = claims.claim_create(actor=claim_world.other.user, enrolment_id=claim_world.other_enrolment.pk,
                                   kind="accidental_injury")
    assert outsider.bank_account == ""
    client.force_login(claim_world.other.user)
    assert "****" not in client.get("/benefits/claims/new/").content.decode()
