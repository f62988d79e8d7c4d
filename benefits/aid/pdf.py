"""Decision letters (金秋助学审核决定书) of education aid: the application's child, school and stage, and the
decision, on every reviewed application's letter page (`benefits.review.letter_pdf`). Chinese only, like every
letter the union issues."""

from reportlab.lib.units import mm

from core.money import amount_in_words, yuan, yuan_text

from ..letters import AID, LETTER_STATES, aid_issuer, letter_verify_url
from ..models import AidRejectReason, EducationAidApplication
from ..review.letter_pdf import Letter, decision_letter, paid_row

__all__ = ["LETTER_STATES", "aid_letter_pdf"]

TITLE = "金秋助学审核决定书"


def _facts(letter: Letter, application: EducationAidApplication) -> None:
    letter.row("申请人", f"{application.member.name}（{application.branch.name}）")
    letter.row("助学活动", application.campaign.name)
    letter.row("受助子女", application.child_name)
    letter.row("学校", f"{application.school}（{application.get_stage_display()}，{application.entry_year} 年入学）")
    letter.row("申请依据", str(application.get_basis_display()))


def _decision(letter: Letter, application: EducationAidApplication) -> None:
    letter.gap(4 * mm)
    if application.state == EducationAidApplication.State.REJECTED:
        letter.lines("审核决定：不予资助", size=13)
        reason = AidRejectReason(application.reject_reason).label if application.reject_reason else "—"
        letter.row("原因", str(reason))
        if application.decision_message:
            letter.row("说明", application.decision_message)
        return
    letter.lines("审核决定：核准资助", size=13)
    letter.row("核定金额", f"{yuan(application.approved_amount)}（{amount_in_words(application.approved_amount)}）")
    standard = application.campaign.amount_for(application.stage)
    letter.row("资助标准", f"{application.get_stage_display()} {yuan_text(standard)}")
    paid_row(letter, application)


def aid_letter_pdf(application: EducationAidApplication) -> bytes:
    """The letter of a decided application (needs member, branch and campaign__federation)."""

    def body(letter: Letter) -> None:
        _facts(letter, application)
        _decision(letter, application)

    return decision_letter(title=TITLE, number=application.number, issuer=aid_issuer(application).name,
                           decided_at=application.decided_at, verify_url=letter_verify_url(AID, application.pk),
                           body=body)
