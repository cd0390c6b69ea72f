"""Due dates: 5:00 PM Eastern on the 23rd of the month before coverage, DST-correct."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from billing_core.billing_calendar import EASTERN, add_months, due_at, is_on_time, last_day_of_month


def test_april_coverage_is_due_march_23_at_5pm_eastern_daylight_time():
    # DST starts 8 March 2026; the 23rd is in EDT (UTC-4).
    assert due_at(date(2026, 4, 1)) == datetime(2026, 3, 23, 21, 0, tzinfo=UTC)


def test_march_coverage_is_due_february_23_at_5pm_eastern_standard_time():
    assert due_at(date(2026, 3, 1)) == datetime(2026, 2, 23, 22, 0, tzinfo=UTC)


def test_november_coverage_due_in_october_is_still_daylight_time():
    # DST ends 1 November 2026, after the 23 October due date.
    assert due_at(date(2026, 11, 1)) == datetime(2026, 10, 23, 21, 0, tzinfo=UTC)


def test_december_coverage_due_after_dst_ends_is_standard_time():
    assert due_at(date(2026, 12, 1)) == datetime(2026, 11, 23, 22, 0, tzinfo=UTC)


def test_due_date_reads_5pm_on_the_wall_clock_in_every_month():
    for month in range(1, 13):
        local = due_at(date(2027, month, 1)).astimezone(EASTERN)
        assert (local.day, local.hour, local.minute) == (23, 17, 0)


def test_january_coverage_is_due_in_december_of_the_previous_year():
    assert due_at(date(2027, 1, 15)).astimezone(EASTERN).date() == date(2026, 12, 23)


def test_payment_at_4_59_pm_on_the_23rd_is_on_time():
    at = datetime(2026, 3, 23, 16, 59, tzinfo=ZoneInfo("America/New_York"))
    assert is_on_time(date(2026, 4, 1), at)


def test_payment_at_5_01_pm_on_the_23rd_is_late():
    at = datetime(2026, 3, 23, 17, 1, tzinfo=ZoneInfo("America/New_York"))
    assert not is_on_time(date(2026, 4, 1), at)


def test_payment_at_exactly_5_pm_is_on_time():
    assert is_on_time(date(2026, 12, 1), datetime(2026, 11, 23, 22, 0, tzinfo=UTC))


def test_month_arithmetic_crosses_year_ends():
    assert add_months(date(2026, 12, 1), 1) == date(2027, 1, 1)
    assert add_months(date(2027, 1, 1), -1) == date(2026, 12, 1)
    assert last_day_of_month(date(2028, 2, 1)) == date(2028, 2, 29)
