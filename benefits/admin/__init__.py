"""The benefits app's admin screens, one module per concern; the admin's autodiscovery imports this package.

`plans`: plans, tiers, rules, disease lists, subsidy rules, enrolments and payments.
`claims`: the claims review queue and payout batches.
`hardship`: the hardship register (minimum living standards, families, care visits), scoped like its pages.
"""

from .claims import ClaimAdmin, PayoutBatchAdmin
from .hardship import CareVisitAdmin, HardshipFamilyAdmin, HardshipStandardAdmin
from .plans import (
    BenefitRuleInline,
    DiseaseListAdmin,
    EnrolmentAdmin,
    PaymentAdmin,
    PlanAdmin,
    SubsidyRuleAdmin,
    TierAdmin,
    has_scope,
    is_plan_manager,
)

__all__ = [
    "BenefitRuleInline",
    "CareVisitAdmin",
    "ClaimAdmin",
    "DiseaseListAdmin",
    "EnrolmentAdmin",
    "HardshipFamilyAdmin",
    "HardshipStandardAdmin",
    "PaymentAdmin",
    "PayoutBatchAdmin",
    "PlanAdmin",
    "SubsidyRuleAdmin",
    "TierAdmin",
    "has_scope",
    "is_plan_manager",
]
