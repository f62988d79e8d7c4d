"""Review rules the first pass left open: the 403 of a decision in the schema, the batch page offering finance
their own payout, and an adjustment of an earlier round binding the approver after a resubmission. Personas: a
finance officer who is also the claimant, a colleague in finance, the base and federation reviewers."""

import pytest
from django.urls import reverse

from benefits.claims import services as claims
from members.models import StaffRole

from .claims_helpers import approved, submitted_stay

pytestmark = pytest.mark.django_db


def test_the_schema_documents_the_403_of_a_decision(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    decide = next(ops["post"] for path, ops in schema["paths"].items() if path.endswith("/decide/"))
    assert "403" in decide["responses"]


def test_the_batch_page_does_not_offer_finance_their_own_payout(client, claim_world,
                                                                django_capture_on_commit_callbacks):
    officer = claim_world.claimant.user  # the claimant, also finance of district A
    officer.is_staff = True
    officer.save(update_fields=["is_staff"])
    StaffRole.objects.create(user=officer, branch=claim_world.tree.district_a, role="finance")
    approved(claim_world, django_capture_on_commit_callbacks)
    batch = claims.payout_batch_create(actor=claim_world.finance, branch_id=claim_world.tree.district_a.pk).batch
    page_url = reverse("admin:benefits_payoutbatch_change", args=[batch.pk])
    client.force_login(officer)
    page = client.get(page_url).content.decode()
    assert "本人的申请" in page and 'value="paid"' not in page and 'value="failed"' not in page
    client.force_login(claim_world.finance)
    page = client.get(page_url).content.decode()
    assert 'value="paid"' in page and 'value="failed"' in page


def test_an_adjustment_of_an_earlier_round_does_not_bind_the_approver(claim_world, staff_of,
                                                                      django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    claim = claims.claim_pass(actor=claim_world.reviewer_base, claim_id=claim.pk, version=claim.version)
    claim = claims.claim_adjust(actor=claim_world.reviewer_fed, claim_id=claim.pk, version=claim.version,
                                amount="800.00", reason="部分票据不符")
    claim = claims.claim_return(actor=staff_of(claim_world.tree.city, role="claims_reviewer"), claim_id=claim.pk,
                                version=claim.version, message="请补发票", items=["document:invoice"])
    with django_capture_on_commit_callbacks(execute=True):
        claims.claim_submit(actor=claim_world.claimant.user, claim_id=claim.pk)
    claim.refresh_from_db()
    claim = claims.claim_pass(actor=claim_world.reviewer_base, claim_id=claim.pk, version=claim.version)
    # The amount on the claim is the new assessment's, not the earlier adjustment: its adjuster may approve it.
    assert "approve" in claims.claim_actions_allowed(claim_world.reviewer_fed, claim)
    claim = claims.claim_approve(actor=claim_world.reviewer_fed, claim_id=claim.pk, version=claim.version)
    assert claim.state == claim.State.APPROVED
