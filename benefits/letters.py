"""Who issues a decision letter or a receipt, and the public check behind the QR code printed on each.

The QR code links to `/benefits/letters/verify/<token>/`. The token is `Signer(salt=…).sign(...)` of
"c<claim id>" (a claim's decision letter), "a<application id>" (an education-aid decision letter) or
"p<payment id>" (a receipt): it carries the row's id and no personal data, and nobody can forge it. It does not
expire — a letter is kept for years — and the page reads the row as it is now, so it always tells the truth about
the paper in front of the reader: number, the person's name masked, amount, decision, date and issuing union, and
nothing else.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.text import masked_name

from .models import Claim, EducationAidApplication, Payment
from .review.letter_pdf import decision_issuer

_SALT = "benefits.letter-check"
CLAIM, PAYMENT, AID = "c", "p", "a"
LETTER_STATES = (Claim.State.APPROVED, Claim.State.PAID, Claim.State.REJECTED)


def letter_token(kind: str, pk: int) -> str:
    return signing.Signer(salt=_SALT).sign(f"{kind}{pk}")


def letter_verify_url(kind: str, pk: int) -> str:
    path = reverse("benefits:letter-verify", args=[letter_token(kind, pk)])
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def claim_issuer(claim: Claim):
    """The union that issues the claim's decision (`benefits.review.letter_pdf.decision_issuer`): the federation
    running the plan, or the claim's base union for a rejection it made itself. Needs claim.enrolment.plan.federation
    and claim.branch loaded."""
    return decision_issuer(claim, claim.enrolment.plan.federation)


def aid_issuer(application: EducationAidApplication):
    """The union that issues an education-aid decision: the campaign's federation, or the base union for a
    rejection it made itself. Needs application.campaign.federation and application.branch loaded."""
    return decision_issuer(application, application.campaign.federation)


def payment_issuer(payment: Payment, plan=None):
    """The union that issues a fee receipt: the federation running the plan the fee is for (it holds the fund),
    else the payment's branch."""
    return (plan.federation if plan is not None and plan.federation_id else None) or payment.branch


@dataclass(frozen=True)
class LetterCheck:
    title: str
    number: str
    name: str  # masked
    decision: str
    amount: Decimal | None
    on: date | None
    issuer: str


def _claim_check(pk: int) -> LetterCheck | None:
    claim = (Claim.objects.filter(pk=pk, state__in=LETTER_STATES)
             .select_related("member", "branch", "enrolment__plan__federation").first())
    if claim is None:
        return None
    if claim.state == Claim.State.REJECTED:
        decision, amount = _("不予补助"), None
    elif claim.state == Claim.State.PAID:
        decision, amount = _("核准补助，已发放"), claim.paid_amount
    else:
        decision, amount = _("核准补助，待发放"), claim.approved_amount
    decided = timezone.localdate(claim.decided_at) if claim.decided_at else None
    return LetterCheck(title=str(_("补助审核决定书")), number=claim.number, name=masked_name(claim.member.name),
                       decision=str(decision), amount=amount, on=decided, issuer=claim_issuer(claim).name)


def _aid_check(pk: int) -> LetterCheck | None:
    application = (EducationAidApplication.objects.filter(pk=pk, state__in=LETTER_STATES)
                   .select_related("member", "branch", "campaign__federation").first())
    if application is None:
        return None
    if application.state == Claim.State.REJECTED:
        decision, amount = _("不予资助"), None
    elif application.state == Claim.State.PAID:
        decision, amount = _("核准资助，已发放"), application.paid_amount
    else:
        decision, amount = _("核准资助，待发放"), application.approved_amount
    decided = timezone.localdate(application.decided_at) if application.decided_at else None
    return LetterCheck(title=str(_("助学审核决定书")), number=application.number,
                       name=masked_name(application.member.name), decision=str(decision), amount=amount, on=decided,
                       issuer=aid_issuer(application).name)


def _payment_check(pk: int) -> LetterCheck | None:
    payment = Payment.objects.filter(pk=pk, status=Payment.Status.PAID).select_related("branch").first()
    if payment is None:
        return None
    first = payment.enrolments.select_related("plan__federation").first()
    return LetterCheck(title=str(_("缴费收据")), number=payment.number, name=masked_name(payment.payer_name),
                       decision=str(_("已缴费")), amount=payment.amount,
                       on=timezone.localdate(payment.paid_at) if payment.paid_at else None,
                       issuer=payment_issuer(payment, first.plan if first else None).name)


def letter_check(token: str) -> LetterCheck | None:
    """What the public page may say about the letter or receipt a token was printed on; None for a forged or
    altered token, or a letter that no longer stands (its claim or payment is gone or not decided)."""
    try:
        value = signing.Signer(salt=_SALT).unsign(token)
    except signing.BadSignature:
        return None
    kind, pk = value[:1], value[1:]
    if not pk.isdigit() or int(pk) > 2**63 - 1:
        return None
    if kind == CLAIM:
        return _claim_check(int(pk))
    if kind == PAYMENT:
        return _payment_check(int(pk))
    if kind == AID:
        return _aid_check(int(pk))
    return None
