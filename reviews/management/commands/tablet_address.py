"""The address a window's rating tablet (评价器) opens, for whoever installs the device."""

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviews import tablets


class Command(BaseCommand):
    help = "打印某个窗口评价器（平板）应打开的地址，供安装评价器时使用；该地址不向窗口工作人员显示。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("window_id", type=int, help="窗口编号（数据库 id）")
        parser.add_argument(
            "--base-url", default="", help="门户的公开地址，默认取 PORTAL_PUBLIC_URL（如 https://zwfw.example.gov.cn）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        window_id = options["window_id"]
        # The hall's model by name: reviews does not import windows (docs/architecture.md).
        window = apps.get_model("windows", "Window").objects.select_related("hall").filter(pk=window_id).first()
        if window is None:
            raise CommandError(f"未找到编号为 {window_id} 的窗口。")
        base = (options["base_url"] or settings.PORTAL_PUBLIC_URL or "").rstrip("/")
        if not base:
            raise CommandError("PORTAL_PUBLIC_URL 未设置：请用 --base-url 指定门户的公开地址。")
        self.stderr.write(f"{window}：")
        self.stdout.write(f"{base}{tablets.tablet_path(window.pk)}")
