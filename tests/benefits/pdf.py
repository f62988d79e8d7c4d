"""Reads PDFs the way a viewer does (pypdf): the text through each font's ToUnicode map, the pages, the fonts."""

import io

from pypdf import PdfReader


def _reader(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF")
    return PdfReader(io.BytesIO(data))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in _reader(data).pages)


def page_count(data: bytes) -> int:
    return len(_reader(data).pages)


def pdf_fonts(data: bytes) -> dict[str, bool]:
    """Every font the pages use: base name → embedded (has a font file, as `pdffonts` reports emb=yes)."""
    fonts: dict[str, bool] = {}
    for page in _reader(data).pages:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            descriptor = described.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts[str(font["/BaseFont"])] = embedded
    return fonts
