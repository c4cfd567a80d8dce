from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP

from portal.models import User
from portal.services import ensure_demo_totp_device


class Command(BaseCommand):
    help = "显示演示工作人员账户当前的动态验证码（仅开发模式）。标准输出只有验证码本身，便于脚本使用。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="演示工作人员的用户名")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("动态验证码只对开发模式（DJANGO_DEBUG=1）下的演示账户显示。")
        user = User.objects.filter(username=options["username"], is_demo=True).first()
        if user is None:
            raise CommandError(f"没有用户名为“{options['username']}”的演示账户。")
        if not user.is_portal_staff:
            raise CommandError(f"“{user.username}”不是工作人员，登录无需动态验证码。")
        # Demo staff skip the enrolment code: their device is confirmed when the account is created.
        device = ensure_demo_totp_device(user=user)
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
        remaining = device.step - int(totp.time - device.t0) % device.step
        self.stderr.write(f"{remaining} 秒内有效；每个验证码只能使用一次。")
