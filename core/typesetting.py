"""Chinese text in PDFs that reads the same in every viewer: an embedded font, lines broken where a reader
expects them.

- The font: Noto Sans SC Regular (SIL Open Font License 1.1), cut down to GB 2312, ASCII, Chinese punctuation
  and some characters of given names (`core/fonts/`, rebuilt by `core/fonts/build_subset.py`). It has TrueType
  outlines, so reportlab embeds in each PDF a subset of just the glyphs the PDF uses (a few dozen KB). A
  character the font lacks (a rare name) is set in reportlab's CID font STSong-Light instead, which is not
  embedded: it still shows in viewers that have a Chinese font, and its text still extracts.
- Line breaks (`wrap`): a run of ASCII letters, digits and signs is one unit (`¥1,700.00`, `2026-03-01`, a claim
  number), kept with a following "元" or "天"; Chinese characters break between any two; closing punctuation
  (，。）》…) stays on the line before it, opening punctuation (（《“) goes with what follows.
"""

import functools
import re
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

FONT_FILE = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-Regular-GB2312.ttf"
FONT = "NotoSansSC"
FALLBACK_FONT = "STSong-Light"

# No line starts with these (they close what came before) ...
CLOSING = set("，。、；：？！）》〉】」』〕…’”%％·‰,.;:!?)]}")
# ... and none ends with these.
OPENING = set("（《〈【「『〔‘“([{")

_TOKEN = re.compile(r"[!-~¥]+(?: [元天])?|\s+|.", re.S)


@functools.cache
def _registered() -> frozenset[int]:
    """Registers both fonts once per process; the code points the embedded font can draw."""
    font = TTFont(FONT, str(FONT_FILE))
    pdfmetrics.registerFont(font)
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return frozenset(font.face.charToGlyph)


def pdf_font() -> str:
    """The embedded font's name for `canvas.setFont`, registered on first use."""
    _registered()
    return FONT


def font_runs(text: str) -> list[tuple[str, str]]:
    """`text` as (font name, piece) runs: the embedded font wherever it has the glyph, the fallback elsewhere."""
    covered = _registered()
    runs: list[tuple[str, str]] = []
    for ch in text:
        font = FONT if ord(ch) in covered or ch.isspace() else FALLBACK_FONT
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + ch)
        else:
            runs.append((font, ch))
    return runs


def text_width(text: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(piece, font, size) for font, piece in font_runs(text))


def draw_text(pdf, x: float, y: float, text: str, size: float, *, align: str = "left") -> float:
    """Draws one line at (x, y) — `align` "left", "right" (x is the right edge) or "centre" — and returns its
    width."""
    width = text_width(text, size)
    if align == "right":
        x -= width
    elif align == "centre":
        x -= width / 2
    for font, piece in font_runs(text):
        pdf.setFont(font, size)
        pdf.drawString(x, y, piece)
        x += pdfmetrics.stringWidth(piece, font, size)
    return width


def _units(paragraph: str) -> list[str]:
    """The pieces a line may break between (see the module's docstring)."""
    units: list[str] = []
    glue_next = False
    for token in _TOKEN.findall(paragraph):
        if token.isspace():
            units.append(" ")
            glue_next = False
            continue
        if units and (glue_next or (token[0] in CLOSING and units[-1] != " ")):
            units[-1] += token
        else:
            units.append(token)
        glue_next = token[-1] in OPENING
    return units


def _split_long(unit: str, width: float, size: float) -> list[str]:
    """A unit wider than a whole line (a long link) is cut by characters: there is nothing better to do."""
    pieces, current = [], ""
    for ch in unit:
        if current and text_width(current + ch, size) > width:
            pieces.append(current)
            current = ""
        current += ch
    return [*pieces, current] if current else pieces


def wrap(text: str, width: float, size: float) -> list[str]:
    """`text` broken into lines no wider than `width` points at `size`; each paragraph (newline) starts a line."""
    lines: list[str] = []
    for paragraph in str(text).splitlines() or [""]:
        current = ""
        for unit in _units(paragraph):
            if unit == " " and not current:
                continue
            candidate = current + unit
            if text_width(candidate, size) <= width:
                current = candidate
                continue
            if current.strip():
                lines.append(current.rstrip())
            current = "" if unit == " " else unit
            if text_width(current, size) > width:
                *full, current = _split_long(current, width, size)
                lines.extend(full)
        lines.append(current.rstrip())
    return lines


def draw_qr(pdf, x: float, y: float, size: float, data: str) -> None:
    """A QR code (error correction M, a quiet zone of 2 modules) `size` points square with its lower left corner at
    (x, y), drawn as filled squares: sharp at any zoom and on any printer, and with no font (reportlab's QR widget
    goes through its graphics renderer, which puts an unembedded Helvetica in the page's resources)."""
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    module = size / len(matrix)
    pdf.saveState()
    pdf.setFillColorRGB(0, 0, 0)
    for row, cells in enumerate(matrix):
        top = y + size - (row + 1) * module
        column = 0
        while column < len(cells):
            if not cells[column]:
                column += 1
                continue
            start = column
            while column < len(cells) and cells[column]:
                column += 1
            # One rectangle per run of dark modules, slightly overlapping the next row: no hairline gaps.
            pdf.rect(x + start * module, top, (column - start) * module, module * 1.02, stroke=0, fill=1)
    pdf.restoreState()
