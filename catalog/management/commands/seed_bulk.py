"""Generate a county with about 2,000 published items (search, import tests, benchmarks)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.demo.bulk import COUNTY_NAME, MAX_COUNT, seed_bulk_catalog
from portal.exceptions import DomainError


class Command(BaseCommand):
    help = f"在“{COUNTY_NAME}”生成批量已发布事项（默认 2000 项；已存在的跳过，--replace 先删除再生成）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=2000, help=f"事项数量（1–{MAX_COUNT}），默认 2000")
        parser.add_argument("--replace", action="store_true", help=f"先删除{COUNTY_NAME}已生成的事项和基本目录事项")

    def handle(self, *args: Any, count: int, replace: bool, **options: Any) -> None:
        try:
            report = seed_bulk_catalog(count=count, replace=replace)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if report.deleted:
            self.stdout.write(f"已删除{COUNTY_NAME}原有事项 {report.deleted} 项。")
        self.stdout.write(
            f"{COUNTY_NAME}：新建事项 {report.created} 项（抽样校验 {report.validated} 项，全部符合事项规则）。"
        )
