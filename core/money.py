"""Money as people read it, one way everywhere (pages, admin, letters, receipts, messages): `¥1,700.00`, or
`1,700.00 元` where a sentence reads better. Amounts are `Decimal` yuan; they are shown rounded to the fen
half-up, with a comma every three digits, whatever the active language (a yuan amount is not localised)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
NONE = "—"


def _figures(amount) -> str | None:
    if amount is None or amount == "":
        return None
    try:
        value = Decimal(str(amount)).quantize(FEN, ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite():
        return None
    return f"{value:,.2f}"


def figures(amount) -> str:
    """`1,700.00`, for a sentence that writes its own unit ("%(amount)s 元"); "—" for no amount."""
    text = _figures(amount)
    return NONE if text is None else text


def yuan(amount) -> str:
    """`¥1,700.00` (a minus sign before the ¥ for a negative amount); "—" for no amount."""
    figures = _figures(amount)
    if figures is None:
        return NONE
    return f"-¥{figures[1:]}" if figures.startswith("-") else f"¥{figures}"


def yuan_text(amount) -> str:
    """`1,700.00 元`, for a sentence; "—" for no amount."""
    figures = _figures(amount)
    return NONE if figures is None else f"{figures} 元"
