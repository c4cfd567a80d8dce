"""System checks of the portal."""

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.db import DatabaseError


@register(Tags.database)
def check_no_demo_accounts_outside_demo_mode(
    app_configs: list[AppConfig] | None, databases: list[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Demo accounts (one shared, published password) must never exist when DJANGO_DEBUG is off.

    A database check, so it runs with ``migrate`` and ``check --database default`` as Django asks of
    checks that query the database.
    """
    if settings.DEMO_MODE or not databases:
        return []
    from portal.models import User

    errors: list[CheckMessage] = []
    for alias in databases:
        try:
            count = User.objects.using(alias).filter(is_demo=True).count()
        except DatabaseError:
            # Tables not created yet (a first migrate): nothing to check.
            continue
        if count:
            errors.append(
                Error(
                    f"数据库“{alias}”中有 {count} 个演示账户，而当前不是开发模式（DJANGO_DEBUG=0）。",
                    hint="演示账户使用公开的密码。删除它们（User.is_demo=True），或只在开发环境中使用这份数据库。",
                    id="portal.E001",
                )
            )
    return errors
