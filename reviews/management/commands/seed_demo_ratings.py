"""The demo's 好差评: rated cases, rectifications in every state, history for the dashboard (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from portal.exceptions import DomainError
from reviews.demo import seed_demo_ratings


class Command(BaseCommand):
    help = (
        "载入演示好差评：各等级评价、各状态的差评整改（含申诉）和近几个月的统计数据"
        "（须先运行 seed_demo 和 seed_demo_hall，可重复执行）。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            created = seed_demo_ratings()
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"新建演示评价办件 {created} 件。")
