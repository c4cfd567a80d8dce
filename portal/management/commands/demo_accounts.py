from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from portal.models import Role, User
from portal.services import DEMO_PASSWORD


class Command(BaseCommand):
    help = "列出演示账户：用户名、密码、角色；工作人员如何取得动态验证码（仅开发模式）。"

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            self.stdout.write("当前不是开发模式（DJANGO_DEBUG=0），不存在演示账户。")
            return
        users = list(User.objects.filter(is_demo=True).prefetch_related("groups").order_by("username"))
        if not users:
            self.stdout.write("还没有演示账户：请先运行 python manage.py seed_demo。")
            return
        labels = dict(Role.choices)
        self.stdout.write(f"演示账户（密码均为 {DEMO_PASSWORD}）：")
        for user in users:
            roles = "、".join(str(labels.get(group.name, group.name)) for group in user.groups.all()) or "无角色"
            line = f"  {user.username:<20} {DEMO_PASSWORD}  {user.real_name or '-':<6} {roles}"
            if user.is_portal_staff:
                line += f"  （动态验证码：python manage.py demo_totp {user.username}）"
            self.stdout.write(line)
