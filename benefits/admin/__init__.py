"""The benefits app's admin screens, one module per concern; the admin's autodiscovery imports this package.

`plans`: plans, tiers, rules, disease lists, subsidy rules, enrolments and payments.
`aid`: education-aid campaigns and the applications' review queue.
`claims`: the claims review queue.
`payouts`: payout batches of every kind of application.
"""

from .aid import AidCampaignAdmin, EducationAidApplicationAdmin
from .claims import ClaimAdmin
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

__all__ = [
    "AidCampaignAdmin",
    "BenefitRuleInline",
    "ClaimAdmin",
    "DiseaseListAdmin",
    "EducationAidApplicationAdmin",
    "EnrolmentAdmin",
    "PaymentAdmin",
    "PayoutBatchAdmin",
    "PlanAdmin",
    "SubsidyRuleAdmin",
    "TierAdmin",
    "has_scope",
    "is_plan_manager",
]
