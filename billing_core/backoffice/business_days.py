"""Banking days: weekdays that are not Federal Reserve holidays (US federal holidays, Fed rules)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _fed_holidays(year: int) -> frozenset[date]:
    """Federal Reserve closings for a year.

    The Fed follows the federal calendar with one difference that matters for ACH: a holiday on a
    Sunday is observed on Monday, but one on a Saturday is *not* moved to Friday (banks settle that
    Friday). So we take the unobserved dates and add only the Sunday-to-Monday shifts.
    """
    days: set[date] = set()
    for y in (year - 1, year, year + 1):  # a Sunday Dec 31 would shift into the next year
        for day in holidays.US(years=y, observed=False, categories=("public",)):
            days.add(day)
            if day.weekday() == 6:
                days.add(day + timedelta(days=1))
    return frozenset(d for d in days if d.year == year)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _fed_holidays(day.year)


def next_business_day(day: date, *, inclusive: bool = True) -> date:
    if not inclusive:
        day += timedelta(days=1)
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def previous_business_day(day: date, *, inclusive: bool = True) -> date:
    if not inclusive:
        day -= timedelta(days=1)
    while not is_business_day(day):
        day -= timedelta(days=1)
    return day


def add_business_days(day: date, n: int) -> date:
    """The n-th banking day after `day` (n >= 0; n == 0 gives `day` or the next banking day)."""
    day = next_business_day(day)
    for _ in range(n):
        day = next_business_day(day, inclusive=False)
    return day


def business_days_between(start: date, end: date) -> int:
    """Banking days in (start, end]."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_business_day(day)
    return count
