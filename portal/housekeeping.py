"""Housekeeping run daily by beat: expired sessions, stale sign-in records and texted codes.

Safe to run twice or concurrently: each step is a plain delete of rows past a cut-off.
"""

import datetime as dt

from axes.helpers import get_cool_off
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.sessions.models import Session
from django.db import transaction

from portal.clock import Clock, system_clock
from portal.models import PhoneCode

# 网络安全法 第二十一条（三）: network logs are kept for no less than six months.
SIGN_IN_LOG_RETENTION = dt.timedelta(days=183)
# A texted code serves 10 minutes and its row the hourly throttle; a day is ample (个人信息保护法
# art. 19: kept no longer than needed). The registration itself is in the audit trail.
PHONE_CODE_RETENTION = dt.timedelta(days=1)


@transaction.atomic
def purge_expired_records(*, clock: Clock = system_clock) -> dict[str, int]:
    """Delete expired sessions, lockout counters past their cool-off, sign-in logs past retention and
    texted codes past a day."""
    now = clock.now()
    deleted = {"sessions": Session.objects.filter(expire_date__lt=now).delete()[0]}
    cool_off = get_cool_off()
    # Without a cool-off a lockout lasts until an administrator lifts it: keep those counters.
    deleted["access_attempts"] = (
        AccessAttempt.objects.filter(attempt_time__lt=now - cool_off).delete()[0] if cool_off else 0
    )
    cutoff = now - SIGN_IN_LOG_RETENTION
    deleted["access_logs"] = AccessLog.objects.filter(attempt_time__lt=cutoff).delete()[0]
    deleted["access_failure_logs"] = AccessFailureLog.objects.filter(attempt_time__lt=cutoff).delete()[0]
    deleted["phone_codes"] = PhoneCode.objects.filter(created_at__lt=now - PHONE_CODE_RETENTION).delete()[0]
    return deleted
