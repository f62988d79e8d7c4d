from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("会员与组织")

    def ready(self):
        from django.conf import settings
        from PIL import Image

        from core.services import sweep_register

        from .accounts import receivers  # noqa: F401 — connects the account audit receivers
        from .notifications import checks  # noqa: F401 — registers the SMS backend's start-up check
        from .notifications.sweeps import deliveries_pending_requeue

        sweep_register("members.deliveries_pending_requeue", deliveries_pending_requeue)

        # Pillow refuses (DecompressionBombError) images over twice this bound wherever they are opened; uploads
        # are checked against the bound itself first, with a message (members/uploads.py).
        Image.MAX_IMAGE_PIXELS = settings.UPLOAD_IMAGE_MAX_PIXELS
