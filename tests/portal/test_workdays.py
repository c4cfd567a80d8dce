"""Working days: the official 2025/2026 arrangements, the provisional rule, the cache and the admin."""

import datetime as dt
import io

import chinese_calendar
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from portal import workdays
from portal.models import CalendarDay, CalendarYear
from portal.workdays import (
    add_days,
    add_workdays,
    is_provisional,
    is_workday,
    lunar_to_solar,
    provisional_holidays,
    qingming,
    workdays_between,
)
from tests.conftest import login_verified
from tests.factories import UserFactory

D = dt.date


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


# --- The official arrangements (国务院办公厅 notices) ----------------------------------------------


def test_2026_spring_festival_is_off_from_the_15th_to_the_23rd_and_two_saturdays_are_worked(work_calendar):
    assert not any(is_workday(day) for day in days(D(2026, 2, 15), D(2026, 2, 23)))
    assert is_workday(D(2026, 2, 14))  # Saturday, worked
    assert is_workday(D(2026, 2, 28))  # Saturday, worked
    assert is_workday(D(2026, 2, 13))
    assert is_workday(D(2026, 2, 24))


def test_2026_national_day_is_off_from_the_1st_to_the_7th_with_a_sunday_and_a_saturday_worked(work_calendar):
    assert not any(is_workday(day) for day in days(D(2026, 10, 1), D(2026, 10, 7)))
    assert is_workday(D(2026, 9, 20))  # Sunday, worked
    assert is_workday(D(2026, 10, 10))  # Saturday, worked
    assert not is_workday(D(2026, 9, 25))  # 中秋, a Friday
    assert is_workday(D(2026, 10, 8))


def test_2025_follows_its_notice(work_calendar):
    # 国办发明电〔2024〕12号: 春节 1/28–2/4 off, 1/26 (Sun) and 2/8 (Sat) worked; 劳动节 5/1–5/5 off,
    # 4/27 (Sun) worked; 端午 5/31–6/2 off; 国庆·中秋 10/1–10/8 off, 9/28 (Sun) and 10/11 (Sat) worked.
    assert not any(is_workday(day) for day in days(D(2025, 1, 28), D(2025, 2, 4)))
    assert is_workday(D(2025, 1, 26)) and is_workday(D(2025, 2, 8))
    assert not any(is_workday(day) for day in days(D(2025, 5, 1), D(2025, 5, 5)))
    assert is_workday(D(2025, 4, 27))
    assert not is_workday(D(2025, 6, 2))
    assert not any(is_workday(day) for day in days(D(2025, 10, 1), D(2025, 10, 8)))
    assert is_workday(D(2025, 9, 28)) and is_workday(D(2025, 10, 11))
    assert not is_provisional(D(2025, 6, 2))


def test_the_table_agrees_with_chinesecalendar_for_every_day_of_2024_to_2026(work_calendar):
    for day in days(D(2024, 1, 1), D(2026, 12, 31)):
        assert is_workday(day) == chinese_calendar.is_workday(day), day


# --- Counting (DOMAIN.md "Working days") ------------------------------------------------------------


def test_the_suspension_example_of_the_domain(work_calendar):
    accepted_on = D(2026, 3, 2)  # Monday
    due_on = add_workdays(accepted_on, 10)
    assert due_on == D(2026, 3, 16)
    paused = workdays_between(D(2026, 3, 4), D(2026, 3, 9))  # Thu, Fri, Mon
    assert paused == 3
    assert add_workdays(due_on, paused) == D(2026, 3, 19)


def test_the_day_of_acceptance_does_not_count_and_holidays_are_skipped(work_calendar):
    assert add_workdays(D(2026, 2, 14), 0) == D(2026, 2, 14)
    assert add_workdays(D(2026, 2, 14), 1) == D(2026, 2, 24)
    assert add_workdays(D(2026, 2, 15), 1) == D(2026, 2, 24)  # accepted on a holiday
    assert add_workdays(D(2026, 2, 24), -1) == D(2026, 2, 14)
    assert workdays_between(D(2026, 2, 13), D(2026, 2, 24)) == 2  # the 14th and the 24th


def test_workdays_between_is_zero_when_the_end_is_not_after_the_start(work_calendar):
    assert workdays_between(D(2026, 3, 9), D(2026, 3, 9)) == 0
    assert workdays_between(D(2026, 3, 9), D(2026, 3, 2)) == 0


