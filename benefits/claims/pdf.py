"""Decision letters (补助审核决定书) of claims: an A4 letter per approved, paid or rejected claim, with the
breakdown of the amount or the reasons for refusal, issued by the union that decided (`letters.claim_issuer`).
The page, head and closing band are every reviewed application's (`benefits.review.letter_pdf`); this module
draws the claim's facts and decision. Amounts as `core.money` writes them everywhere.
"""

from reportlab.lib.units import mm

from core.money import amount_in_words, yuan, yuan_text

from ..letters import CLAIM, LETTER_STATES, claim_issuer, letter_verify_url
from ..models import Claim, RejectReason
from ..review.letter_pdf import LABEL_WIDTH, Letter, decision_letter, paid_row

__all__ = ["LETTER_STATES", "decision_letter_pdf"]

TITLE = "职工医疗互助保障补助审核决定书"


def _facts(letter: Letter, claim: Claim) -> None:
    letter.row("申请人", f"{claim.member.name}（{claim.branch.name}）")
    letter.row("保障方案", f"{claim.enrolment.plan.name} · {claim.enrolment.tier.name}")
    letter.row("补助项目", claim.get_kind_display())
    if claim.diagnosis:
        letter.row("诊断或伤情", claim.diagnosis)
    if claim.admission_date:
        letter.row("住院期间", f"{claim.admission_date:%Y-%m-%d} 至 {claim.discharge_date:%Y-%m-%d}"
                             + (f"（{claim.hospital}）" if claim.hospital else ""))
    elif claim.event_date:
        letter.row("确诊或事发日期", f"{claim.event_date:%Y-%m-%d}")


def _decision(letter: Letter, claim: Claim) -> None:
    letter.gap(4 * mm)
    if claim.state == Claim.State.REJECTED:
        letter.lines("审核决定：不予补助", size=13)
        reason = RejectReason(claim.reject_reason).label if claim.reject_reason else "—"
        letter.row("原因", str(reason))
        if claim.decision_message:
            letter.row("说明", claim.decision_message)
        for flag in claim.flags:
            letter.lines(str(flag.get("message", "")), first="• ", indent=LABEL_WIDTH)
        return
    letter.lines("审核决定：核准补助", size=13)
    letter.row("核定金额", f"{yuan(claim.approved_amount)}（{amount_in_words(claim.approved_amount)}）")
    items = [str(item.get("text", "")) for item in claim.assessment.get("lines", [])]
    items += [f"审核调整为 {yuan_text(event.amount_to)}：{event.message}"
              for event in claim.events.filter(action="adjust").order_by("at", "id")]
    for index, item in enumerate(items):
        letter.lines(item, first="• ", indent=LABEL_WIDTH, label="核算明细" if index == 0 else "")
    paid_row(letter, claim)


def decision_letter_pdf(claim: Claim) -> bytes:
    """The letter of a decided claim (needs member, branch, enrolment__plan__federation and enrolment__tier)."""

    def body(letter: Letter) -> None:
        _facts(letter, claim)
        _decision(letter, claim)

    return decision_letter(title=TITLE, number=claim.number, issuer=claim_issuer(claim).name,
                           decided_at=claim.decided_at, verify_url=letter_verify_url(CLAIM, claim.pk), body=body)
