"""A confirmed import whose write task was lost (a broker message lost with Redis, a killed worker) is
sent again by the sweep once it has not moved for STALLED_AFTER; exactly once; a job being written is
left alone (issue 12)."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from catalog import imports
from catalog.models import ImportJob, ServiceItem
from tests.catalog.test_import import basic_item, client_x, confirm, csv_bytes, item_row, latest_job, upload

__all__ = ["basic_item", "client_x"]  # fixtures


@pytest.fixture
def confirmed_job(client_x, department_x, basic_item, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(imports.jobs, "INLINE_MAX_ROWS", 0)  # the worker's path, not the request's
    with django_capture_on_commit_callbacks(execute=False):
        upload(client_x, "清单.csv", csv_bytes([item_row(1, department_x, basic_item)]))
    job = imports.validate_import(job_id=latest_job().pk)
    assert job.status == ImportJob.Status.VALID
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert confirm(client_x, job).status_code == 302  # the write task's message is then lost
    assert len(queued) == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTING
    return job


def test_a_stalled_import_is_written_after_the_sweep_restarts_it_exactly_once(confirmed_job):
    sent: list[int] = []
    confirmed = confirmed_job.confirmed_at

    assert imports.restart_stalled_imports(send=sent.append, now=confirmed + dt.timedelta(minutes=9)) == []
    later = confirmed + imports.jobs.STALLED_AFTER + dt.timedelta(seconds=1)
    assert imports.restart_stalled_imports(send=sent.append, now=later) == [confirmed_job.pk]
    assert imports.restart_stalled_imports(send=sent.append, now=later + dt.timedelta(minutes=1)) == []
    assert sent == [confirmed_job.pk]

    imports.write_import(job_id=sent[0])  # what the worker runs
    confirmed_job.refresh_from_db()
    assert confirmed_job.status == ImportJob.Status.IMPORTED
    assert ServiceItem.objects.count() == 1
    assert imports.restart_stalled_imports(send=sent.append, now=later + dt.timedelta(hours=1)) == []


def test_a_restart_lost_too_is_sent_again_after_another_wait(confirmed_job):
    sent: list[int] = []
    first = confirmed_job.confirmed_at + imports.jobs.STALLED_AFTER + dt.timedelta(seconds=1)
    assert imports.restart_stalled_imports(send=sent.append, now=first) == [confirmed_job.pk]
    assert imports.restart_stalled_imports(send=sent.append, now=first + dt.timedelta(minutes=5)) == []
    assert imports.restart_stalled_imports(send=sent.append, now=first + imports.jobs.STALLED_AFTER * 2) == [
        confirmed_job.pk
    ]


def test_a_broker_that_is_down_leaves_the_job_for_the_next_sweep(confirmed_job, caplog):
    def broker_down(job_id: int) -> None:
        raise ConnectionError("Redis down")

    later = confirmed_job.confirmed_at + imports.jobs.STALLED_AFTER * 2
    assert imports.restart_stalled_imports(send=broker_down, now=later) == [confirmed_job.pk]
    assert "could not restart import job" in caplog.text and "Traceback" not in caplog.text
    confirmed_job.refresh_from_db()
    assert confirmed_job.status == ImportJob.Status.IMPORTING


@pytest.mark.django_db(transaction=True)
def test_a_job_a_worker_is_writing_is_not_restarted(editor_x):
    job = ImportJob.objects.create(
        created_by=editor_x,
        file_name="清单.csv",
        file_format="csv",
        status=ImportJob.Status.IMPORTING,
        confirmed_at=timezone.now() - dt.timedelta(hours=1),
    )
    locked, done = threading.Event(), threading.Event()

    def writing() -> None:  # as write_import does: the job row locked for its one transaction
        try:
            with transaction.atomic():
                ImportJob.objects.select_for_update().get(pk=job.pk)
                locked.set()
                done.wait(timeout=10)
        finally:
            connection.close()

    worker = threading.Thread(target=writing)
    worker.start()
    try:
        assert locked.wait(timeout=10)
        assert imports.restart_stalled_imports(send=lambda job_id: None) == []
    finally:
        done.set()
        worker.join(timeout=10)
    assert imports.restart_stalled_imports(send=lambda job_id: None) == [job.pk]
