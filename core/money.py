"""Money as people read it, one way everywhere (pages, admin, letters, receipts, messages): `¥1,700.00`, or
`1,700.00 元` where a sentence reads better. Amounts are `Decimal` yuan; they are shown rounded to the fen
half-up, with a comma every three digits, whatever the active language (a yuan amount is not localised)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

FEN = Decimal("0.01")
NONE = "—"
MAX_AMOUNT = Decimal("10000000.00")  # above this a figure is a typing mistake, not a hospital bill or a grant


def amount_parse(value, field: str, errors: dict) -> Decimal | None:
    """The amount a person typed, rounded to the fen; None for nothing typed. A bad figure (not a number, NaN,
    negative, absurdly large) puts a message for `field` into `errors` and gives None."""
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, TypeError):
        errors[field] = _("请填写金额（数字）。")
        return None
    if not amount.is_finite():  # "NaN", "Infinity": Decimal reads them, no bill says them
        errors[field] = _("请填写金额（数字）。")
        return None
    if amount < 0:
        errors[field] = _("金额不能为负数。")
        return None
    if amount > MAX_AMOUNT:
        errors[field] = _("金额过大，请核对。")
        return None
    return amount.quantize(FEN, ROUND_HALF_UP)


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


CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
CAPITAL_UNITS = ["", "拾", "佰", "仟"]
CAPITAL_SECTIONS = ["", "万", "亿"]


def amount_in_words(amount) -> str:
    """The amount in capital Chinese numerals, as receipts write it: 36.50 → 叁拾陆元伍角整."""
    fen_total = int((amount * 100).to_integral_value())
    whole_yuan, fen = divmod(fen_total, 100)
    jiao, fen = divmod(fen, 10)
    words = ""
    if whole_yuan == 0:
        words = "零元"
    else:
        groups = []
        while whole_yuan:
            whole_yuan, group = divmod(whole_yuan, 10000)
            groups.append(group)
        parts = []
        zero_pending = False
        for index in range(len(groups) - 1, -1, -1):
            group = groups[index]
            if group == 0:
                zero_pending = True
                continue
            text = ""
            digits = [group // 1000 % 10, group // 100 % 10, group // 10 % 10, group % 10]
            started = False
            for position, digit in enumerate(digits):
                if digit == 0:
                    if started or parts:
                        zero_pending = True
                    continue
                if zero_pending and (started or parts):
                    text += "零"
                zero_pending = False
                text += CAPITAL_DIGITS[digit] + CAPITAL_UNITS[3 - position]
                started = True
            parts.append(text + CAPITAL_SECTIONS[index])
        words = "".join(parts) + "元"
    if jiao == 0 and fen == 0:
        return words + "整"
    if jiao:
        words += CAPITAL_DIGITS[jiao] + "角"
    elif fen:
        words += "零"
    if fen:
        words += CAPITAL_DIGITS[fen] + "分"
    else:
        words += "整"
    return words
