"""The injectable "now" and "today". Time-dependent code takes a Clock, so tests travel in time
by passing a FixedClock instead of patching other processes."""

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from django.utils import timezone


class Clock(Protocol):
    def now(self) -> dt.datetime: ...

    def today(self) -> dt.date: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return timezone.now()

    def today(self) -> dt.date:
        return timezone.localdate()


@dataclass(frozen=True)
class FixedClock:
    at: dt.datetime

    def now(self) -> dt.datetime:
        return self.at

    def today(self) -> dt.date:
        return timezone.localdate(self.at) if timezone.is_aware(self.at) else self.at.date()


system_clock = SystemClock()
