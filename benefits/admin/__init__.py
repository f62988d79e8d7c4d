"""The benefits app's admin screens, one module per concern; the admin's autodiscovery imports this package.

`plans`: plans, tiers, rules, disease lists, subsidy rules, enrolments and payments.
`aid`: education-aid campaigns and the applications' review queue.
`claims`: the claims review queue.
`hardship`: the hardship register (minimum living standards, families, care visits), scoped like its pages.
`payouts`: payout batches of every kind of application.
`settlement`: settlement-record imports, the records and the integrations posting them.
"""

from .aid import AidCampaignAdmin, EducationAidApplicationAdmin
from .claims import ClaimAdmin
from .hardship import CareVisitAdmin, HardshipFamilyAdmin, HardshipStandardAdmin
from .payouts import PayoutBatchAdmin
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
from .settlement import SettlementImportAdmin, SettlementIntegrationAdmin, SettlementRecordAdmin

__all__ = [
    "AidCampaignAdmin",
    "BenefitRuleInline",
    "CareVisitAdmin",
    "ClaimAdmin",
    "DiseaseListAdmin",
    "EducationAidApplicationAdmin",
    "EnrolmentAdmin",
    "HardshipFamilyAdmin",
    "HardshipStandardAdmin",
    "PaymentAdmin",
    "PayoutBatchAdmin",
    "PlanAdmin",
    "SettlementImportAdmin",
    "SettlementIntegrationAdmin",
    "SettlementRecordAdmin",
    "SubsidyRuleAdmin",
    "TierAdmin",
    "has_scope",
    "is_plan_manager",
]
