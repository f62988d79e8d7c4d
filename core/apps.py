from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("后台任务")

    def ready(self) -> None:
        from . import openapi  # noqa: F401 — registers the schema's field extensions before any schema is built
