"""Seed the working-day calendar table from the chinesecalendar package (idempotent)."""

import chinese_calendar
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.workdays import load_official_calendar

FIRST_YEAR = min(chinese_calendar.holidays).year
LAST_YEAR = max(chinese_calendar.holidays).year


class Command(BaseCommand):
    help = f"从 chinesecalendar 载入 {FIRST_YEAR}–{LAST_YEAR} 年的法定节假日与调休安排（可重复执行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="first", type=int, default=FIRST_YEAR, help="起始年份")
        parser.add_argument("--to", dest="last", type=int, default=LAST_YEAR, help="截止年份（含）")

    def handle(self, *args: object, first: int, last: int, **options: object) -> None:
        if first > last:
            raise CommandError(f"起始年份 {first} 晚于截止年份 {last}。")
        try:
            result = load_official_calendar(years=range(first, last + 1))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        loaded = f"{result.loaded_years[0]}–{result.loaded_years[-1]}" if result.loaded_years else "无"
        self.stdout.write(f"已载入年度：{loaded}；变更调整日 {result.days_changed} 条。")
        if result.skipped_years:
            skipped = "、".join(map(str, result.skipped_years))
            self.stdout.write(f"由管理员维护、未覆盖的年度：{skipped}。")
