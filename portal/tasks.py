"""Thin Celery wrappers of the portal kernel: each calls one function and is safe to run twice."""

from celery import shared_task

from portal import housekeeping, notifications, outbox
from portal.celery import app


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=600, soft_time_limit=540)
def purge_expired_records() -> dict[str, int]:
    return housekeeping.purge_expired_records()


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=120, soft_time_limit=100)
def relay_outbox() -> int:
    """Beat, every SWEEP_INTERVAL_SECONDS: hand due outbox rows to the broker (portal/outbox.py)."""
    return outbox.relay_due(send=app.send_task)


# Retried with a growing back-off (at most 5 minutes, below the broker's visibility timeout). When the
# retries run out the row is still not done, so the relay hands it over again: delivery is retried
# until it succeeds, and the idempotency keys keep it to one notification.
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=10,
    time_limit=120,
    soft_time_limit=100,
)
def deliver_notification(message_id: int) -> int:
    return notifications.deliver_message(message_id=message_id)
