"""Reads the text out of the receipts (reportlab writes CID text as UTF-16BE literal strings, uncompressed)."""

import re

_STRING = re.compile(rb"\(((?:\\.|[^\\)])*)\) Tj", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}


def _unescape(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(raw):
        if raw[i : i + 1] == b"\\":
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(), 8))
                i += 1 + len(octal.group())
                continue
            out += _ESCAPES.get(raw[i + 1 : i + 2], raw[i + 1 : i + 2])
            i += 2
            continue
        out.append(raw[i])
        i += 1
    return bytes(out)


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return "\n".join(_unescape(m.group(1)).decode("utf-16-be", "replace") for m in _STRING.finditer(data))


def page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", data))
