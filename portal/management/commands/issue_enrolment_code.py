from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.exceptions import DomainError
from portal.models import User
from portal.services import ENROLMENT_CODE_VALIDITY, issue_enrolment_code


class Command(BaseCommand):
    help = (
        "为工作人员账户签发新的动态验证码绑定码（如新账户、手机丢失）：旧绑定码作废，已绑定的设备解除。"
        "绑定码只显示这一次，请当面或书面交给本人。标准输出只有绑定码本身，便于脚本使用。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="工作人员的用户名")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"没有用户名为“{options['username']}”的账户。")
        try:
            code = issue_enrolment_code(user=user)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(code)
        hours = int(ENROLMENT_CODE_VALIDITY.total_seconds() // 3600)
        self.stderr.write(f"{hours} 小时内有效，只能使用一次；旧绑定码已作废，已绑定的动态验证码设备已解除。")
