"""A return says what is missing (#15.5): the reviewer ticks documents or facts from the claim's own list, the
member sees that list at the top of the claim; a return with nothing ticked is refused. Personas: the base
union's reviewer (staff), the claimant (owner), another member (outsider)."""

import pytest

from benefits.claims import services as claims
from benefits.models import Claim, ClaimEvent
from tests.benefits.claims_helpers import submitted_stay

pytestmark = pytest.mark.django_db
S = Claim.State


def test_the_reviewer_ticks_what_is_missing_in_the_admin_and_the_member_sees_it_first(
        client, claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    claim.refresh_from_db()
    client.force_login(claim_world.reviewer_base)
    page = client.get(f"/admin/benefits/claim/{claim.pk}/change/").content.decode()
    assert 'name="items" value="document:expense_list"' in page and 'value="fact:hospital"' in page
    client.post(f"/admin/benefits/claim/{claim.pk}/change/", {
        "action": "return", "version": claim.version, "message": "清单要盖章",
        "items": ["document:expense_list", "fact:hospital"]})
    claim.refresh_from_db()
    assert claim.state == S.RETURNED and claim.return_items == ["document:expense_list", "fact:hospital"]
    client.force_login(claim_world.claimant.user)
    page = client.get(f"/benefits/claims/{claim.pk}/").content.decode()
    top = page.index("工会请您补充")
    assert top < page.index("申请内容") and "费用明细清单" in page[top:] and "清单要盖章" in page[top:]


def test_a_return_with_nothing_ticked_is_refused_and_nothing_changes(client, claim_world,
                                                                     django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    claim.refresh_from_db()
    with pytest.raises(claims.ClaimError) as error:
        claims.claim_return(actor=claim_world.reviewer_base, claim_id=claim.pk, version=claim.version,
                            message="补材料")
    assert "items" in error.value.fields
    client.force_login(claim_world.reviewer_base)
    response = client.post(f"/admin/benefits/claim/{claim.pk}/change/",
                           {"action": "return", "version": claim.version, "message": "补材料"}, follow=True)
    assert "请勾选需要补充的材料或内容" in response.content.decode()
    claim.refresh_from_db()
    assert claim.state == S.BASE_REVIEW and not ClaimEvent.objects.filter(claim=claim, action="return").exists()


def test_an_item_from_another_kind_is_refused(claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    claim.refresh_from_db()
    with pytest.raises(claims.ClaimError):
        claims.claim_return(actor=claim_world.reviewer_base, claim_id=claim.pk, version=claim.version,
                            items=["fact:grade"])  # a disability grade: not a fact of a hospital stay
    claim.refresh_from_db()
    assert claim.state == S.BASE_REVIEW


def test_the_api_returns_with_items_and_the_member_reads_them(api_client, claim_world,
                                                              django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    claim.refresh_from_db()
    api_client.force_authenticate(claim_world.reviewer_base)
    review = api_client.get(f"/api/v1/claims/review/{claim.pk}/").json()
    assert {"value": "document:invoice", "label": "医疗费用发票"} in review["return_item_choices"]
    empty = api_client.post(f"/api/v1/claims/review/{claim.pk}/decide/",
                            {"action": "return", "version": claim.version}, format="json")
    assert empty.status_code == 400 and "items" in empty.json()["error"]["fields"]
    done = api_client.post(f"/api/v1/claims/review/{claim.pk}/decide/",
                           {"action": "return", "version": claim.version, "items": ["document:invoice"]},
                           format="json")
    assert done.status_code == 200, done.json()
    api_client.force_authenticate(claim_world.claimant.user)
    mine = api_client.get(f"/api/v1/claims/{claim.pk}/").json()
    assert mine["return_items"] == ["document:invoice"] and mine["return_item_labels"] == ["医疗费用发票"]
    api_client.force_authenticate(claim_world.other.user)
    assert api_client.get(f"/api/v1/claims/{claim.pk}/").status_code == 404