def test_add_days_honours_the_unit_of_the_limit(work_calendar):
    assert add_days(D(2026, 2, 14), 10, "workday") == D(2026, 3, 6)  # 2/28 is a worked Saturday
    assert add_days(D(2026, 2, 14), 10, "calendar_day") == D(2026, 2, 24)
    with pytest.raises(ValueError, match="未知的时限单位"):
        add_days(D(2026, 2, 14), 10, "fortnight")


def test_a_natural_day_limit_ending_on_a_rest_day_ends_on_the_next_working_day(work_calendar):
    assert add_days(D(2026, 3, 2), 6, "calendar_day") == D(2026, 3, 9)  # Sunday → Monday
    assert add_days(D(2026, 2, 10), 7, "calendar_day") == D(2026, 2, 24)  # 春节 holiday → the first day back
    assert add_days(D(2026, 2, 21), 7, "calendar_day") == D(2026, 2, 28)  # a worked Saturday is a working day
    assert add_days(D(2026, 3, 2), 4, "calendar_day") == D(2026, 3, 6)  # a Friday stays


def test_it_refuses_a_datetime_instead_of_a_date(work_calendar):
    with pytest.raises(TypeError, match="datetime.date"):
        is_workday(dt.datetime(2026, 2, 16, 9, 0, tzinfo=dt.UTC))


DATES = st.dates(min_value=D(2024, 1, 1), max_value=D(2027, 12, 31))
NO_RESET = hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


@NO_RESET
@given(start=DATES, n=st.integers(min_value=0, max_value=80))
def test_adding_n_workdays_then_counting_them_gives_n(work_calendar, start, n):
    due_on = add_workdays(start, n)
    assert workdays_between(start, due_on) == n
    if n:
        assert is_workday(due_on)
        assert workdays_between(start, due_on - dt.timedelta(days=1)) == n - 1


@NO_RESET
@given(end=DATES, n=st.integers(min_value=0, max_value=80))
def test_going_back_n_workdays_then_counting_forward_gives_n(work_calendar, end, n):
    start = add_workdays(end, -n)
    if n:
        assert is_workday(start)
        # (start, end] holds the n − 1 working days between them, and `end` if it is one.
        assert workdays_between(start, end) == n - 1 + is_workday(end)
    else:
        assert start == end


@NO_RESET
@given(a=DATES, b=DATES, c=DATES)
def test_counts_over_adjacent_spans_add_up(work_calendar, a, b, c):
    a, b, c = sorted([a, b, c])
    assert workdays_between(a, c) == workdays_between(a, b) + workdays_between(b, c)


# --- The provisional calendar ------------------------------------------------------------------------


def test_a_deadline_running_into_2027_rests_on_the_provisional_calendar(work_calendar):
    accepted_on = D(2026, 12, 21)  # Monday
    due_on = add_workdays(accepted_on, 10)
    # 12/22–12/31 give 8 days; 2027-01-01 (Friday, 元旦) is off under the provisional rule.
    assert due_on == D(2027, 1, 5)
    assert is_provisional(due_on)
    assert not is_provisional(accepted_on)


def test_the_provisional_rule_has_the_13_statutory_days_of_2027(db):
    assert sorted(provisional_holidays(2027)) == [
        D(2027, 1, 1),
        D(2027, 2, 5),  # 除夕
        D(2027, 2, 6),  # 正月初一
        D(2027, 2, 7),
        D(2027, 2, 8),
        D(2027, 4, 5),  # 清明
        D(2027, 5, 1),
        D(2027, 5, 2),
        D(2027, 6, 9),  # 端午
        D(2027, 9, 15),  # 中秋
        D(2027, 10, 1),
        D(2027, 10, 2),
        D(2027, 10, 3),
    ]
    assert not is_workday(D(2027, 2, 5))  # Friday, 除夕
    assert not is_workday(D(2027, 2, 8))  # Monday, 初三
    assert is_workday(D(2027, 2, 9))
    assert not is_workday(D(2027, 6, 9))  # Wednesday, 端午
    assert not is_workday(D(2027, 2, 20))  # a Saturday: no 调休 is guessed


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_provisional_rule_gives_days_that_were_off_in_the_years_it_was_in_force(year):
    assert all(chinese_calendar.is_holiday(day) for day in provisional_holidays(year))
    assert len(provisional_holidays(year)) == 13


