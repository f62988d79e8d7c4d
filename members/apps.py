from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("会员与组织")

    def ready(self):
        from . import receivers  # noqa: F401 — connects the account audit receivers
