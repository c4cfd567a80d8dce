"""The case clock: deadline columns computed in working days (DOMAIN.md "Working days").

Pure functions over dates and an item version; services store what they return on the case, and
the sweeps compare those columns with today. Never a long Celery countdown. ``deadline_signal`` reads
the lights the sweeps stored: the worse of a case's and its current step's, and whose it is.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy

from applications.models import Application, ReviewTask
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


def days_left(today: dt.date, due_on: dt.date, unit: str) -> int:
    """Days of the limit's unit still to come after today (0: due today); negative when overdue."""
    if today <= due_on:
        return paused_days(today, due_on, unit)
    return -paused_days(due_on, today, unit)


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
        what=gettext("补正截止日期"),
    )


def check_valid_until(valid_until: dt.date, valid_from: dt.date) -> dt.date:
    """A licence's last valid day: after the day it takes effect, within 50 years of it."""
    return validators.validate_date_between(
        valid_until,
        earliest=valid_from + dt.timedelta(days=1),
        latest=validators.years_after(valid_from, VALIDITY_MAX_YEARS),
        what=gettext("有效期至"),
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


# Whose light a task's deadline signal shows (DeadlineSignal.source).
SIGNAL_SOURCES = [("case", gettext_lazy("办件")), ("step", gettext_lazy("本环节"))]


@dataclass(frozen=True)
class DeadlineSignal:
    """What a reviewer sees of one task's time: the worse of the case's light and the step's own,
    which of the two it is, and both lights and dates for the tooltip and the API."""

    light: str  # "", green, yellow, red: the worse of the two
    source: str  # "case" or "step": whose light that is (the case's when both are as bad)
    is_paused: bool  # the case is suspended: its clock and the step's stand still
    case_light: str
    case_due_on: dt.date | None
    step_light: str
    step_due_on: dt.date | None

    @property
    def label(self) -> str:
        """The light in words, saying whose it is: the words carry the meaning, the colour repeats it."""
        if self.is_paused:
            return gettext("暂停计时")
        if self.light == "red":
            return gettext("红灯：本环节已超期") if self.source == "step" else gettext("红灯：办件已超期")
        if self.light == "yellow":
            return gettext("黄灯：本环节今日到期") if self.source == "step" else gettext("黄灯：办件即将到期")
        if self.light == "green":
            return gettext("绿灯：正常")
        return gettext("未计时")

    @property
    def step_label(self) -> str:
        """The step's own light in words, for the case page (next to the case's light)."""
        if self.is_paused:
            return gettext("暂停计时")
        if self.step_light == "red":
            return gettext("红灯：本环节已超期")
        if self.step_light == "yellow":
            return gettext("黄灯：本环节今日到期")
        if self.step_light == "green":
            return gettext("绿灯：正常")
        return gettext("未计时")

    @property
    def label_parts(self) -> tuple[str, str]:
        """The label split after its colon ("红灯：", "本环节已超期"): a narrow cell wraps it there only."""
        return _split_after_colon(self.label)

    @property
    def step_label_parts(self) -> tuple[str, str]:
        return _split_after_colon(self.step_label)

    @property
    def detail(self) -> str:
        """Both lights with their dates, for the tooltip."""
        words = {"green": gettext("绿灯"), "yellow": gettext("黄灯"), "red": gettext("红灯")}

        def part(name: str, light: str, due_on: dt.date | None) -> str:
            date = date_format(due_on, "SHORT_DATE_FORMAT") if due_on else "—"
            return (
                (gettext("%(name)s %(date)s（%(words)s）") % {"name": name, "date": date, "words": words[light]})
                if light in words
                else f"{name} {date}"
            )

        case = part(gettext("办件承诺办结日期"), self.case_light, self.case_due_on)
        step = part(gettext("本环节办理期限"), self.step_light, self.step_due_on)
        return gettext("%(case)s；%(step)s") % {"case": case, "step": step}


def _split_after_colon(label: str) -> tuple[str, str]:
    for colon in ("：", ": "):  # the Chinese label's, the English translation's
        head, found, tail = label.partition(colon)
        if found:
            return head + found, tail
    return label, ""


def deadline_signal(task: ReviewTask) -> DeadlineSignal:
    """The signal of an open task from the stored lights (kept by the case and step sweeps)."""
    application = task.application
    case_light, step_light = application.light, task.light if task.status == ReviewTask.Status.OPEN else ""
    from_step = LIGHT_SEVERITY.get(step_light, 0) > LIGHT_SEVERITY.get(case_light, 0)
    return DeadlineSignal(
        light=step_light if from_step else case_light,
        source="step" if from_step else "case",
        is_paused=application.status == Application.Status.SUSPENDED,
        case_light=case_light,
        case_due_on=application.due_on,
        step_light=step_light,
        step_due_on=task.due_on,
    )
