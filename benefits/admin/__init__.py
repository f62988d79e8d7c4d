"""The benefits app's admin screens, one module per concern; the admin's autodiscovery imports this package.

`plans`: plans, tiers, rules, disease lists, subsidy rules, enrolments and payments.
`claims`: the claims review queue.
`payouts`: payout batches of every kind of application.
"""

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
    "BenefitRuleInline",
    "ClaimAdmin",
    "DiseaseListAdmin",
    "EnrolmentAdmin",
    "PaymentAdmin",
    "PayoutBatchAdmin",
    "PlanAdmin",
    "SubsidyRuleAdmin",
    "TierAdmin",
    "has_scope",
    "is_plan_manager",
]
