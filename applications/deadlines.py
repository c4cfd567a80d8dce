"""The case clock: deadline columns computed in working days (DOMAIN.md "Working days").

Pure functions over dates and an item version; services store what they return on the case, and
the sweeps compare those columns with today. Never a long Celery countdown.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from catalog.models import ServiceItem
from portal import validators, workdays

# 行政许可法 art. 32: notice of corrections within 5 working days of receipt, else accepted on receipt.
AUTO_ACCEPT_WORKDAYS = 5
# 行政许可法 art. 44: the certificate within 10 working days of the decision.
CERTIFICATE_WORKDAYS = 10
# Bounds of the dates staff type into notices and decisions: a one-time notice's deadline, a
# licence's validity. Beyond them a date is a typo, not a decision.
CORRECTION_MAX_CALENDAR_DAYS = 60
VALIDITY_MAX_YEARS = 50


@dataclass(frozen=True)
class Deadlines:
    due_on: dt.date
    statutory_due_on: dt.date
    warn_on: dt.date
    is_provisional: bool


def deadlines_from(item: ServiceItem, accepted_on: dt.date) -> Deadlines:
    """Promised and statutory due dates for a case accepted on `accepted_on` (that day not counted)."""
    due_on = workdays.add_days(accepted_on, item.promised_days, item.promised_unit)
    statutory_due_on = workdays.add_days(accepted_on, item.statutory_days, item.statutory_unit)
    warn_on = warn_date(item, accepted_on)
    return Deadlines(due_on, statutory_due_on, warn_on, workdays.is_provisional(statutory_due_on))


def warn_date(item: ServiceItem, accepted_on: dt.date) -> dt.date:
    """The day the light turns yellow: N working days before the promised date (configurable)."""
    lead = settings.DEADLINE_WARNING_WORKDAYS
    return workdays.add_days(accepted_on, max(item.promised_days - lead, 0), item.promised_unit)


def shift(day: dt.date | None, n: int, unit: str = workdays.WORKDAY) -> dt.date | None:
    """Move a stored deadline by n days of its unit (suspension, extension)."""
    return None if day is None else workdays.add_days(day, n, unit)


def paused_days(suspended_on: dt.date, resumed_on: dt.date, unit: str) -> int:
    """How far a suspension from S to R moves the deadlines: working days d with S < d ≤ R."""
    if unit == workdays.CALENDAR_DAY:
        return max((resumed_on - suspended_on).days, 0)
    return workdays.workdays_between(suspended_on, resumed_on)


def step_due_after_pause(step_due_on: dt.date, suspended_on: dt.date, resumed_on: dt.date) -> dt.date:
    """A review step's limit (in working days) after the case's clock stood still from S to R."""
    return workdays.add_workdays(step_due_on, paused_days(suspended_on, resumed_on, workdays.WORKDAY))


def auto_accept_date(received_on: dt.date) -> dt.date:
    """The last day a correction notice may be given; after it the case counts as accepted."""
    return workdays.add_workdays(received_on, AUTO_ACCEPT_WORKDAYS)


def correction_due_date(issued_on: dt.date) -> dt.date:
    return workdays.add_workdays(issued_on, settings.CORRECTION_PERIOD_WORKDAYS)


def check_correction_due_date(due_on: dt.date, issued_on: dt.date) -> dt.date:
    """A one-time notice's deadline: after the day of the notice, within 60 calendar days of it."""
    return validators.validate_date_between(
        due_on,
        earliest=issued_on + dt.timedelta(days=1),
        latest=issued_on + dt.timedelta(days=CORRECTION_MAX_CALENDAR_DAYS),
        what="补正截止日期",
    )


def check_valid_until(valid_until: dt.date, valid_from: dt.date) -> dt.date:
    """A licence's last valid day: after the day it takes effect, within 50 years of it."""
    return validators.validate_date_between(
        valid_until,
        earliest=valid_from + dt.timedelta(days=1),
        latest=validators.years_after(valid_from, VALIDITY_MAX_YEARS),
        what="有效期至",
    )


def certificate_due_date(decided_on: dt.date) -> dt.date:
    return workdays.add_workdays(decided_on, CERTIFICATE_WORKDAYS)


# How urgent a light is, to show the worse of a case's light and its current step's.
LIGHT_SEVERITY = {"": 0, "green": 1, "yellow": 2, "red": 3}


def light_for(today: dt.date, *, warn_on: dt.date | None, due_on: dt.date | None) -> str:
    """green before the warning day, yellow from it until the due date, red after it."""
    if due_on is None:
        return ""
    if today > due_on:
        return "red"
    if warn_on is not None and today >= warn_on:
        return "yellow"
    return "green"
