"""The demo's 江宁区 service hall, its windows, clerk, authorisations and a few cases (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from portal.exceptions import DomainError
from windows.demo import seed_demo_hall


class Command(BaseCommand):
    help = (
        "载入演示服务大厅：江宁区政务服务中心的两个窗口、窗口人员、窗口授权和几件演示办件"
        "（须先运行 seed_demo，可重复执行）。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = seed_demo_hall()
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(report.summary())
