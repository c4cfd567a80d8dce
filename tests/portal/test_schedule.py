"""The beat schedule (manage.py setup_schedule) and the daily housekeeping task."""

import datetime as dt
from io import StringIO

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask, PeriodicTasks

from portal import housekeeping, tasks
from portal.clock import FixedClock
from portal.management.commands.setup_schedule import SCHEDULE
from portal.models import PhoneCode

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def setup_schedule() -> str:
    out = StringIO()
    call_command("setup_schedule", stdout=out)
    return out.getvalue()


def test_it_creates_the_housekeeping_task_once():
    setup_schedule()
    task = PeriodicTask.objects.get(name="portal.housekeeping")
    changed_at = PeriodicTasks.last_change()
    output = setup_schedule()
    assert "新建 0 个" in output
    assert PeriodicTask.objects.filter(name__startswith="portal.").count() == len(SCHEDULE)
    assert PeriodicTask.objects.get(name="portal.housekeeping").date_changed == task.date_changed
    assert PeriodicTasks.last_change() == changed_at
    assert task.task == "portal.tasks.purge_expired_records" and task.enabled
    assert (task.crontab.minute, task.crontab.hour, str(task.crontab.timezone)) == ("30", "3", "Asia/Shanghai")
    assert CrontabSchedule.objects.count() == 1


def test_it_puts_back_a_task_an_administrator_changed():
    setup_schedule()
    PeriodicTask.objects.filter(name="portal.housekeeping").update(enabled=False, task="portal.tasks.other")
    setup_schedule()
    task = PeriodicTask.objects.get(name="portal.housekeeping")
    assert task.enabled and task.task == "portal.tasks.purge_expired_records"


def test_it_removes_our_unlisted_tasks_and_keeps_others():
    every_minute = IntervalSchedule.objects.create(every=60, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="portal.retired_sweep", task="portal.tasks.gone", interval=every_minute)
    PeriodicTask.objects.create(name="管理员自建任务", task="portal.tasks.purge_expired_records", interval=every_minute)
    assert "删除已不在清单中的 1 个" in setup_schedule()
    assert not PeriodicTask.objects.filter(name="portal.retired_sweep").exists()
    assert PeriodicTask.objects.filter(name="管理员自建任务").exists()


def test_housekeeping_deletes_expired_sessions_only():
    Session.objects.create(session_key="expired", session_data="", expire_date=NOW - dt.timedelta(seconds=1))
    Session.objects.create(session_key="live", session_data="", expire_date=NOW + dt.timedelta(minutes=5))
    deleted = housekeeping.purge_expired_records(clock=FixedClock(NOW))
    assert deleted["sessions"] == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


def test_housekeeping_keeps_lockouts_within_the_cool_off_and_logs_for_six_months(settings):
    settings.AXES_COOLOFF_TIME = 0.25  # hours
    old = AccessAttempt.objects.create(username="a", ip_address="10.0.0.1", failures_since_start=5)
    recent = AccessAttempt.objects.create(username="b", ip_address="10.0.0.2", failures_since_start=5)
    AccessAttempt.objects.filter(pk=old.pk).update(attempt_time=NOW - dt.timedelta(minutes=16))
    AccessAttempt.objects.filter(pk=recent.pk).update(attempt_time=NOW - dt.timedelta(minutes=14))
    old_log = AccessLog.objects.create(username="a", ip_address="10.0.0.1")
    kept_log = AccessLog.objects.create(username="a", ip_address="10.0.0.1")
    AccessLog.objects.filter(pk=old_log.pk).update(attempt_time=NOW - dt.timedelta(days=184))
    AccessLog.objects.filter(pk=kept_log.pk).update(attempt_time=NOW - dt.timedelta(days=180))

    deleted = housekeeping.purge_expired_records(clock=FixedClock(NOW))

    assert (deleted["access_attempts"], deleted["access_logs"]) == (1, 1)
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["b"]
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [kept_log.pk]


def test_housekeeping_deletes_texted_codes_after_a_day():
    def code(age: dt.timedelta) -> PhoneCode:
        return PhoneCode.objects.create(
            phone="13812345678",
            code_digest="x" * 64,
            created_at=NOW - age,
            expires_at=NOW - age + dt.timedelta(minutes=10),
        )

    code(dt.timedelta(hours=25))
    kept = code(dt.timedelta(hours=23))

    assert housekeeping.purge_expired_records(clock=FixedClock(NOW))["phone_codes"] == 1
    assert list(PhoneCode.objects.values_list("pk", flat=True)) == [kept.pk]


def test_housekeeping_keeps_every_lockout_without_a_cool_off(settings):
    settings.AXES_COOLOFF_TIME = None
    attempt = AccessAttempt.objects.create(username="a", ip_address="10.0.0.1", failures_since_start=5)
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=NOW - dt.timedelta(days=30))
    assert housekeeping.purge_expired_records(clock=FixedClock(NOW))["access_attempts"] == 0
    assert AccessAttempt.objects.exists()


def test_the_celery_task_runs_the_housekeeping_and_can_run_twice():
    Session.objects.create(session_key="expired", session_data="", expire_date=timezone.now() - dt.timedelta(days=1))
    assert tasks.purge_expired_records.apply().get()["sessions"] == 1
    assert tasks.purge_expired_records.apply().get()["sessions"] == 0
