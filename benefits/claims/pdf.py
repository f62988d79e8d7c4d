"""Decision letters (补助审核决定书) in Chinese: an A4 letter per approved, paid or rejected claim, with the
breakdown of the amount or the reasons for refusal, issued by the union that decided (`letters.claim_issuer`)
and dated, with a QR code to the public check of the letter.

Set in the embedded font of `core.typesetting` (the same glyphs in every viewer), lines broken by its `wrap` (an
amount is never cut, no line starts with "，"), amounts as `core.money` writes them everywhere. The text is Chinese
only (not translated), like the receipts: it is the union's document.
"""

import io

from django.utils import timezone
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from core.money import amount_in_words, yuan, yuan_text
from core.typesetting import draw_qr, draw_text, pdf_font, text_width, wrap

from ..models import Claim, RejectReason
from .letters import CLAIM, LETTER_STATES, claim_issuer, letter_verify_url

__all__ = ["LETTER_STATES", "decision_letter_pdf"]

TITLE = "职工医疗互助保障补助审核决定书"
GREY = Color(0.35, 0.35, 0.35)
LEFT, RIGHT_MARGIN, TOP, BOTTOM = 22 * mm, 22 * mm, 22 * mm, 22 * mm
LABEL_WIDTH = 26 * mm
CLOSING_HEIGHT = 58 * mm  # the appeal sentence, the issuer and date, the QR code


def _date(value) -> str:
    return f"{value:%Y年%m月%d日}" if value else "—"


class _Letter:
    """A cursor down the pages of one letter."""

    def __init__(self, pdf: canvas.Canvas, *, number: str, issuer: str):
        self.pdf, self.number, self.issuer = pdf, number, issuer
        self.width, self.height = A4
        self.text_width = self.width - LEFT - RIGHT_MARGIN
        self.page = 1
        self.y = self.height - TOP

    def _footer(self) -> None:
        self.pdf.setFillColor(GREY)
        draw_text(self.pdf, LEFT, 12 * mm, f"{self.issuer} · {TITLE} · 编号 {self.number}", 8)
        draw_text(self.pdf, self.width - RIGHT_MARGIN, 12 * mm, f"第 {self.page} 页", 8, align="right")
        self.pdf.setFillColor(Color(0, 0, 0))

    def new_page(self) -> None:
        self._footer()
        self.pdf.showPage()
        self.page += 1
        self.y = self.height - TOP

    def room(self, needed: float) -> None:
        if self.y - needed < BOTTOM:
            self.new_page()

    def gap(self, height: float) -> None:
        self.y -= height

    def lines(self, text: str, *, size: float = 11, indent: float = 0, first: str = "", leading: float = 1.55,
              label: str = ""):
        """`first` (a bullet) is drawn before the first line, the following lines hang under the text; `label`, in
        the left column beside the first line."""
        hang = text_width(first, size) if first else 0.0
        draw_width = self.text_width - indent - hang
        for index, line in enumerate(wrap(text, draw_width, size)):
            self.room(size * leading)
            self.y -= size * leading
            if index == 0 and label:
                self.pdf.setFillColor(GREY)
                draw_text(self.pdf, LEFT, self.y, label, size - 1)
                self.pdf.setFillColor(Color(0, 0, 0))
            if index == 0 and first:
                draw_text(self.pdf, LEFT + indent, self.y, first, size)
            draw_text(self.pdf, LEFT + indent + hang, self.y, line, size)

    def row(self, label: str, value: str, *, size: float = 11) -> None:
        """A labelled row: the label in the left column, the value wrapped in the right one."""
        lines = wrap(value, self.text_width - LABEL_WIDTH, size)
        for index, line in enumerate(lines):
            self.room(size * 1.6)
            self.y -= size * 1.6
            if index == 0:
                self.pdf.setFillColor(GREY)
                draw_text(self.pdf, LEFT, self.y, label, size - 1)
                self.pdf.setFillColor(Color(0, 0, 0))
            draw_text(self.pdf, LEFT + LABEL_WIDTH, self.y, line, size)

    def finish(self) -> None:
        self._footer()
        self.pdf.showPage()


def _head(letter: _Letter, claim: Claim, decided) -> None:
    pdf, width = letter.pdf, letter.width
    letter.y -= 6 * mm
    draw_text(pdf, width / 2, letter.y, letter.issuer, 14, align="centre")
    letter.y -= 11 * mm
    draw_text(pdf, width / 2, letter.y, TITLE, 18, align="centre")
    letter.y -= 10 * mm
    draw_text(pdf, LEFT, letter.y, f"编号：{claim.number}", 10)
    draw_text(pdf, width - RIGHT_MARGIN, letter.y, f"日期：{_date(decided)}", 10, align="right")
    letter.y -= 3 * mm
    pdf.setStrokeColor(GREY)
    pdf.setLineWidth(0.6)
    pdf.line(LEFT, letter.y, width - RIGHT_MARGIN, letter.y)
    letter.y -= 2 * mm


