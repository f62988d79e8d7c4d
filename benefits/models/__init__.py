"""The benefits app's models, one module per concern; Django finds them here (app label `benefits`).

`plans`: plans, tiers, benefit and subsidy rules, enrolments and payments.
`claims`: claims, their stays, documents, invoices, events and reminders, payout batches.
`aid`: education-aid campaigns and applications (reviewed and paid like claims).
`review`: what every reviewed and paid application has in common (abstract), for `benefits.review`.
"""

from .aid import (
    AidBasis,
    AidCampaign,
    AidDocument,
    AidDocumentKind,
    AidEvent,
    AidRejectReason,
    EducationAidApplication,
    SchoolStage,
    aid_document_upload_to,
)
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
    "AidBasis",
    "AidCampaign",
    "AidDocument",
    "AidDocumentKind",
    "AidEvent",
    "AidRejectReason",
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
    "EducationAidApplication",
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
    "SchoolStage",
    "SubsidyRule",
    "Tier",
    "aid_document_upload_to",
    "document_upload_to",
    "ensure_plan_not_frozen",
]
