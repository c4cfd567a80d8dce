"""Working days (工作日): the official calendar table, and a provisional rule for unpublished years.

行政许可法 art. 82 counts time limits in working days: Monday to Friday, minus statutory holidays, plus the
weekends that the State Council's yearly notice (国务院办公厅关于某年部分节假日安排的通知) turns into
working days (调休). The notice appears around November for the next year.

- A year in ``CalendarYear`` follows the Mon–Fri rule corrected by its ``CalendarDay`` rows.
- A year not in the table follows the provisional calendar: Mon–Fri minus the 13 days of
  全国年节及纪念日放假办法 art. 2 as in force from 2025-01-01 (no 调休, since nobody can know it).
  ``is_provisional`` says so; deadlines resting on it are recomputed when the year lands.
- A ``CalendarDay`` row always states what its date is, in either kind of year.

Every function reads a per-process snapshot of the table: a deadline sweep calls them thousands of
times. Saving or deleting a row clears this process's snapshot (signals below); other processes reload
theirs after ``WORKDAY_CALENDAR_RECHECK_SECONDS`` (default 60), which is soon enough for a table that
changes once a year.
"""

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from portal.models import CalendarDay, CalendarYear

# The values of catalog.models.ServiceItem.TimeUnit (the kernel does not import the catalog).
WORKDAY = "workday"
CALENDAR_DAY = "calendar_day"

# CalendarYear.source of the years that `load_official_calendar` owns and may re-sync.
PACKAGE_SOURCE = "chinesecalendar"

ONE_DAY = dt.timedelta(days=1)

