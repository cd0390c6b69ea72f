"""The billing calendar in America/New_York: due dates (23rd, 5:00 PM Eastern) and month arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")
DUE_DAY = 23
DUE_TIME = time(17, 0)


def first_of_month(d: date) -> date:
    return d.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def last_day_of_month(month: date) -> date:
    return add_months(first_of_month(month), 1) - timedelta(days=1)


def due_at(coverage_month: date) -> datetime:
    """When the premium for a coverage month is due: 5:00 PM Eastern on the 23rd of the prior month.

    Returned in UTC; the Eastern wall-clock time is the same in summer and winter.
    """
    prior = add_months(first_of_month(coverage_month), -1)
    local = datetime.combine(prior.replace(day=DUE_DAY), DUE_TIME, tzinfo=EASTERN)
    return local.astimezone(UTC)


def is_on_time(coverage_month: date, paid_at: datetime) -> bool:
    """A payment is on time when it is made at or before the due instant."""
    return paid_at <= due_at(coverage_month)


def eastern_date(at: datetime) -> date:
    return at.astimezone(EASTERN).date()


def bill_run_issued_at(coverage_month: date) -> datetime:
    """Bills are issued on the 1st of the month before coverage (midnight Eastern)."""
    prior = add_months(first_of_month(coverage_month), -1)
    return datetime.combine(prior, time(0, 0), tzinfo=EASTERN).astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
