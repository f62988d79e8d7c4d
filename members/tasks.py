"""The members app's Celery tasks, for the worker's autodiscovery (which imports only `<app>.tasks`): each package
keeps its own tasks, named explicitly with the names they always had, and this module imports them by name so
they are registered."""

from .data.tasks import run_import_job
from .notifications.tasks import deliver_notification, sms_send

__all__ = ["deliver_notification", "run_import_job", "sms_send"]
