"""System checks of the portal."""

import base64
import binascii
import string
from typing import Any

from cryptography.fernet import Fernet
from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.db import DatabaseError
from django.utils.module_loading import import_string


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


# --- Production runs on real services with strong keys ----------------------------------------
# Deployment checks (`manage.py check --deploy`, run by the web container before it starts); they
# pass in demo mode, where the demo services and the keys derived from SECRET_KEY are the point.

DEVELOPMENT_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}
# (setting, what it does, check id when the class is a demo one)
PROVIDER_SETTINGS = (
    ("REAL_NAME_VERIFIER", "实名核验", "portal.E010"),
    ("PAYMENT_PROVIDER", "网上缴费", "portal.E011"),
    ("SMS_BACKEND", "短信发送", "portal.E012"),
    ("ORGANIZATION_REGISTRY", "单位登记信息（法定代表人）", "portal.E017"),
    ("PORTAL_LICENCE_REGISTRY", "电子证照库（免证办、证照归集）", "portal.E024"),
)
# 32 random bytes, as the keys of HMAC-SHA256 and of Fernet need.
MIN_KEY_BYTES = 32
# 32 random bytes hold about 30 distinct values; fewer than this is a pattern, not a key.
MIN_DISTINCT_KEY_BYTES = 16
PLAIN_TEXT_KEY_CHARS = 43


@register(Tags.security, deploy=True)
def check_real_services_outside_demo_mode(app_configs: list[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """Outside demo mode, every outside service is a real one, configured to reach its provider."""
    if settings.DEMO_MODE:
        return []
    errors: list[CheckMessage] = []
    for setting, purpose, demo_id in PROVIDER_SETTINGS:
        path = getattr(settings, setting)
        try:
            cls = import_string(path)
        except ImportError:
            errors.append(
                Error(
                    f"{setting}（{purpose}）指向的类“{path}”无法导入。",
                    hint="填写一个存在的类的完整路径，例如 HTTP 适配器。",
                    id="portal.E014",
                )
            )
            continue
        if getattr(cls, "is_demo", False):
            errors.append(
                Error(
                    f"{setting} 是演示实现“{path}”，而当前不是开发模式（DJANGO_DEBUG=0）：{purpose}不会真正进行。",
                    hint=f"在生产环境把 {setting} 设为 HTTP 适配器并配置其地址和凭据（见 .env.example）。",
                    id=demo_id,
                )
            )
            continue
        errors.extend(_adapter_configuration_errors(setting, purpose, getattr(cls, "required_settings", ())))
    if not settings.EMAIL_BACKEND or settings.EMAIL_BACKEND in DEVELOPMENT_EMAIL_BACKENDS:
        errors.append(
            Error(
                f"EMAIL_BACKEND 是“{settings.EMAIL_BACKEND}”，而当前不是开发模式：邮件不会发出。",
                hint="生产环境使用 django.core.mail.backends.smtp.EmailBackend（不设置 EMAIL_BACKEND 即是）。",
                id="portal.E013",
            )
        )
    return errors


def _adapter_configuration_errors(setting: str, purpose: str, required: tuple[str, ...]) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    missing = [name for name in required if not getattr(settings, name, "")]
    if missing:
        errors.append(
            Error(
                f"{setting}（{purpose}）的适配器缺少配置：{'、'.join(missing)}。",
                hint="在环境变量中设置服务商提供的地址、应用标识和签名密钥。",
                id="portal.E015",
            )
        )
    for name in required:
        value = getattr(settings, name, "")
        if name.endswith("_URL") and value and not value.startswith("https://"):
            errors.append(
                Error(
                    f"{name} 不是 https 地址：{purpose}的请求和回复（身份证件号码、支付结果）会以明文传输。",
                    hint="使用服务商的 https 地址。",
                    id="portal.E016",
                )
            )
    return errors


@register(Tags.security, deploy=True)
def check_keys_are_strong_outside_demo_mode(app_configs: list[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """Outside demo mode, the keys protecting ID numbers are 32 random bytes each, and not shared."""
    if settings.DEMO_MODE:
        return []
    errors: list[CheckMessage] = []
    hash_key, field_key = settings.ID_NUMBER_HASH_KEY, settings.FIELD_ENCRYPTION_KEY
    if not _is_strong_secret(hash_key):
        errors.append(
            Error(
                "ID_NUMBER_HASH_KEY 太弱：不足 32 个随机字节，身份证件号码的摘要可被穷举还原。",
                hint='生成新密钥：python -c "import secrets; print(secrets.token_urlsafe(32))"。'
                "注意：更换密钥后须重新计算已存的摘要。",
                id="portal.E020",
            )
        )
    if not _is_strong_fernet_key(field_key):
        errors.append(
            Error(
                "FIELD_ENCRYPTION_KEY 不是有效的随机 Fernet 密钥（32 字节，URL 安全的 base64 编码）。",
                hint="生成新密钥：python -c "
                '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"。'
                "注意：更换密钥前须用旧密钥解密并重新加密已存数据。",
                id="portal.E021",
            )
        )
    for name, key in (("ID_NUMBER_HASH_KEY", hash_key), ("FIELD_ENCRYPTION_KEY", field_key)):
        if key and key == settings.SECRET_KEY:
            errors.append(
                Error(
                    f"{name} 与 DJANGO_SECRET_KEY 相同：一个密钥泄露，另一个也随之泄露。",
                    hint=f"为 {name} 单独生成一个密钥。",
                    id="portal.E022",
                )
            )
    if hash_key and hash_key == field_key:
        errors.append(
            Error(
                "ID_NUMBER_HASH_KEY 与 FIELD_ENCRYPTION_KEY 相同。",
                hint="两个用途各用一个独立生成的密钥。",
                id="portal.E023",
            )
        )
    return errors


def _is_strong_secret(key: str) -> bool:
    """At least 32 random bytes: hex or base64 of them, or plain text as long as their base64 (43)."""
    key = key.strip()
    if len(key) % 2 == 0 and all(c in string.hexdigits for c in key):
        material = bytes.fromhex(key)
    else:
        try:
            material = base64.b64decode(key.replace("-", "+").replace("_", "/") + "=" * (-len(key) % 4), validate=True)
        except (binascii.Error, ValueError):
            # Plain text holds fewer random bits a character than base64 does.
            material = key.encode() if len(key) >= PLAIN_TEXT_KEY_CHARS else b""
    return len(material) >= MIN_KEY_BYTES and len(set(material)) >= MIN_DISTINCT_KEY_BYTES


def _is_strong_fernet_key(key: str) -> bool:
    try:
        Fernet(key)
        material = base64.urlsafe_b64decode(key)
    except (ValueError, TypeError):
        return False
    return len(set(material)) >= MIN_DISTINCT_KEY_BYTES