# --- 农历: lunar to solar dates, 2004–2100 ------------------------------------------------------
# Per lunar year: 正月初一 (MM-DD), the leap month (0 = none), and the month lengths in order, the
# leap month right after its namesake ("1" = 30 days, "0" = 29 days). Derived from the widely used
# 1900–2100 table and checked against an astronomical computation (new moons and principal solar
# terms at UTC+8, the rules of GB/T 33661-2017): 正月初一, 端午 and 中秋 agree for every year and
# the months start on the new-moon day everywhere except 2060's third month, corrected here to 29
# days (new moon 2060-04-30 18:11 UTC+8), and 2057-09-28/29, a new moon within a minute of
# midnight that no holiday depends on.
# fmt: off
_LUNAR_YEARS: dict[int, tuple[str, int, str]] = {
    2004: ("01-22", 2, "0101101010101"), 2005: ("02-09", 0, "010101101010"), 2006: ("01-29", 7, "1010101011011"),
    2007: ("02-18", 0, "001001011101"), 2008: ("02-07", 0, "100100101101"), 2009: ("01-26", 5, "1100100101011"),
    2010: ("02-14", 0, "101010010101"), 2011: ("02-03", 0, "101101001010"), 2012: ("01-23", 4, "1011010101010"),
    2013: ("02-10", 0, "101011010101"), 2014: ("01-31", 9, "0101010110101"), 2015: ("02-19", 0, "010010111010"),
    2016: ("02-08", 0, "101001011011"), 2017: ("01-28", 6, "0101001010111"), 2018: ("02-16", 0, "010100101011"),
    2019: ("02-05", 0, "101010010011"), 2020: ("01-25", 4, "0111010010101"), 2021: ("02-12", 0, "011010101010"),
    2022: ("02-01", 0, "101011010101"), 2023: ("01-22", 2, "0100110110101"), 2024: ("02-10", 0, "010010110110"),
    2025: ("01-29", 6, "1010010101110"), 2026: ("02-17", 0, "101001001110"), 2027: ("02-06", 0, "110100100110"),
    2028: ("01-26", 5, "1110100100110"), 2029: ("02-13", 0, "110101010011"), 2030: ("02-03", 0, "010110101010"),
    2031: ("01-23", 3, "0110101101010"), 2032: ("02-11", 0, "100101101101"), 2033: ("01-31", 11, "0100101011101"),
    2034: ("02-19", 0, "010010101101"), 2035: ("02-08", 0, "101001001101"), 2036: ("01-28", 6, "1101001001011"),
    2037: ("02-15", 0, "110100100101"), 2038: ("02-04", 0, "110101010010"), 2039: ("01-24", 5, "1101101010100"),
    2040: ("02-12", 0, "101101011010"), 2041: ("02-01", 0, "010101101101"), 2042: ("01-22", 2, "0100101011011"),
    2043: ("02-10", 0, "010010011011"), 2044: ("01-30", 7, "1010010010111"), 2045: ("02-17", 0, "101001001011"),
    2046: ("02-06", 0, "101010100101"), 2047: ("01-26", 5, "1011010100101"), 2048: ("02-14", 0, "011011010010"),
    2049: ("02-02", 0, "101011011010"), 2050: ("01-23", 3, "0101010110110"), 2051: ("02-11", 0, "100100110111"),
    2052: ("02-01", 8, "0100100101111"), 2053: ("02-19", 0, "010010010111"), 2054: ("02-08", 0, "011001001011"),
    2055: ("01-28", 6, "0110101001010"), 2056: ("02-15", 0, "111010100101"), 2057: ("02-04", 0, "011010110010"),
    2058: ("01-24", 4, "1010101101100"), 2059: ("02-12", 0, "101010101110"), 2060: ("02-02", 0, "100100101110"),
    2061: ("01-21", 3, "1100100101110"), 2062: ("02-09", 0, "110010010110"), 2063: ("01-29", 7, "1101010010101"),
    2064: ("02-17", 0, "110101001010"), 2065: ("02-05", 0, "110110100101"), 2066: ("01-26", 5, "0101101010101"),
    2067: ("02-14", 0, "010101101010"), 2068: ("02-03", 0, "101001101101"), 2069: ("01-23", 4, "0101001011101"),
    2070: ("02-11", 0, "010100101101"), 2071: ("01-31", 8, "1010100101011"), 2072: ("02-19", 0, "101010010101"),
    2073: ("02-07", 0, "101101001010"), 2074: ("01-27", 6, "1011010101010"), 2075: ("02-15", 0, "101011010101"),
    2076: ("02-05", 0, "010101011010"), 2077: ("01-24", 4, "1010010111010"), 2078: ("02-12", 0, "101001011011"),
    2079: ("02-02", 0, "010100101011"), 2080: ("01-22", 3, "1010100100111"), 2081: ("02-09", 0, "011010010011"),
    2082: ("01-29", 7, "0111001010011"), 2083: ("02-17", 0, "011010101010"), 2084: ("02-06", 0, "101011010101"),
    2085: ("01-26", 5, "0100110110101"), 2086: ("02-14", 0, "010010110110"), 2087: ("02-03", 0, "101001010111"),
    2088: ("01-24", 4, "0101001001110"), 2089: ("02-10", 0, "110100010110"), 2090: ("01-30", 8, "1110100100110"),
    2091: ("02-18", 0, "110101010010"), 2092: ("02-07", 0, "110110101010"), 2093: ("01-27", 6, "0110101101010"),
    2094: ("02-15", 0, "010101101101"), 2095: ("02-05", 0, "010010101110"), 2096: ("01-25", 4, "1010010011101"),
    2097: ("02-12", 0, "101000101101"), 2098: ("02-01", 0, "110100010101"), 2099: ("01-21", 2, "1101100100101"),
    2100: ("02-09", 0, "110101010010"),
}
# fmt: on


def lunar_to_solar(year: int, month: int, day: int, *, is_leap_month: bool = False) -> dt.date:
    """The Gregorian date of a day of the Chinese lunar calendar (农历) in lunar year `year`."""
    try:
        first_day, leap_month, lengths = _LUNAR_YEARS[year]
    except KeyError:
        raise ValueError(f"农历数据只覆盖 {min(_LUNAR_YEARS)}–{max(_LUNAR_YEARS)} 年，没有 {year} 年。") from None
    if not 1 <= month <= 12 or (is_leap_month and month != leap_month):
        raise ValueError(f"农历 {year} 年没有{'闰' if is_leap_month else ''}{month}月。")
    index = month - 1 + (1 if is_leap_month or (leap_month and month > leap_month) else 0)
    if not 1 <= day <= 29 + int(lengths[index]):
        raise ValueError(f"农历 {year} 年{month}月没有第 {day} 天。")
    offset = sum(29 + int(length) for length in lengths[:index]) + day - 1
    return dt.date.fromisoformat(f"{year}-{first_day}") + dt.timedelta(days=offset)


