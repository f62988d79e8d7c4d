"""The benefits app's models, one module per concern; Django finds them here (app label `benefits`).

`plans`: plans, tiers, benefit and subsidy rules, enrolments and payments.
`claims`: claims, their stays, documents, invoices, events and reminders, payout batches.
`hardship`: the hardship register: families, household, documents, home visits, objections, events, care visits,
the minimum living standard per district and year.
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

__all__ = [
    "FROZEN_MESSAGE",
    "HOUSEHOLD_MAX",
    "MONEY",
    "ZERO",
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
    "SubsidyRule",
    "Tier",
    "document_upload_to",
    "ensure_plan_not_frozen",
]
