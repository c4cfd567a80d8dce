"""Write the beat schedule (django-celery-beat, in the database) from the list below. Idempotent.

The list is the single source of the periodic tasks: a task of ours (named ``portal.…``) that is no
longer listed is deleted, one whose Celery task is not registered is skipped with a warning, and
tasks an administrator added under other names are left alone.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from portal.celery import app

MANAGED_PREFIX = "portal."


@dataclass(frozen=True)
class PeriodicJob:
    name: str  # unique; begins with MANAGED_PREFIX
    task: str  # registered Celery task name
    description: str
    every_seconds: int | None = None
    crontab: str | None = None  # "minute hour day_of_month month_of_year day_of_week"
    expires_seconds: int | None = None  # a run still queued by then is dropped, not run late


SCHEDULE: list[PeriodicJob] = [
    PeriodicJob(
        name="portal.housekeeping",
        task="portal.tasks.purge_expired_records",
        description="每日凌晨清理过期会话、过期的登录失败计数和超过留存期的登录日志",
        crontab="30 3 * * *",
        expires_seconds=3600,
    ),
    # Short sweeps (DESIGN.md "Time and background work"). A run still queued when the next one is
    # due is dropped: the next run does the same work, so a stopped worker finds no backlog.
    PeriodicJob(
        name="portal.relay_outbox",
        task="portal.tasks.relay_outbox",
        description="将待发送事件（通知、短信、邮件）转交任务队列",
        every_seconds=settings.SWEEP_INTERVAL_SECONDS,
        expires_seconds=settings.SWEEP_INTERVAL_SECONDS,
    ),
    PeriodicJob(
        name="portal.restart_stalled_imports",
        task="catalog.tasks.restart_stalled_imports",
        description="事项导入：确认后未在写入的任务（消息丢失、进程被终止）重新启动",
        every_seconds=settings.SWEEP_INTERVAL_SECONDS,
        expires_seconds=settings.SWEEP_INTERVAL_SECONDS,
    ),
    PeriodicJob(
        name="portal.sweep_deadlines",
        task="applications.tasks.sweep_deadlines",
        description="办件时限巡检：逾期未告知视为受理（行政许可法第三十二条）、补正逾期退件、红黄灯预警、审查环节超期提醒",
        every_seconds=settings.SWEEP_INTERVAL_SECONDS,
        expires_seconds=settings.SWEEP_INTERVAL_SECONDS,
    ),
    PeriodicJob(
        name="portal.sweep_evaluations",
        task="reviews.tasks.sweep_evaluations",
        description="好差评：办结后邀请评价、未评价提醒、按规则默认评价；差评整改红黄灯预警与超期督办",
        every_seconds=settings.SWEEP_INTERVAL_SECONDS,
        expires_seconds=settings.SWEEP_INTERVAL_SECONDS,
    ),
]


class Command(BaseCommand):
    help = "按代码中的任务清单创建或更新定时任务（django-celery-beat），可重复执行。"

    def handle(self, *args: Any, **options: Any) -> None:
        app.loader.import_default_modules()  # registers the tasks of every installed app
        registered = set(app.tasks)
        jobs = [job for job in SCHEDULE if job.task in registered]
        for job in SCHEDULE:
            if job.task not in registered:
                self.stderr.write(f"跳过 {job.name}：Celery 任务 {job.task} 未注册。")
        created, removed = write_schedule(jobs)
        self.stdout.write(f"定时任务 {len(jobs)} 个（新建 {created} 个，删除已不在清单中的 {removed} 个）。")


@transaction.atomic
def write_schedule(jobs: list[PeriodicJob]) -> tuple[int, int]:
    """Create or update the listed tasks and delete our unlisted ones; returns (created, removed).

    A task already as listed is not saved again: each save tells beat to reload its schedule.
    Deletion goes row by row for the same reason (PeriodicTask.delete signals the change).
    """
    created = 0
    for job in jobs:
        fields = _task_fields(job)
        task = PeriodicTask.objects.filter(name=job.name).first()
        if task is None:
            PeriodicTask.objects.create(name=job.name, **fields)
            created += 1
        elif any(getattr(task, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(task, name, value)
            task.save()
    stale = PeriodicTask.objects.filter(name__startswith=MANAGED_PREFIX).exclude(name__in=[j.name for j in jobs])
    removed = 0
    for task in stale:
        task.delete()
        removed += 1
    return created, removed


def _task_fields(job: PeriodicJob) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "task": job.task,
        "description": job.description,
        "enabled": True,
        "expire_seconds": job.expires_seconds,
        "interval": None,
        "crontab": None,
    }
    if job.every_seconds is not None:
        fields["interval"], _ = IntervalSchedule.objects.get_or_create(
            every=job.every_seconds, period=IntervalSchedule.SECONDS
        )
    else:
        minute, hour, day_of_month, month_of_year, day_of_week = (job.crontab or "").split()
        fields["crontab"], _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_month=day_of_month,
            month_of_year=month_of_year,
            day_of_week=day_of_week,
            timezone=settings.CELERY_TIMEZONE,
        )
    return fields
