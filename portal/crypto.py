"""Encryption at rest for personal data (ID numbers), with a key from the environment."""

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.utils.translation import gettext


@cache
def _fernet() -> Fernet:
    # FIELD_ENCRYPTION_KEY is a Fernet key (base64, 32 bytes); any other string is stretched into one
    # so that development works with the default derived from SECRET_KEY.
    raw = settings.FIELD_ENCRYPTION_KEY
    try:
        return Fernet(raw)
    except ValueError:
        return Fernet(base64.urlsafe_b64encode(hashlib.sha256(raw.encode()).digest()))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError(gettext("无法解密：密钥不匹配或数据已损坏。")) from exc
