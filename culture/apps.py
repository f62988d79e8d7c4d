from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CultureConfig(AppConfig):
    name = "culture"
    verbose_name = _("文化宫")

    def ready(self):
        from core.services import sweep_register

        from .sweeps import waitlists_with_free_seats_requeue

        sweep_register("culture.waitlists_with_free_seats_requeue", waitlists_with_free_seats_requeue)
