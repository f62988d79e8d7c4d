"""PDF receipts (缴费收据) in Chinese, in the embedded font of `core.typesetting`, amounts as `core.money`
writes them, issued by the federation running the plan (`letters.payment_issuer`), dated, with a QR code to
the public check of the receipt.

One page per payment; a batch is one PDF with many pages. A group payment's receipt names the branch, the
number of people and the total, not the people (a member may download it without seeing colleagues' names).
"""

import io
from collections.abc import Iterable

from django.db.models import Count, Prefetch, Sum
from django.utils import timezone
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from core.money import amount_in_words, yuan, yuan_text
from core.typesetting import draw_qr, draw_text, pdf_font, wrap

from .letters import PAYMENT, letter_verify_url, payment_issuer
from .models import Enrolment, Payment

GREY = Color(0.35, 0.35, 0.35)


def payments_for_receipts(payments) -> list[Payment]:
    """Paid payments with what a receipt shows, in a fixed number of queries."""
    return list(
        payments.filter(status=Payment.Status.PAID)
        .select_related("branch", "recorded_by")
        .annotate(enrolment_count=Count("enrolments"), subsidy_total=Sum("enrolments__subsidy_part"))
        .prefetch_related(
            Prefetch(
                "enrolments",
                queryset=Enrolment.objects.select_related("plan__federation", "tier", "member",
                                                         "subsidy_rule__paying_branch"),
            )
        )
        .order_by("paid_at", "id")
    )


def payment_channel(payment: Payment) -> str:
    """How the fee was paid, said once: the channel for an online payment ("微信支付"), the method for one taken at
    the union ("现金", "银行转账") — never the method and a channel that repeats it."""
    if payment.method == Payment.Method.ONLINE:
        return str(payment.get_provider_display())
    return str(payment.get_method_display())


def _draw_receipt(pdf: canvas.Canvas, payment: Payment, width: float, height: float) -> None:
    left, right = 15 * mm, width - 15 * mm
    enrolments = list(payment.enrolments.all())
    first = enrolments[0] if enrolments else None
    issuer = payment_issuer(payment, first.plan if first else None).name
    paid_on = timezone.localdate(payment.paid_at) if payment.paid_at else None
    y = height - 14 * mm
    draw_text(pdf, width / 2, y, issuer, 12, align="centre")
    y -= 9 * mm
    draw_text(pdf, width / 2, y, "职工医疗互助保障缴费收据", 16, align="centre")
    y -= 8 * mm
    draw_text(pdf, left, y, f"收据编号：{payment.number}", 10)
    draw_text(pdf, right, y, f"缴费日期：{paid_on:%Y年%m月%d日}" if paid_on else "", 10, align="right")
    rows = [
        ("缴费人", payment.payer_name),
        ("所属工会", payment.branch.name),
        ("保障方案", first.plan.name if first else "—"),
    ]
    if payment.is_group:
        rows += [("参保人数", f"{payment.enrolment_count} 人（集体缴费）")]
        if payment.subsidy_total:
            rows += [("补贴金额", f"{yuan_text(payment.subsidy_total)}（由补贴单位另行结算，不含在本收据金额内）")]
    elif first:
        rows += [
            ("参保人", f"{first.member.name}（身份证 {first.member.masked_id_number}）"),
            ("缴费档次", f"{first.tier.name}，年缴费 {yuan_text(first.fee)}"),
            ("保障期间", f"{first.cover_start:%Y-%m-%d} 至 {first.cover_end:%Y-%m-%d}" if first.cover_start else "—"),
        ]
        if first.subsidy_part:
            rows += [("补贴", f"{first.subsidy_rule.paying_branch.name}补贴 {yuan_text(first.subsidy_part)}"
                      if first.subsidy_rule else yuan_text(first.subsidy_part))]
    rows += [
        ("支付方式", payment_channel(payment)),
        ("金额（小写）", yuan(payment.amount)),
        ("金额（大写）", amount_in_words(payment.amount)),
    ]
    if payment.provider_reference:
        rows.append(("流水号", payment.provider_reference))
    qr_size = 26 * mm
    value_left, value_width = left + 28 * mm, right - qr_size - 6 * mm - (left + 28 * mm)
    y -= 3 * mm
    for label, value in rows:
        for index, line in enumerate(wrap(str(value), value_width, 10.5)):
            y -= 6.2 * mm
            if index == 0:
                pdf.setFillColor(GREY)
                draw_text(pdf, left, y, f"{label}", 9.5)
                pdf.setFillColor(Color(0, 0, 0))
            draw_text(pdf, value_left, y, line, 10.5)
    # The QR code of the public check at the right of the rows; the issuer and date under it.
    qr_top = height - 38 * mm
    draw_qr(pdf, right - qr_size, qr_top - qr_size, qr_size, letter_verify_url(PAYMENT, payment.pk))
    pdf.setFillColor(GREY)
    draw_text(pdf, right - qr_size / 2, qr_top - qr_size - 4 * mm, "扫码查验本收据", 8, align="centre")
    pdf.setFillColor(Color(0, 0, 0))
    draw_text(pdf, right, 24 * mm, issuer, 11, align="right")
    draw_text(pdf, right, 18 * mm, f"{paid_on:%Y年%m月%d日}" if paid_on else "", 10, align="right")
    handler = payment.recorded_by.name if payment.recorded_by else payment_channel(payment)
    pdf.setFillColor(GREY)
    draw_text(pdf, left, 10 * mm, f"经办：{handler}    本收据由工会服务门户生成，可扫码或凭收据编号查验。", 8.5)
    pdf.setFillColor(Color(0, 0, 0))


def receipts_pdf(payments: Iterable[Payment]) -> bytes:
    """One PDF, one page per payment (use `payments_for_receipts` to load them)."""
    buffer = io.BytesIO()
    size = landscape(A5)
    pdf = canvas.Canvas(buffer, pagesize=size, pageCompression=1, initialFontName=pdf_font())
    pdf.setTitle("职工医疗互助保障缴费收据")
    for payment in payments:
        _draw_receipt(pdf, payment, *size)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
