"""Start-up check of the SMS gateway setting: a backend that cannot be loaded would fail only at the first message,
inside the notifier, long after the deployment looked fine."""

from django.conf import settings
from django.core.checks import Error, register
from django.utils.module_loading import import_string

from .sms import BaseSmsBackend

# Where the backends lived before members was split into packages (#18): a deployment's SMS_BACKEND may still say so.
_FORMER_PATHS = {
    "members.sms.ConsoleSmsBackend": "members.notifications.sms.ConsoleSmsBackend",
    "members.sms.DatabaseSmsBackend": "members.notifications.sms.DatabaseSmsBackend",
    "members.sms_tencent.TencentSmsBackend": "members.notifications.sms_tencent.TencentSmsBackend",
}


@register()
def sms_backend_check(app_configs=None, **kwargs) -> list[Error]:
    """SMS_BACKEND names a class that loads and is an SMS backend."""
    path = settings.SMS_BACKEND
    try:
        backend = import_string(path)
    except ImportError:
        backend = None
    if isinstance(backend, type) and issubclass(backend, BaseSmsBackend):
        return []
    moved = _FORMER_PATHS.get(path)
    hint = f"The backends moved: set SMS_BACKEND={moved}." if moved else "Name a subclass of BaseSmsBackend (README)."
    return [Error(f"SMS_BACKEND {path!r} is not an SMS backend that can be loaded.", hint=hint, id="members.E001")]
