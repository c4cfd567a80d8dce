"""Thin Celery wrappers of the portal kernel: each calls one function and is safe to run twice."""

from celery import shared_task

from portal import housekeeping


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=600, soft_time_limit=540)
def purge_expired_records() -> dict[str, int]:
    return housekeeping.purge_expired_records()
