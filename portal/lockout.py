"""Sign-in lockout beyond django-axes: a cap on failed sign-ins from one address across usernames.

django-axes locks a username at an address (AXES_LOCKOUT_PARAMETERS), so nobody can lock a clerk
out from elsewhere and one hall behind NAT is never locked as a whole. That leaves password
spraying open: one address trying one password on thousands of usernames. This cap counts that
address's failures over all usernames in a sliding window, from django-axes' AccessFailureLog rows
(in the database, so it holds without Redis). It applies only when the failures span many distinct
usernames: forty clerks behind one NAT address making the odd typo, or one clerk locked out and
retrying, never reach it.
"""

import datetime as dt
import math

from axes.models import AccessFailureLog
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from portal.exceptions import DomainError


class SignInThrottled(DomainError):
    """Too many failed sign-ins from one network address (HTTP 429)."""

    code = "ip_throttled"
    status_code = 429


def _is_spraying(usernames: list[str | None]) -> bool:
    return (
        len(usernames) >= settings.SIGNIN_IP_FAILURE_LIMIT
        and len(set(usernames)) >= settings.SIGNIN_IP_DISTINCT_USERNAMES
    )


def ip_sign_in_blocked_until(ip: str | None, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the cap on ``ip`` lifts, or None if it may sign in now."""
    if not ip:
        return None
    now = now or timezone.now()
    window = dt.timedelta(minutes=settings.SIGNIN_IP_WINDOW_MINUTES)
    # Refused attempts never reach authenticate(), so they are not logged: the rows in the window
    # stay few (the limit, plus whatever raced past it), and a sprayer cannot keep the cap alive
    # by hammering it.
    failures = list(
        AccessFailureLog.objects.filter(ip_address=ip, attempt_time__gt=now - window)
        .order_by("attempt_time")
        .values_list("attempt_time", "username")
    )
    usernames = [username for _, username in failures]
    if not _is_spraying(usernames):
        return None
    # The cap lifts when enough of the oldest failures have left the window.
    for index, (attempt_time, _) in enumerate(failures):
        if not _is_spraying(usernames[index + 1 :]):
            return attempt_time + window
    raise AssertionError("unreachable: an empty list is never spraying")


def check_ip_may_sign_in(ip: str | None, *, now: dt.datetime | None = None) -> None:
    """Refuse a sign-in attempt from an address that has failed too often across usernames.

    Call before authenticate(): a refused attempt must not check the password at all.
    """
    now = now or timezone.now()
    until = ip_sign_in_blocked_until(ip, now=now)
    if until is not None:
        minutes = max(1, math.ceil((until - now).total_seconds() / 60))
        raise SignInThrottled(
            gettext("该网络地址登录失败次数过多，请 %(minutes)s 分钟后再试。") % {"minutes": minutes},
            code="ip_throttled",
        )
