"""The benefits app's models, one module per concern; Django finds them here (app label `benefits`).

`plans`: plans, tiers, benefit and subsidy rules, enrolments and payments.
`claims`: claims, their stays, documents, invoices, events and reminders, payout batches.
`aid`: education-aid campaigns and applications (reviewed and paid like claims).
`review`: what every reviewed and paid application has in common (abstract), for `benefits.review`.
`hardship`: the hardship register: families, household, documents, home visits, objections, events, care visits,
the minimum living standard per district and year.
`settlement`: hospital settlement records from social security, their imports and the integrations posting them.
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
from .hardship import (
    HOUSEHOLD_MAX,
    CareVisit,
    HardshipCause,
    HardshipDocument,
    HardshipEvent,
    HardshipFamily,
    HardshipLevel,
    HardshipObjection,
    HardshipStandard,
    HomeVisit,
    HouseholdMember,
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
from .settlement import (
    SettlementImport,
    SettlementIntegration,
    SettlementRecord,
    SettlementRowError,
    token_digest,
)

__all__ = [
    "FROZEN_MESSAGE",
    "HOUSEHOLD_MAX",
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
    "CareVisit",
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
    "HardshipCause",
    "HardshipDocument",
    "HardshipEvent",
    "HardshipFamily",
    "HardshipLevel",
    "HardshipObjection",
    "HardshipStandard",
    "HomeVisit",
    "HouseholdMember",
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
    "SettlementImport",
    "SettlementIntegration",
    "SettlementRecord",
    "SettlementRowError",
    "SubsidyRule",
    "Tier",
    "aid_document_upload_to",
    "document_upload_to",
    "ensure_plan_not_frozen",
    "token_digest",
]
