"""Exactly one beat (a PostgreSQL advisory lock), and while Redis is down one log line per failed send
from beat and from the outbox relay, not tracebacks (issue 12)."""

import datetime as dt
import logging

import pytest
from celery import Celery
from celery.beat import ScheduleEntry
from celery.schedules import schedule
from django.db import connection

from portal import beat, outbox
from portal.clock import FixedClock
from tests.portal.test_error_pages import closed_port

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the beat lock is a PostgreSQL advisory lock"),
]


@pytest.fixture
def lock():
    holder = beat.BeatLock()
    yield holder
    holder.release()


def test_a_second_beat_lock_holder_is_refused_until_the_first_lets_go(lock):
    second = beat.BeatLock()
    try:
        assert lock.acquire()
        assert not second.acquire()
        lock.release()  # the first beat stopped (or was killed: the server drops its session)
        assert second.acquire()
    finally:
        second.release()


def test_a_second_beat_refuses_to_start_and_says_so(lock, caplog):
    assert lock.acquire()  # the first beat
    with caplog.at_level(logging.ERROR, logger="portal.beat"), pytest.raises(SystemExit):
        beat.SingleBeatScheduler(app=Celery("second-beat", set_as_current=False))
    assert "another celery beat is running" in caplog.text
    assert "refuses to start" in caplog.text


def test_the_lazy_scheduler_of_the_start_up_banner_takes_no_lock(lock):
    beat.SingleBeatScheduler(app=Celery("banner", set_as_current=False), lazy=True)
    assert lock.acquire()


@pytest.fixture
def app_without_redis():
    """A Celery app whose broker is a Redis nobody runs (Redis down), told not to wait for it."""
    app = Celery("no-redis", broker=f"redis://127.0.0.1:{closed_port()}/0", set_as_current=False)
    app.conf.update(task_publish_retry=False, broker_connection_retry=False, broker_connection_timeout=1)
    return app


def failure_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_beat_writes_one_line_per_failed_send_while_redis_is_down(app_without_redis, caplog):
    # Only the sending part of the scheduler (its start reads and writes the schedule tables).
    scheduler = beat.SingleBeatScheduler.__new__(beat.SingleBeatScheduler)
    scheduler.app = app_without_redis
    entry = ScheduleEntry(name="relay", task="portal.tasks.relay_outbox", schedule=schedule(60), app=app_without_redis)
    with caplog.at_level(logging.INFO):
        scheduler.apply_entry(entry)
        scheduler.apply_entry(entry)
    failures = failure_records(caplog)
    assert len(failures) == 2
    for record in failures:
        assert record.exc_info is None and "\n" not in record.getMessage()
        assert "beat could not send portal.tasks.relay_outbox" in record.getMessage()


def test_the_relay_writes_one_line_while_redis_is_down(app_without_redis, caplog):
    outbox.enqueue(kind="notification", key="relay:1", payload={"phone": "13800000000", "title": "T"})
    outbox.enqueue(kind="notification", key="relay:2", payload={"phone": "13800000000", "title": "T"})
    with caplog.at_level(logging.INFO):
        relayed = outbox.relay_due(send=app_without_redis.send_task, clock=FixedClock(dt.datetime.now(dt.UTC)))
    assert relayed == 0
    failures = failure_records(caplog)
    assert len(failures) == 1  # the broker is down for the rest too: one line, not one per row
    assert failures[0].exc_info is None and "\n" not in failures[0].getMessage()
