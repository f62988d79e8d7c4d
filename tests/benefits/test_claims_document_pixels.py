"""A claim document that is a decompression bomb is refused from its header, before it is decoded."""

import pytest

from benefits.claims import services as claims
from benefits.models import ClaimDocument
from tests.benefits.claims_helpers import draft_stay, upload
from tests.members.test_uploads import make_bomb_png, small_png


@pytest.fixture(scope="module")
def bomb_png() -> bytes:
    return make_bomb_png()


def test_a_member_uploading_the_bomb_as_a_claim_document_gets_a_message_and_nothing_is_kept(claim_world, bomb_png):
    """The claimant (owner of the draft) uploads it: refused with the reason, no document stored."""
    claim = draft_stay(claim_world)
    with pytest.raises(claims.ClaimError) as error:
        claims.document_add(actor=claim_world.claimant.user, claim_id=claim.pk, kind="invoice",
                            upload=upload(bomb_png, "invoice.png", "image/png"))
    assert "百万像素" in error.value.message
    assert "百万像素" in str(error.value.fields["file"])
    assert not ClaimDocument.objects.exists()


def test_the_member_uploads_an_ordinary_photo(claim_world):
    claim = draft_stay(claim_world)
    document = claims.document_add(actor=claim_world.claimant.user, claim_id=claim.pk, kind="invoice",
                                   upload=upload(small_png(), "invoice.png", "image/png"))
    assert document.content_type == "image/png"
