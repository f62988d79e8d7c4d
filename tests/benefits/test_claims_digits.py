"""The claimant types the bank account on a Chinese input method: stored in ASCII digits; junk refused."""

import pytest


def test_a_claimant_typing_a_full_width_account_gets_it_stored_in_ascii(claim_world):
    from benefits.claims import services as claims

    world = claim_world
    account = "６２２２ ０２０２ ００１１ ２２３３ ４４５"  # as a Chinese input method types it
    claim = claims.claim_create(actor=world.claimant.user, enrolment_id=world.enrolment.pk,
                                kind="inpatient_self_pay", facts={"bank_account": account})
    assert claim.bank_account == "6222020200112233445"
    with pytest.raises(claims.ClaimError) as error:
        claims.claim_update(actor=world.claimant.user, claim_id=claim.pk, facts={"bank_account": "6222abc"})
    assert "8 至 30 位数字" in str(error.value.fields["bank_account"])