def qingming(year: int) -> dt.date:
    """清明 (the sun at 15°) by the 寿星 formula [Y·D + C] − L with the 21st century's C = 4.81."""
    if not 2001 <= year <= 2100:
        raise ValueError(f"清明公式只适用于 2001–2100 年，没有 {year} 年。")
    y = year - 2000
    # L counts the leap years after 2000 up to `year`; 2100 is not one.
    leap_years = y // 4 - (1 if year == 2100 else 0)
    return dt.date(year, 4, int(y * 0.2422 + 4.81) - leap_years)


def provisional_holidays(year: int) -> dict[dt.date, str]:
    """The 13 statutory days off of 全国年节及纪念日放假办法 art. 2 (in force from 2025-01-01) in `year`."""
    spring = lunar_to_solar(year, 1, 1)
    days = {
        dt.date(year, 1, 1): "元旦",
        spring - ONE_DAY: "春节（除夕）",
        spring: "春节",
        spring + ONE_DAY: "春节",
        spring + 2 * ONE_DAY: "春节",
        qingming(year): "清明节",
        dt.date(year, 5, 1): "劳动节",
        dt.date(year, 5, 2): "劳动节",
        lunar_to_solar(year, 5, 5): "端午节",
        lunar_to_solar(year, 8, 15): "中秋节",
        dt.date(year, 10, 1): "国庆节",
        dt.date(year, 10, 2): "国庆节",
        dt.date(year, 10, 3): "国庆节",
    }
    # 中秋 can fall on a 国庆 day (2028-10-03): one day off, so that year has 12.
    return days


# --- The snapshot of the calendar table -----------------------------------------------------------


@dataclass
class _Calendar:
    official_years: frozenset[int]
    rows_by_year: dict[int, dict[dt.date, bool]]
    loaded_at: float
    _exceptions: dict[int, dict[dt.date, bool]] = field(default_factory=dict)

    def exceptions(self, year: int) -> dict[dt.date, bool]:
        """The days of `year` that differ from Mon–Fri: date → is a working day."""
        found = self._exceptions.get(year)
        if found is None:
            found = {} if year in self.official_years else dict.fromkeys(provisional_holidays(year), False)
            found.update(self.rows_by_year.get(year, {}))
            self._exceptions[year] = found
        return found

    def is_workday(self, day: dt.date) -> bool:
        return self.exceptions(day.year).get(day, day.weekday() < 5)


_calendar: _Calendar | None = None


def _current() -> _Calendar:
    global _calendar
    calendar = _calendar
    recheck = getattr(settings, "WORKDAY_CALENDAR_RECHECK_SECONDS", 60)
    if calendar is None or time.monotonic() - calendar.loaded_at >= recheck:
        rows_by_year: dict[int, dict[dt.date, bool]] = defaultdict(dict)
        for day, is_workday_ in CalendarDay.objects.values_list("date", "is_workday"):
            rows_by_year[day.year][day] = is_workday_
        calendar = _Calendar(
            official_years=frozenset(CalendarYear.objects.values_list("year", flat=True)),
            rows_by_year=dict(rows_by_year),
            loaded_at=time.monotonic(),
        )
        # One assignment: a thread reading the old snapshot keeps a consistent one.
        _calendar = calendar
    return calendar


def clear_calendar_cache() -> None:
    """Forget this process's snapshot; the next call reloads the table."""
    global _calendar
    _calendar = None


def _calendar_table_changed(**kwargs: object) -> None:
    clear_calendar_cache()
    # A read later in the same transaction may cache the uncommitted rows: clear again once the
    # outcome is known (on_commit runs at once outside a transaction).
    transaction.on_commit(clear_calendar_cache)


for _model in (CalendarYear, CalendarDay):
    post_save.connect(_calendar_table_changed, sender=_model, dispatch_uid=f"workdays_{_model.__name__}_saved")
    post_delete.connect(_calendar_table_changed, sender=_model, dispatch_uid=f"workdays_{_model.__name__}_deleted")


def _check_date(day: dt.date) -> None:
    # A datetime would never match the date keys and would silently use its own time zone's day.
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise TypeError(f"需要 datetime.date，收到 {type(day).__name__}；时间请先用 timezone.localdate() 换算为日期。")


# --- The public functions -------------------------------------------------------------------------


def is_workday(day: dt.date) -> bool:
    """Whether `day` is a working day (工作日)."""
    _check_date(day)
    return _current().is_workday(day)


