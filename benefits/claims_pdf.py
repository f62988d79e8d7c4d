"""Decision letters (补助审核决定书) in Chinese: one A4 page per approved, paid or rejected claim, with the
breakdown of the amount or the reasons for refusal. reportlab's CID font STSong-Light, as receipts use."""

import io

from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from .models import Claim, RejectReason
from .receipts import _font, amount_in_words

LETTER_STATES = (Claim.State.APPROVED, Claim.State.PAID, Claim.State.REJECTED)


def _wrap(text: str, width: int = 42) -> list[str]:
    """Chinese text has no spaces: cut it every `width` characters."""
    lines = []
    for paragraph in str(text).splitlines() or [""]:
        while len(paragraph) > width:
            lines.append(paragraph[:width])
            paragraph = paragraph[width:]
        lines.append(paragraph)
    return lines


def decision_letter_pdf(claim: Claim) -> bytes:
    buffer = io.BytesIO()
    width, height = A4
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=0)
    pdf.setTitle("职工医疗互助保障补助审核决定书")
    font = _font()
    left, y = 20 * mm, height - 25 * mm
    pdf.setFont(font, 18)
    pdf.drawCentredString(width / 2, y, "职工医疗互助保障补助审核决定书")
    y -= 12 * mm

    def line(text: str, size: int = 11, gap: float = 7 * mm) -> None:
        nonlocal y
        for part in _wrap(text):
            if y < 25 * mm:
                pdf.showPage()
                pdf.setFont(font, size)
                y = height - 25 * mm
            pdf.setFont(font, size)
            pdf.drawString(left, y, part)
            y -= gap

    decided = timezone.localtime(claim.decided_at) if claim.decided_at else timezone.localtime()
    line(f"申请编号：{claim.number}")
    line(f"申请人：{claim.member.name}（{claim.branch.name}）")
    line(f"保障方案：{claim.enrolment.plan.name} · {claim.enrolment.tier.name}")
    line(f"补助项目：{claim.get_kind_display()}")
    if claim.diagnosis:
        line(f"诊断或伤情：{claim.diagnosis}")
    if claim.admission_date:
        line(f"住院期间：{claim.admission_date} 至 {claim.discharge_date}（{claim.hospital}）")
    elif claim.event_date:
        line(f"确诊或事发日期：{claim.event_date}")
    y -= 4 * mm
    if claim.state == Claim.State.REJECTED:
        line("审核决定：不予补助", size=13)
        reason = RejectReason(claim.reject_reason).label if claim.reject_reason else ""
        line(f"原因：{reason}")
        if claim.decision_message:
            line(f"说明：{claim.decision_message}")
        for flag in claim.flags:
            line(f"· {flag.get('message', '')}")
    else:
        line("审核决定：核准补助", size=13)
        line(f"核定金额：¥{claim.approved_amount:,.2f}（{amount_in_words(claim.approved_amount)}）")
        line("核算明细：")
        for item in claim.assessment.get("lines", []):
            line(f"· {item.get('text', '')}")
        adjustments = claim.events.filter(action="adjust").order_by("at", "id")
        for event in adjustments:
            line(f"· 审核调整为 {event.amount_to:,.2f} 元：{event.message}")
        if claim.state == Claim.State.PAID and claim.paid_amount is not None:
            paid_at = timezone.localtime(claim.paid_at)
            line(f"已于 {paid_at:%Y年%m月%d日} 发放 {claim.paid_amount:,.2f} 元"
                 f"至尾号 {claim.bank_account[-4:]} 的账户。")
    y -= 6 * mm
    line(f"决定日期：{decided:%Y年%m月%d日}")
    line("如对本决定有异议，可自收到之日起 30 日内向所在工会提出复核。", size=9)
    pdf.setFont(font, 9)
    pdf.drawString(left, 12 * mm, "本决定书由工会服务门户生成。")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
