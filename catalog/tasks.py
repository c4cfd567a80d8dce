"""Thin Celery wrappers: each takes an id and calls one function of catalog.imports.

Both are safe to run twice (a redelivered task): validation starts over, and the write locks the
job and only writes a job still marked 正在导入. The time limits stay below the Redis broker's
visibility timeout (1 h), past which an unacknowledged task would be delivered again.
"""

from celery import shared_task

from catalog import imports


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=3000, soft_time_limit=2900)
def validate_import_job(job_id: int) -> None:
    imports.validate_import(job_id=job_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=3000, soft_time_limit=2900)
def write_import_job(job_id: int) -> None:
    imports.write_import(job_id=job_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=120, soft_time_limit=100)
def restart_stalled_imports() -> int:
    """Beat: a confirmed import whose write task was lost is sent again (catalog/imports/jobs.py)."""
    return len(imports.restart_stalled_imports(send=lambda job_id: write_import_job.apply_async(args=[job_id])))