def test_mid_autumn_on_national_day_leaves_12_days_off_in_2028():
    assert lunar_to_solar(2028, 8, 15) == D(2028, 10, 3)
    assert len(provisional_holidays(2028)) == 12


# --- The lunar table ---------------------------------------------------------------------------------


def test_the_lunar_table_puts_the_festivals_on_official_holidays_from_2004_to_2026():
    for year in range(2004, 2027):
        assert chinese_calendar.is_holiday(lunar_to_solar(year, 1, 1)), year
    # 清明, 端午 and 中秋 became holidays in 2008.
    for year in range(2008, 2027):
        assert chinese_calendar.is_holiday(lunar_to_solar(year, 5, 5)), year
        assert chinese_calendar.is_holiday(lunar_to_solar(year, 8, 15)), year
        assert chinese_calendar.is_holiday(qingming(year)), year


def test_the_lunar_table_gives_the_known_new_years_of_coming_years():
    assert lunar_to_solar(2027, 1, 1) == D(2027, 2, 6)
    assert lunar_to_solar(2028, 1, 1) == D(2028, 1, 26)
    assert lunar_to_solar(2030, 1, 1) == D(2030, 2, 3)
    assert lunar_to_solar(2027, 5, 5) == D(2027, 6, 9)
    assert lunar_to_solar(2027, 8, 15) == D(2027, 9, 15)
    # The "2033 problem": the leap month is the 11th, so the 2034 new year falls on 2/19.
    assert lunar_to_solar(2033, 11, 1, is_leap_month=True) == D(2033, 12, 22)
    assert lunar_to_solar(2034, 1, 1) == D(2034, 2, 19)


def test_each_lunar_year_of_the_table_ends_the_day_before_the_next_new_year():
    for year in range(2004, 2100):
        _, leap_month, lengths = workdays._LUNAR_YEARS[year]
        assert len(lengths) == (13 if leap_month else 12), year
        last_day = lunar_to_solar(year, 12, 29 + int(lengths[-1]))
        assert last_day + dt.timedelta(days=1) == lunar_to_solar(year + 1, 1, 1), year


def test_qingming_matches_the_solar_terms_of_chinesecalendar_up_to_2099():
    for year in range(2004, 2100):
        terms = chinese_calendar.get_solar_terms(D(year, 4, 1), D(year, 4, 10))
        assert [day for day, name in terms if name == "清明"] == [qingming(year)], year


def test_qingming_2100_counts_24_leap_years_since_2000():
    # 2100 is not a leap year; chinesecalendar's formula says 4/4, the sun reaches 15° on 4/5 (UTC+8).
    assert qingming(2100) == D(2100, 4, 5)


@pytest.mark.parametrize(
    ("year", "month", "day", "is_leap_month", "message"),
    [
        (2101, 1, 1, False, "只覆盖"),
        (2027, 13, 1, False, "没有13月"),
        (2027, 4, 1, True, "没有闰4月"),
        (2027, 3, 30, False, "没有第 30 天"),  # a 29-day month
        (2027, 1, 0, False, "没有第 0 天"),
    ],
)
def test_lunar_to_solar_refuses_dates_that_do_not_exist(year, month, day, is_leap_month, message):
    with pytest.raises(ValueError, match=message):
        lunar_to_solar(year, month, day, is_leap_month=is_leap_month)


# --- The table, its cache and the command ---------------------------------------------------------


def test_a_sweep_reads_the_table_once(work_calendar, django_assert_num_queries):
    is_workday(D(2026, 1, 5))
    with django_assert_num_queries(0):
        for offset in range(2000):
            start = D(2026, 1, 1) + dt.timedelta(days=offset % 700)
            workdays_between(start, add_workdays(start, 20))


def test_saving_a_calendar_day_takes_effect_at_once(work_calendar):
    assert is_workday(D(2026, 3, 3))
    CalendarDay.objects.create(date=D(2026, 3, 3), is_workday=False, name="测试停工")
    assert not is_workday(D(2026, 3, 3))
    CalendarDay.objects.filter(date=D(2026, 3, 3)).get().delete()
    assert is_workday(D(2026, 3, 3))


