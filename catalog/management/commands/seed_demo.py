"""Load the demo: working-day calendar, Jiangsu catalog and one demo account per role (idempotent)."""

from typing import Any

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.demo.loader import create_demo_accounts, seed_demo_catalog
from catalog.models import ItemType, ServiceItem

NOT_DEMO_MODE = (
    "当前不是开发模式（DJANGO_DEBUG=0）：演示账户使用公开的密码，不能在这里创建。"
    "只载入演示事项数据，请加 --no-accounts。"
)


class Command(BaseCommand):
    help = "载入演示数据：工作日历，南京市玄武区、江宁区的部门、基本目录、实施清单事项、主题和演示账户（可重复执行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-accounts", action="store_true", help="不创建演示账户，只载入日历和事项数据")

    def handle(self, *args: Any, no_accounts: bool, **options: Any) -> None:
        # Refuse before writing anything, so a production database never gets half a demo.
        if not no_accounts and not settings.DEMO_MODE:
            raise CommandError(NOT_DEMO_MODE)
        if "load_calendar" in get_commands():
            call_command("load_calendar", stdout=self.stdout)
        report = seed_demo_catalog()
        if not no_accounts:
            report.created["account"] += len(create_demo_accounts())
        self.stdout.write(report.summary())
        published = ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED)
        types = sorted({str(ItemType(t).label) for t in published.values_list("item_type", flat=True).distinct()})
        self.stdout.write(f"已发布事项共 {published.count()} 项，覆盖 {len(types)} 类：{'、'.join(types)}。")
