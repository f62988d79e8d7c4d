"""The review screen in plain words (personas: the base union's reviewer, the federation's reviewer, a sibling
branch's reviewer, the claimant): states and history rows as words in Chinese and English, flags the right way round
with their reasons, invoice numbers as a list, an amount on every row that has one, the year's limits, documents
previewed."""

import pytest
from django.urls import reverse
from django.utils import translation

from benefits.claims import services as claims
from benefits.claims.selectors import year_limits
from benefits.models import Claim
from tests.benefits.claims_helpers import approved, in_federation_review, submitted_stay
from tests.portal.test_i18n import compiled_catalogue, english_client  # noqa: F401 (the fixture, by name)

pytestmark = pytest.mark.django_db
QUEUE = reverse("admin:benefits_claim_changelist")


def _page(client, user, claim) -> str:
    client.force_login(user)
    response = client.get(reverse("admin:benefits_claim_change", args=[claim.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_clean_claims_are_green_and_flagged_ones_red_with_their_reasons(client, claim_world,
                                                                       django_capture_on_commit_callbacks):
    clean = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    twin = submitted_stay(claim_world, django_capture_on_commit_callbacks)  # the same invoices: a duplicate
    assert not clean.flags and twin.flags
    client.force_login(claim_world.reviewer_base)  # the base union's reviewer
    page = client.get(QUEUE).content.decode()
    assert page.count('class="claim-flag-clean"') == 1 and page.count('class="claim-flag-warn"') == 1
    assert twin.flags[0]["message"] in page
    assert "icon-yes.svg" not in page and "icon-no.svg" not in page  # no boolean icons the wrong way round
    assert "claim-flag-clean" in _page(client, claim_world.reviewer_base, clean)


def test_history_reads_in_words_with_an_amount_on_each_row_that_has_one(client, claim_world,
                                                                         django_capture_on_commit_callbacks):
    claim = approved(claim_world, django_capture_on_commit_callbacks)
    page = _page(client, claim_world.reviewer_fed, claim)  # the federation's reviewer
    for code in ("draft", "submitted", "base_review", "federation_review", "approved", "— →"):
        assert f">{code}<" not in page and f"{code} →" not in page and f"→ {code}" not in page
    assert f"{Claim.State.BASE_REVIEW.label} → {Claim.State.FEDERATION_REVIEW.label}" in page
    assert "核算金额 ¥900.00" in page  # the assessment's row
    assert "核定金额 ¥900.00" in page  # the approval's row shows the approved amount
    rows = claims.timeline_rows(claim.events.order_by("at", "id"))
    assert {row.event.action: row.amount for row in rows if row.amount is not None}.keys() >= {"assess", "approve"}


@pytest.mark.usefixtures("compiled_catalogue")
def test_states_read_in_english_too(claim_world, django_capture_on_commit_callbacks):
    claim = in_federation_review(claim_world, django_capture_on_commit_callbacks)
    client = english_client()
    client.force_login(claim_world.reviewer_fed)  # the federation's reviewer, reading English
    page = client.get(reverse("admin:benefits_claim_change", args=[claim.pk])).content.decode()
    with translation.override("en"):
        english = [str(Claim.State.BASE_REVIEW.label), str(Claim.State.FEDERATION_REVIEW.label),
                   str(claims.ACTION_LABELS["pass"]), str(claims.AMOUNT_LABELS["assess"])]
    assert english[1] != "上级工会复核中"
    assert f"{english[0]} → {english[1]}" in page and english[2] in page and f"{english[3]} ¥900.00" in page


def test_invoice_numbers_are_a_list_and_money_one_format(client, claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    page = _page(client, claim_world.reviewer_base, claim)
    assert "<li>FP20260001</li>" in page and "<li>FP20260002</li>" in page
    assert "[&#x27;FP" not in page and "['FP" not in page
    assert "¥12,000.00" in page and "12000.00" not in page  # the total cost
    client.force_login(claim_world.claimant.user)  # the claimant's own page, the same format
    own = client.get(reverse("benefits:claim", args=[claim.pk])).content.decode()
    assert "¥12,000.00" in own and "¥900.00" in own and "FP20260002" in own


def test_the_year_panel_shows_the_limits_used(client, claim_world, django_capture_on_commit_callbacks):
    first = approved(claim_world, django_capture_on_commit_callbacks)
    second = submitted_stay(claim_world, django_capture_on_commit_callbacks, invoice_numbers="FP30000001",
                            admission_date=first.discharge_date.isoformat(),
                            discharge_date=first.discharge_date.isoformat())
    page = _page(client, claim_world.reviewer_base, second)
    assert "本保障年度的限额使用" in page and "claim-year-limits" in page
    assert first.number in page  # among the year's other claims
    limits = year_limits(second)  # the self-pay cap and the tier's total count the approved claim as granted
    assert [limit.granted for limit in limits if limit.unit == "yuan"] == [first.approved_amount] * 2
    assert "¥200,000.00" in page and "¥150,000.00" in page


def test_documents_are_previewed_inline_and_only_for_reviewers_of_the_branch(client, claim_world,
                                                                             django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    page = _page(client, claim_world.reviewer_base, claim)
    assert 'class="claim-document-preview"' in page  # the PNG discharge summary as a thumbnail
    assert 'class="claim-document-pdf"' in page  # the PDF invoice as a link
    client.force_login(claim_world.reviewer_sibling)  # a sibling branch's reviewer
    assert client.get(reverse("admin:benefits_claim_change", args=[claim.pk])).status_code == 404
