"""System checks of the roof's own settings: the ones that lose or duplicate work when they disagree."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def celery_visibility_timeout_check(app_configs=None, **kwargs) -> list[Error]:
    """Redis redelivers a message its worker has not acknowledged within the visibility timeout. A task allowed to
    run longer, or a retry waiting out a longer countdown inside a worker, would then run twice at once."""
    if not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        return []
    visibility = settings.CELERY_BROKER_VISIBILITY_TIMEOUT
    # The imports' own limits (members/data/tasks.py, benefits/settlement/tasks.py) are the longest a task may run.
    longest = [("CELERY_TASK_TIME_LIMIT", settings.CELERY_TASK_TIME_LIMIT),
               ("NOTIFICATION_RETRY_MAX_SECONDS", settings.NOTIFICATION_RETRY_MAX_SECONDS),
               ("MEMBER_IMPORT_TIME_LIMIT", settings.MEMBER_IMPORT_TIME_LIMIT),
               ("SETTLEMENT_IMPORT_TIME_LIMIT", settings.SETTLEMENT_IMPORT_TIME_LIMIT)]
    return [
        Error(
            f"CELERY_BROKER_VISIBILITY_TIMEOUT ({visibility} s) must be longer than {what} ({seconds} s).",
            hint="Raise CELERY_BROKER_VISIBILITY_TIMEOUT or lower the other figure: Redis would hand the "
                 "message to a second worker while the first still holds it.",
            id="portal.E001",
        )
        for what, seconds in longest
        if seconds >= visibility
    ]
