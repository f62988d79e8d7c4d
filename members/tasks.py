from celery import shared_task

from . import notifications


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(notifications.DeliveryFailed,),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=8,
)
def deliver_notification(self, notification_id: int) -> None:
    notifications.notification_deliver(notification_id=notification_id)


from .tasks_data import *  # noqa: E402, F403
