"""Decision letters and receipts worth keeping: an embedded font, amounts never cut, the issuing union and date,
and the QR code's public check (personas: the claimant, the base and federation reviewers, another member,
nobody signed in)."""

import os

from django.urls import reverse

from benefits import letters as letter_checks
from benefits.claims import services as claims
from core import typesetting
from tests.benefits.claims_helpers import EXPECTED_STAY_AMOUNT, approved, submitted_stay
from tests.benefits.pdf import pdf_fonts, pdf_text


def _keep(name: str, data: bytes) -> None:
    """LETTERS_DIR=/some/dir keeps the PDFs to look at (pdftoppm, mutool)."""
    if os.environ.get("LETTERS_DIR"):
        with open(os.path.join(os.environ["LETTERS_DIR"], name), "wb") as out:
            out.write(data)


def _letter(client, user, claim) -> bytes:
    client.force_login(user)
    response = client.get(reverse("benefits:claim-letter", args=[claim.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


# --- lines: an amount is one unit, punctuation stays where a reader expects it -----------------------------

SENTENCE = ("住院 20 天；本年度最多补助 30 天，之前已补助 0 天，另有 1 件申请在审核中，已占用 900.00 元，"
            "尚余 ¥1,700.00，合计（含床位费）1,234,567.89 元。核定金额：¥300,000.00（叁拾万元整）")
AMOUNTS = ["900.00 元", "¥1,700.00", "1,234,567.89 元", "¥300,000.00"]


def test_wrapping_never_cuts_an_amount_nor_starts_a_line_with_closing_punctuation():
    for width in range(100, 420, 7):  # from a column ten characters wide
        lines = typesetting.wrap(SENTENCE, width, 11)
        assert "".join(lines).replace(" ", "") == SENTENCE.replace(" ", "")
        for amount in AMOUNTS:
            assert any(amount in line for line in lines), (width, amount, lines)
        for line in lines[1:]:
            assert line and line[0] not in typesetting.CLOSING, (width, lines)
        for line in lines[:-1]:
            assert line[-1] not in typesetting.OPENING, (width, lines)
        assert all(typesetting.text_width(line, 11) <= width for line in lines)


def test_a_character_outside_the_embedded_font_falls_back_instead_of_a_box():
    runs = typesetting.font_runs("王喆𠀾明")
    assert runs[0] == (typesetting.FONT, "王喆")  # a name character beyond GB 2312 that the subset keeps
    assert (typesetting.FALLBACK_FONT, "𠀾") in runs


# --- the decision letter ------------------------------------------------------------------------------------


def test_an_approved_letter_embeds_its_font_and_says_who_issued_it(client, claim_world,
                                                                     django_capture_on_commit_callbacks):
    world = claim_world
    claim = approved(world, django_capture_on_commit_callbacks)
    data = _letter(client, world.claimant.user, claim)  # the claimant
    _keep("letter-approved.pdf", data)
    fonts = pdf_fonts(data)
    assert fonts and all(fonts.values()), fonts  # every font embedded (emb=yes)
    assert any("NotoSansSC" in name for name in fonts)
    text = pdf_text(data)
    assert "¥900.00" in text and "玖佰元整" in text
    assert f"¥{EXPECTED_STAY_AMOUNT:,.2f}" in text.replace("\n", "")
    assert world.tree.city.name in text  # an approval is the federation's decision
    claim.refresh_from_db()
    decided = claim.decided_at.astimezone().date() if claim.decided_at else None
    assert decided is not None and f"{decided:%Y年%m月%d日}" in text
    assert "·" in text and "•" in text  # drawn by the embedded font, so they show in every viewer
    for line in text.splitlines():
        assert not line.strip().startswith(("，", "。", "）", "、"))
    # The federation's reviewer may fetch it too; another member may not.
    assert _letter(client, world.reviewer_fed, claim).startswith(b"%PDF")
    client.force_login(world.other.user)
    assert client.get(reverse("benefits:claim-letter", args=[claim.pk])).status_code == 404


def test_a_letter_with_a_long_adjusted_breakdown_keeps_every_amount_whole(client, claim_world,
                                                                            django_capture_on_commit_callbacks):
    world = claim_world
    claim = submitted_stay(world, django_capture_on_commit_callbacks)
    claim = claims.claim_adjust(actor=world.reviewer_base, claim_id=claim.pk, version=claim.version, amount="850.50",
                                reason="发票中有一张为门诊费用，" * 6 + "按住院部分核定为 850.50 元。")
    claim = claims.claim_pass(actor=world.reviewer_base, claim_id=claim.pk, version=claim.version)
    claim = claims.claim_approve(actor=world.reviewer_fed, claim_id=claim.pk, version=claim.version)
    data = _letter(client, world.reviewer_base, claim)  # the base union's reviewer
    _keep("letter-adjusted.pdf", data)
    lines = pdf_text(data).splitlines()
    assert any("¥850.50" in line for line in lines)
    assert any("850.50 元" in line for line in lines)
    assert not any(line.rstrip().endswith("850,") or line.startswith("50 ") for line in lines)


def test_a_base_union_rejection_is_issued_by_the_base_union(client, claim_world, django_capture_on_commit_callbacks):
    world = claim_world
    claim = submitted_stay(world, django_capture_on_commit_callbacks)
    claims.claim_reject(actor=world.reviewer_base, claim_id=claim.pk, version=claim.version, reason="deadline",
                        message="出院已逾一年")
    data = _letter(client, world.claimant.user, claim)
    _keep("letter-rejected.pdf", data)
    text = pdf_text(data)
    assert "不予补助" in text and "出院已逾一年" in text
    assert world.tree.base_a1.name in text and world.tree.city.name not in text


# --- the QR code's public check -----------------------------------------------------------------------------


def test_the_qr_page_confirms_the_letter_to_anyone_and_shows_nothing_else(client, claim_world,
                                                                          django_capture_on_commit_callbacks):
    world = claim_world
    claim = approved(world, django_capture_on_commit_callbacks)
    url = letter_checks.letter_verify_url(letter_checks.CLAIM, claim.pk)
    path = url[url.index("/benefits/"):]
    response = client.get(path)  # nobody signed in: whoever holds the paper
    assert response.status_code == 200
    page = response.content.decode()
    assert claim.number in page and "¥900.00" in page and world.tree.city.name in page
    assert world.claimant.masked_name in page
    assert world.claimant.name not in page and claim.bank_account not in page and claim.diagnosis not in page


def test_a_tampered_token_is_refused(client, claim_world, django_capture_on_commit_callbacks):
    world = claim_world
    claim = approved(world, django_capture_on_commit_callbacks)
    other = approved(SimpleWorld(world), django_capture_on_commit_callbacks)
    token = letter_checks.letter_token(letter_checks.CLAIM, claim.pk)
    value, signature = token.split(":")
    # One character of the signature changed (to another one: a signature may already end in "A").
    changed = signature[:-1] + ("B" if signature.endswith("A") else "A")
    forged = [f"c{other.pk}:{signature}", f"{value}:{changed}", f"p{claim.pk}:{signature}", value, "x"]
    client.force_login(world.other.user)  # another member is refused like anyone else
    for bad in forged:
        response = client.get(reverse("benefits:letter-verify", args=[bad]))
        assert response.status_code == 404, bad
        assert claim.number not in response.content.decode()


def test_no_check_for_a_claim_not_decided(client, claim_world, django_capture_on_commit_callbacks):
    claim = submitted_stay(claim_world, django_capture_on_commit_callbacks)
    token = letter_checks.letter_token(letter_checks.CLAIM, claim.pk)
    assert client.get(reverse("benefits:letter-verify", args=[token])).status_code == 404


class SimpleWorld:
    """The same personas, filing for the other member (a second decided claim to forge a token towards)."""

    def __init__(self, world):
        self.__dict__.update(world.__dict__)
        self.claimant, self.enrolment = world.other, world.other_enrolment



# --- receipts -----------------------------------------------------------------------------------------------


def test_an_online_receipt_names_its_channel_once_and_can_be_checked(client, plan, people):
    from benefits import services
    from benefits.payments import SandboxProvider
    from tests.benefits.test_services import enrol, sandbox_pay

    enrolment = enrol(plan, people.owner)
    payment, body, signature = sandbox_pay(enrolment)
    SandboxProvider().handle_callback(body, signature)
    client.force_login(people.owner.user)  # the member who paid
    response = client.get(reverse("benefits:receipt", args=[payment.pk]))
    assert response.status_code == 200
    _keep("receipt-online.pdf", response.content)
    fonts = pdf_fonts(response.content)
    assert fonts and all(fonts.values()), fonts
    text = pdf_text(response.content)
    assert "在线支付（测试网关）" in text and "在线支付（在线支付" not in text
    assert f"¥{payment.amount:,.2f}" in text and plan.federation.name in text
    client.logout()  # whoever holds the paper checks it without an account
    token = letter_checks.letter_token(letter_checks.PAYMENT, payment.pk)
    page = client.get(reverse("benefits:letter-verify", args=[token]))
    assert page.status_code == 200 and payment.number in page.content.decode()
    assert people.owner.name not in page.content.decode()
    assert services  # the services module stays importable with the receipts (no cycle)


def test_a_cash_receipt_says_cash(plan, people):
    from benefits import receipts, services
    from benefits.models import Payment
    from tests.benefits.test_services import enrol

    enrolment = enrol(plan, people.owner)
    payment = services.payment_record_offline(actor=people.staff_a1, enrolment_id=enrolment.pk, method="cash",
                                              amount=enrolment.member_part)  # finance of the member's union
    assert receipts.payment_channel(payment) == "现金"
    data = receipts.receipts_pdf(receipts.payments_for_receipts(Payment.objects.filter(pk=payment.pk)))
    _keep("receipt-cash.pdf", data)
    assert "支付方式" in pdf_text(data) and "线下（现金/转账）" not in pdf_text(data)
