"""Decision letters (审核决定书) of any reviewed application, in Chinese: an A4 letter with the union that
decided at the top, the letter's title, number and date, the kind's facts and decision (drawn by the kind), and a
closing band with the appeal sentence, the issuer, the date and a QR code to the public check of the letter.

Set in the embedded font of `core.typesetting` (the same glyphs in every viewer), lines broken by its `wrap` (an
amount is never cut, no line starts with "，"). The text is Chinese only (not translated): it is the union's
document.
"""

import io
from collections.abc import Callable

from django.utils import timezone
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from core.money import yuan_text
from core.typesetting import draw_qr, draw_text, pdf_font, text_width, wrap

from ..models import ReviewState

GREY = Color(0.35, 0.35, 0.35)
LEFT, RIGHT_MARGIN, TOP, BOTTOM = 22 * mm, 22 * mm, 22 * mm, 22 * mm
LABEL_WIDTH = 26 * mm
CLOSING_HEIGHT = 58 * mm  # the appeal sentence, the issuer and date, the QR code


def date_text(value) -> str:
    return f"{value:%Y年%m月%d日}" if value else "—"


class Letter:
    """A cursor down the pages of one letter."""

    def __init__(self, pdf: canvas.Canvas, *, title: str, number: str, issuer: str):
        self.pdf, self.title, self.number, self.issuer = pdf, title, number, issuer
        self.width, self.height = A4
        self.text_width = self.width - LEFT - RIGHT_MARGIN
        self.page = 1
        self.y = self.height - TOP

    def _footer(self) -> None:
        self.pdf.setFillColor(GREY)
        draw_text(self.pdf, LEFT, 12 * mm, f"{self.issuer} · {self.title} · 编号 {self.number}", 8)
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


def _head(letter: Letter, decided) -> None:
    pdf, width = letter.pdf, letter.width
    letter.y -= 6 * mm
    draw_text(pdf, width / 2, letter.y, letter.issuer, 14, align="centre")
    letter.y -= 11 * mm
    draw_text(pdf, width / 2, letter.y, letter.title, 18, align="centre")
    letter.y -= 10 * mm
    draw_text(pdf, LEFT, letter.y, f"编号：{letter.number}", 10)
    draw_text(pdf, width - RIGHT_MARGIN, letter.y, f"日期：{date_text(decided)}", 10, align="right")
    letter.y -= 3 * mm
    pdf.setStrokeColor(GREY)
    pdf.setLineWidth(0.6)
    pdf.line(LEFT, letter.y, width - RIGHT_MARGIN, letter.y)
    letter.y -= 2 * mm


def _closing(letter: Letter, decided, verify_url: str) -> None:
    letter.room(CLOSING_HEIGHT)
    letter.gap(6 * mm)
    letter.lines(f"如对本决定有异议，可自收到之日起 30 日内向{letter.issuer}提出复核。", size=10)
    pdf, width = letter.pdf, letter.width
    # The issuer and date at the right, the QR code of the public check at the left, on one band.
    band_top = letter.y - 8 * mm
    qr_size = 30 * mm
    draw_qr(pdf, LEFT, band_top - qr_size, qr_size, verify_url)
    pdf.setFillColor(GREY)
    for index, line in enumerate(wrap("扫描二维码，可在工会服务门户查验本决定书的编号、金额与决定。",
                                      60 * mm, 8.5)):
        draw_text(pdf, LEFT + qr_size + 4 * mm, band_top - 6 * mm - index * 12, line, 8.5)
    pdf.setFillColor(Color(0, 0, 0))
    draw_text(pdf, width - RIGHT_MARGIN, band_top - 12 * mm, letter.issuer, 12, align="right")
    draw_text(pdf, width - RIGHT_MARGIN, band_top - 20 * mm, date_text(decided), 11, align="right")
    letter.y = band_top - qr_size


def paid_row(letter: Letter, application) -> None:
    """The payout, on the letter of a paid application: the day, the amount and the account's last four digits."""
    if application.state != ReviewState.PAID or application.paid_amount is None:
        return
    paid_on = timezone.localdate(application.paid_at) if application.paid_at else None
    letter.gap(2 * mm)
    letter.row("发放", f"已于 {date_text(paid_on)} 发放 {yuan_text(application.paid_amount)}"
                     f"至尾号 {application.bank_account[-4:]} 的账户。")


def decision_issuer(application, federation):
    """The union that issues an application's decision: the federation for a decision taken at federation level
    (every approval, a rejection in federation review), the application's base union for a rejection it made
    itself."""
    if application.state == ReviewState.REJECTED and application.federation_decided_by_id is None:
        return application.branch
    return federation or application.branch


def decision_letter(*, title: str, number: str, issuer: str, decided_at, verify_url: str,
                    body: Callable[[Letter], None]) -> bytes:
    """The letter: head, then `body(letter)` (the kind's facts and decision), then the closing band."""
    buffer = io.BytesIO()
    # The embedded font from the first operator on: no base-14 Helvetica left unembedded in the page resources.
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=pdf_font())
    pdf.setTitle(title)
    pdf.setAuthor(issuer)
    decided = timezone.localdate(decided_at) if decided_at else timezone.localdate()
    letter = Letter(pdf, title=title, number=number, issuer=issuer)
    _head(letter, decided)
    body(letter)
    _closing(letter, decided, verify_url)
    letter.finish()
    pdf.save()
    return buffer.getvalue()
