"""API tokens: issued after sign-in (POST /api/v1/auth/token/), checked on every call
(portal.authentication), revoked by their holder (DELETE on the same path).

A key is 256 random bits, so one SHA-256 digest without salt or stretching keeps a leaked table
useless: there is no password to guess behind it.
"""

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction

from portal import services
from portal.clock import Clock, system_clock
from portal.models import ApiToken, User

PREFIX_LENGTH = 8
MAX_KEY_LENGTH = 100
# last_used_at is written at most this often per key: not one UPDATE per API call.
LAST_USED_PRECISION = dt.timedelta(minutes=5)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def issue_api_token(*, user: User, ip: str | None = None, clock: Clock = system_clock) -> tuple[ApiToken, str]:
    """A new key for the user, valid for API_TOKEN_TTL_HOURS; returns the row and the key, which
    is not stored and so cannot be shown again. The issue is audited."""
    key = secrets.token_urlsafe(32)
    now = clock.now()
    token = ApiToken.objects.create(
        user=user,
        prefix=key[:PREFIX_LENGTH],
        digest=key_digest(key),
        created_at=now,
        expires_at=now + dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS),
    )
    services.record_audit(
        actor=user,
        action="account.api_token_issued",
        obj=user,
        detail={"prefix": token.prefix, "expires_at": token.expires_at.isoformat()},
        ip=ip,
    )
    return token, key


def active_token_for_key(key: str, *, clock: Clock = system_clock) -> ApiToken | None:
    """The unexpired, unrevoked token of an active user whose key this is; None otherwise."""
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    now = clock.now()
    digest = key_digest(key)
    candidates = ApiToken.objects.select_related("user").filter(
        prefix=key[:PREFIX_LENGTH], revoked_at__isnull=True, expires_at__gt=now, user__is_active=True
    )
    for token in candidates:
        if hmac.compare_digest(token.digest, digest):
            if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
                ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
                token.last_used_at = now
            return token
    return None


@transaction.atomic
def revoke_api_token(*, token: ApiToken, ip: str | None = None, clock: Clock = system_clock) -> ApiToken:
    """End one key now (signing out of a client); audited."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=clock.now())
    token.refresh_from_db(fields=["revoked_at"])
    services.record_audit(
        actor=token.user, action="account.api_token_revoked", obj=token.user, detail={"prefix": token.prefix}, ip=ip
    )
    return token


@transaction.atomic
def revoke_api_tokens_of(*, user: User, ip: str | None = None, clock: Clock = system_clock) -> int:
    """End every live key of the user (a lost device, a suspected leak); returns how many; audited."""
    count = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=clock.now())
    services.record_audit(actor=user, action="account.api_tokens_revoked", obj=user, detail={"count": count}, ip=ip)
    return count