def is_provisional(day: dt.date) -> bool:
    """Whether `day` lies in a year whose official arrangement is not in the calendar table yet."""
    _check_date(day)
    return day.year not in _current().official_years


def add_workdays(start: dt.date, n: int) -> dt.date:
    """The n-th working day strictly after `start` (n = 0: `start`; n < 0: the |n|-th before it).

    The day of acceptance does not count (行政许可法 art. 82; DOMAIN.md "Working days").
    """
    _check_date(start)
    calendar = _current()
    step = ONE_DAY if n >= 0 else -ONE_DAY
    remaining = abs(n)
    day = start
    while remaining:
        day += step
        if calendar.is_workday(day):
            remaining -= 1
    return day


def workdays_between(a: dt.date, b: dt.date) -> int:
    """How many working days d satisfy a < d ≤ b (0 if b ≤ a)."""
    _check_date(a)
    _check_date(b)
    calendar = _current()
    count = 0
    day = a + ONE_DAY
    while day <= b:
        count += calendar.is_workday(day)
        day += ONE_DAY
    return count


def add_days(start: dt.date, n: int, unit: str) -> dt.date:
    """The last day of a limit of n days of `unit` from `start`: "workday" (工作日) or "calendar_day" (自然日).

    A limit in natural days whose last day is a rest day or a holiday ends on the next working day
    (民法典 art. 203's rule for periods; the product owner's decision for 自然日 limits). A limit of
    working days always ends on one.
    """
    if unit == WORKDAY:
        return add_workdays(start, n)
    if unit == CALENDAR_DAY:
        _check_date(start)
        end = start + dt.timedelta(days=n)
        calendar = _current()
        while n and not calendar.is_workday(end):
            end += ONE_DAY
        return end
    raise ValueError(f"未知的时限单位：{unit!r}")


# --- Seeding the table from the chinesecalendar package ---------------------------------------------


@dataclass(frozen=True)
class CalendarLoadResult:
    loaded_years: list[int]
    skipped_years: list[int]
    days_changed: int


@transaction.atomic
def load_official_calendar(*, years: Iterable[int]) -> CalendarLoadResult:
    """Write the official arrangement of `years` from the chinesecalendar package (idempotent).

    Years an administrator entered (a source other than "chinesecalendar") are left untouched.
    """
    import chinese_calendar

    first_year = min(chinese_calendar.holidays).year
    last_year = max(chinese_calendar.holidays).year
    names = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}
    loaded: list[int] = []
    skipped: list[int] = []
    changed = 0
    for year in sorted(set(years)):
        if not first_year <= year <= last_year:
            raise ValueError(f"chinesecalendar 只有 {first_year}–{last_year} 年的数据，没有 {year} 年。")
        calendar_year = CalendarYear.objects.select_for_update().filter(year=year).first()
        if calendar_year is not None and calendar_year.source != PACKAGE_SOURCE:
            skipped.append(year)
            continue
        # Only the days that differ from Mon–Fri: weekday holidays and worked weekends.
        wanted = {
            day: (False, names[name])
            for day, name in chinese_calendar.holidays.items()
            if day.year == year and day.weekday() < 5
        }
        wanted.update(
            {
                day: (True, f"{names[name]}调休上班")
                for day, name in chinese_calendar.workdays.items()
                if day.year == year and day.weekday() >= 5
            }
        )
        existing = {row.date: row for row in CalendarDay.objects.filter(date__year=year)}
        stale = [day for day in existing if day not in wanted]
        if stale:
            CalendarDay.objects.filter(date__in=stale).delete()
            changed += len(stale)
        new_rows = []
        for day, (is_workday_, name) in wanted.items():
            row = existing.get(day)
            if row is None:
                new_rows.append(CalendarDay(date=day, is_workday=is_workday_, name=name))
            elif (row.is_workday, row.name) != (is_workday_, name):
                row.is_workday, row.name = is_workday_, name
                row.save(update_fields=["is_workday", "name"])
                changed += 1
        CalendarDay.objects.bulk_create(new_rows)
        changed += len(new_rows)
        if calendar_year is None:
            CalendarYear.objects.create(year=year, source=PACKAGE_SOURCE)
        loaded.append(year)
    clear_calendar_cache()
    transaction.on_commit(clear_calendar_cache)
    return CalendarLoadResult(loaded_years=loaded, skipped_years=skipped, days_changed=changed)
