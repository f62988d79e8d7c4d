"""Numbers people type (ID numbers, mobile numbers, bank accounts) in the one form they are stored and compared in.

Chinese input methods type full-width digits (１３８…), and other scripts have digits of their own (٣, ३); Python's
`\\d` and `int()` accept them all, so a full-width copy of an ID number would pass every check and register the
same person twice. Every entry point turns what was typed into ASCII digits first (NFKC, then any remaining decimal
digit by its value), and every check afterwards accepts ASCII digits only.
"""

import unicodedata


def ascii_digits(value: str | None) -> str:
    """`value` with every decimal digit, of any script or width, as its ASCII digit (and other characters as NFKC
    makes them: full-width letters and spaces become ordinary ones)."""
    text = unicodedata.normalize("NFKC", value or "")
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(ch)) if unicodedata.category(ch) == "Nd" else ch for ch in text)
