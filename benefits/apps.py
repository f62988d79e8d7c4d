from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenefitsConfig(AppConfig):
    name = "benefits"
    verbose_name = _("互助保障")

    def ready(self):
        from core.services import sweep_register

        from . import checks  # noqa: F401 — registers the deployment checks

        # Each kind of reviewed application registers itself for payout batches as its services module loads.
        from .aid import services as aid_services  # noqa: F401
        from .claims import services as claims_services  # noqa: F401
        from .sweeps import claims_unassessed_requeue, settlement_imports_resume

        sweep_register("benefits.claims_unassessed_requeue", claims_unassessed_requeue)
        sweep_register("benefits.settlement_imports_resume", settlement_imports_resume)