def test_another_process_sees_a_change_after_the_recheck_interval(work_calendar, settings):
    assert not is_workday(D(2026, 2, 16))
    settings.WORKDAY_CALENDAR_RECHECK_SECONDS = 0
    # A queryset update sends no signal: this process learns of it like any other would.
    CalendarDay.objects.filter(date=D(2026, 2, 16)).update(is_workday=True)
    assert is_workday(D(2026, 2, 16))


def test_load_calendar_seeds_2004_to_2026_and_can_run_twice(db):
    call_command("load_calendar", stdout=io.StringIO())
    years = list(CalendarYear.objects.values_list("year", flat=True))
    day_count = CalendarDay.objects.count()
    assert years == list(range(2004, 2027))
    assert set(CalendarYear.objects.values_list("source", flat=True)) == {"chinesecalendar"}
    result = workdays.load_official_calendar(years=range(2004, 2027))
    assert result.days_changed == 0
    assert CalendarDay.objects.count() == day_count
    # Only the days that differ from Mon–Fri are stored.
    assert not CalendarDay.objects.filter(is_workday=False, date__week_day__in=[1, 7]).exists()
    assert not CalendarDay.objects.filter(is_workday=True, date__week_day__in=[2, 3, 4, 5, 6]).exists()


def test_load_calendar_restores_a_tampered_day_of_a_package_year(work_calendar):
    CalendarDay.objects.filter(date=D(2026, 2, 16)).update(is_workday=True)
    CalendarDay.objects.create(date=D(2026, 3, 3), is_workday=False, name="多余")
    result = workdays.load_official_calendar(years=[2026])
    assert result.days_changed == 2
    assert not is_workday(D(2026, 2, 16))
    assert is_workday(D(2026, 3, 3))


def test_load_calendar_leaves_a_year_kept_by_an_administrator_alone(db, capsys):
    CalendarYear.objects.create(year=2026, source="国办发明电〔2025〕7号")
    CalendarDay.objects.create(date=D(2026, 3, 3), is_workday=False, name="管理员录入")
    call_command("load_calendar", "--from", "2025", "--to", "2026")
    assert "2026" in capsys.readouterr().out
    assert not is_workday(D(2026, 3, 3))
    assert is_workday(D(2026, 2, 16))  # the package's holidays were not written into that year


def test_load_calendar_refuses_a_year_the_package_does_not_have(db):
    with pytest.raises(CommandError, match="没有 2027 年"):
        call_command("load_calendar", "--from", "2026", "--to", "2027")
    assert not CalendarYear.objects.exists()  # all or nothing


# --- The admin ---------------------------------------------------------------------------------------


def test_an_administrator_adds_2027_and_it_replaces_the_provisional_rule(work_calendar, client):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    login_verified(client, admin)
    assert is_provisional(D(2027, 3, 1))
    assert not is_workday(D(2027, 2, 5))  # provisional 除夕

    for date, worked, name in [("2027-02-09", "", "春节"), ("2027-02-20", "on", "春节调休上班")]:
        response = client.post(
            "/admin/portal/calendarday/add/", {"date": date, "is_workday": worked, "name": name, "_save": "保存"}
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    # The rows apply at once, while the rest of 2027 is still provisional.
    assert not is_workday(D(2027, 2, 9)) and is_workday(D(2027, 2, 20))
    assert not is_workday(D(2027, 2, 5))

    page = client.get("/admin/portal/calendaryear/add/")
    assert page.status_code == 200
    response = client.post("/admin/portal/calendaryear/add/", {"year": "2027", "source": "国办发明电〔2026〕1号"})
    assert response.status_code == 302, response.content.decode()[:2000]

    assert not is_provisional(D(2027, 3, 1))
    assert is_workday(D(2027, 2, 5))  # the notice did not list it: Mon–Fri applies
    assert not is_workday(D(2027, 2, 9))
    assert is_workday(D(2027, 2, 20))
    assert client.get("/admin/portal/calendaryear/").status_code == 200
    assert client.get("/admin/portal/calendarday/?date__year=2027").status_code == 200
    assert "元旦" in client.get("/admin/portal/calendaryear/2027/change/").content.decode()


def test_someone_who_is_not_staff_cannot_edit_the_calendar(db, client, citizen):
    client.force_login(citizen)
    response = client.post("/admin/portal/calendaryear/add/", {"year": "2027", "source": "x"})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert not CalendarYear.objects.filter(year=2027).exists()