def _facts(letter: _Letter, claim: Claim) -> None:
    letter.row("申请人", f"{claim.member.name}（{claim.branch.name}）")
    letter.row("保障方案", f"{claim.enrolment.plan.name} · {claim.enrolment.tier.name}")
    letter.row("补助项目", claim.get_kind_display())
    if claim.diagnosis:
        letter.row("诊断或伤情", claim.diagnosis)
    if claim.admission_date:
        letter.row("住院期间", f"{claim.admission_date:%Y-%m-%d} 至 {claim.discharge_date:%Y-%m-%d}"
                             + (f"（{claim.hospital}）" if claim.hospital else ""))
    elif claim.event_date:
        letter.row("确诊或事发日期", f"{claim.event_date:%Y-%m-%d}")


def _decision(letter: _Letter, claim: Claim) -> None:
    letter.gap(4 * mm)
    if claim.state == Claim.State.REJECTED:
        letter.lines("审核决定：不予补助", size=13)
        reason = RejectReason(claim.reject_reason).label if claim.reject_reason else "—"
        letter.row("原因", str(reason))
        if claim.decision_message:
            letter.row("说明", claim.decision_message)
        for flag in claim.flags:
            letter.lines(str(flag.get("message", "")), first="• ", indent=LABEL_WIDTH)
        return
    letter.lines("审核决定：核准补助", size=13)
    letter.row("核定金额", f"{yuan(claim.approved_amount)}（{amount_in_words(claim.approved_amount)}）")
    items = [str(item.get("text", "")) for item in claim.assessment.get("lines", [])]
    items += [f"审核调整为 {yuan_text(event.amount_to)}：{event.message}"
              for event in claim.events.filter(action="adjust").order_by("at", "id")]
    for index, item in enumerate(items):
        letter.lines(item, first="• ", indent=LABEL_WIDTH, label="核算明细" if index == 0 else "")
    if claim.state == Claim.State.PAID and claim.paid_amount is not None:
        paid_on = timezone.localdate(claim.paid_at) if claim.paid_at else None
        letter.gap(2 * mm)
        letter.row("发放", f"已于 {_date(paid_on)} 发放 {yuan_text(claim.paid_amount)}"
                         f"至尾号 {claim.bank_account[-4:]} 的账户。")


def _closing(letter: _Letter, claim: Claim, decided) -> None:
    letter.room(CLOSING_HEIGHT)
    letter.gap(6 * mm)
    letter.lines(f"如对本决定有异议，可自收到之日起 30 日内向{letter.issuer}提出复核。", size=10)
    pdf, width = letter.pdf, letter.width
    # The issuer and date at the right, the QR code of the public check at the left, on one band.
    band_top = letter.y - 8 * mm
    qr_size = 30 * mm
    draw_qr(pdf, LEFT, band_top - qr_size, qr_size, letter_verify_url(CLAIM, claim.pk))
    pdf.setFillColor(GREY)
    for index, line in enumerate(wrap("扫描二维码，可在工会服务门户查验本决定书的编号、金额与决定。",
                                      60 * mm, 8.5)):
        draw_text(pdf, LEFT + qr_size + 4 * mm, band_top - 6 * mm - index * 12, line, 8.5)
    pdf.setFillColor(Color(0, 0, 0))
    draw_text(pdf, width - RIGHT_MARGIN, band_top - 12 * mm, letter.issuer, 12, align="right")
    draw_text(pdf, width - RIGHT_MARGIN, band_top - 20 * mm, _date(decided), 11, align="right")
    letter.y = band_top - qr_size


def decision_letter_pdf(claim: Claim) -> bytes:
    """The letter of a decided claim (needs member, branch, enrolment__plan__federation and enrolment__tier)."""
    buffer = io.BytesIO()
    # The embedded font from the first operator on: no base-14 Helvetica left unembedded in the page resources.
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=pdf_font())
    pdf.setTitle(TITLE)
    issuer = claim_issuer(claim).name
    pdf.setAuthor(issuer)
    decided = timezone.localdate(claim.decided_at) if claim.decided_at else timezone.localdate()
    letter = _Letter(pdf, number=claim.number, issuer=issuer)
    _head(letter, claim, decided)
    _facts(letter, claim)
    _decision(letter, claim)
    _closing(letter, claim, decided)
    letter.finish()
    pdf.save()
    return buffer.getvalue()
