"""The benefits app's models, one module per concern; Django finds them here (app label `benefits`).

`plans`: plans, tiers, benefit and subsidy rules, enrolments and payments.
`claims`: claims, their stays, documents, invoices, events and reminders, payout batches.
`review`: what every reviewed and paid application has in common (abstract), for `benefits.review`.
"""

from .choices import BenefitKind, DocumentKind, RejectReason
from .claims import (
    MONEY,
    Claim,
    ClaimDocument,
    ClaimEvent,
    ClaimInvoice,
    ClaimReminder,
    ClaimStay,
    PayoutBatch,
    PayoutItem,
    document_upload_to,
)
from .plans import (
    FROZEN_MESSAGE,
    ZERO,
    BenefitRule,
    Disease,
    DiseaseList,
    Enrolment,
    Payment,
    Plan,
    PlanNotice,
    SubsidyRule,
    Tier,
    ensure_plan_not_frozen,
)
from .review import ReviewedApplication, ReviewEvent, ReviewState

__all__ = [
    "FROZEN_MESSAGE",
    "MONEY",
    "ZERO",
    "BenefitKind",
    "BenefitRule",
    "Claim",
    "ClaimDocument",
    "ClaimEvent",
    "ClaimInvoice",
    "ClaimReminder",
    "ClaimStay",
    "Disease",
    "DiseaseList",
    "DocumentKind",
    "Enrolment",
    "Payment",
    "PayoutBatch",
    "PayoutItem",
    "Plan",
    "PlanNotice",
    "RejectReason",
    "ReviewEvent",
    "ReviewState",
    "ReviewedApplication",
    "SubsidyRule",
    "Tier",
    "document_upload_to",
    "ensure_plan_not_frozen",
]
