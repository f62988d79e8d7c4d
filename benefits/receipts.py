"""PDF receipts (缴费收据) in Chinese, drawn with reportlab's built-in CID font STSong-Light (no font file).

One page per payment; a batch is one PDF with many pages. A group payment's receipt names the branch, the
number of people and the total, not the people (a member may download it without seeing colleagues' names).
"""

import io
from collections.abc import Iterable

from django.db.models import Count, Prefetch, Sum
from django.utils import timezone
from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from .models import Enrolment, Payment

FONT = "STSong-Light"
_registered = False


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


DIGITS = "零壹贰叁肆伍陆柒捌玖"
UNITS = ["", "拾", "佰", "仟"]
SECTIONS = ["", "万", "亿"]


def amount_in_words(amount) -> str:
    """The amount in capital Chinese numerals, as receipts write it: 36.50 → 叁拾陆元伍角整."""
    fen_total = int((amount * 100).to_integral_value())
    yuan, fen = divmod(fen_total, 100)
    jiao, fen = divmod(fen, 10)
    words = ""
    if yuan == 0:
        words = "零元"
    else:
        groups = []
        while yuan:
            yuan, group = divmod(yuan, 10000)
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
                text += DIGITS[digit] + UNITS[3 - position]
                started = True
            parts.append(text + SECTIONS[index])
        words = "".join(parts) + "元"
    if jiao == 0 and fen == 0:
        return words + "整"
    if jiao:
        words += DIGITS[jiao] + "角"
    elif fen:
        words += "零"
    if fen:
        words += DIGITS[fen] + "分"
    else:
        words += "整"
    return words


def payments_for_receipts(payments) -> list[Payment]:
    """Paid payments with what a receipt shows, in a fixed number of queries."""
    return list(
        payments.filter(status=Payment.Status.PAID)
        .select_related("branch", "recorded_by")
        .annotate(enrolment_count=Count("enrolments"), subsidy_total=Sum("enrolments__subsidy_part"))
        .prefetch_related(
            Prefetch(
                "enrolments",
                queryset=Enrolment.objects.select_related("plan", "tier", "member", "subsidy_rule__paying_branch"),
            )
        )
        .order_by("paid_at", "id")
    )


def _draw_receipt(pdf: canvas.Canvas, payment: Payment, width: float, height: float) -> None:
    font = _font()
    left, y = 15 * mm, height - 18 * mm
    pdf.setFont(font, 16)
    pdf.drawCentredString(width / 2, y, "职工医疗互助保障缴费收据")
    pdf.setFont(font, 10)
    y -= 8 * mm
    pdf.drawString(left, y, f"收据编号：{payment.number}")
    paid_at = timezone.localtime(payment.paid_at) if payment.paid_at else None
    pdf.drawRightString(width - left, y, f"缴费日期：{paid_at:%Y年%m月%d日}" if paid_at else "")
    enrolments = list(payment.enrolments.all())
    first = enrolments[0] if enrolments else None
    rows = [
        ("缴费人", payment.payer_name),
        ("所属工会", payment.branch.name),
        ("保障方案", first.plan.name if first else "—"),
    ]
    if payment.is_group:
        rows += [("参保人数", f"{payment.enrolment_count} 人（集体缴费）")]
        if payment.subsidy_total:
            rows += [("补贴金额", f"{payment.subsidy_total:,.2f} 元（由补贴单位另行结算，不含在本收据金额内）")]
    elif first:
        rows += [
            ("参保人", f"{first.member.name}（身份证 {first.member.masked_id_number}）"),
            ("缴费档次", f"{first.tier.name}，年缴费 {first.fee:,.2f} 元"),
            ("保障期间", f"{first.cover_start} 至 {first.cover_end}" if first.cover_start else "—"),
        ]
        if first.subsidy_part:
            rows += [("补贴", f"{first.subsidy_rule.paying_branch.name}补贴 {first.subsidy_part:,.2f} 元"
                      if first.subsidy_rule else f"{first.subsidy_part:,.2f} 元")]
    rows += [
        ("支付方式", f"{payment.get_method_display()}（{payment.get_provider_display()}）"),
        ("金额（小写）", f"¥{payment.amount:,.2f}"),
        ("金额（大写）", amount_in_words(payment.amount)),
    ]
    if payment.provider_reference:
        rows.append(("流水号", payment.provider_reference))
    y -= 4 * mm
    for label, value in rows:
        y -= 7 * mm
        pdf.setFont(font, 10)
        pdf.drawString(left, y, f"{label}：")
        pdf.setFont(font, 11)
        pdf.drawString(left + 28 * mm, y, str(value))
    pdf.setFont(font, 9)
    handler = payment.recorded_by.name if payment.recorded_by else "在线支付"
    pdf.drawString(left, 12 * mm, f"经办：{handler}    本收据由工会服务门户生成，可凭收据编号查验。")


def receipts_pdf(payments: Iterable[Payment]) -> bytes:
    """One PDF, one page per payment (use `payments_for_receipts` to load them)."""
    buffer = io.BytesIO()
    size = landscape(A5)
    pdf = canvas.Canvas(buffer, pagesize=size, pageCompression=0)
    pdf.setTitle("职工医疗互助保障缴费收据")
    for payment in payments:
        _draw_receipt(pdf, payment, *size)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
