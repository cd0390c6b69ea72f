"""The periods a console page shows: today, a chosen day, or the last 30 days (America/New_York)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from billing_core.billing_calendar import EASTERN, eastern_date

LAST_DAYS = 30
PERIODS = ("today", "day", "30d")


class BadPeriod(ValueError):
    """A period or day the console cannot show (the message is safe to display)."""


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants where an Eastern day starts and the next one starts (DST-correct)."""
    start = datetime.combine(day, time(0), tzinfo=EASTERN).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=EASTERN).astimezone(UTC)
    return start, end


@dataclass(frozen=True)
class Period:
    kind: str  # today | day | 30d
    first: date
    last: date
    today: date

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    @property
    def closed_days(self) -> list[date]:
        """Days that are over: their figures no longer change, so they come from rollups."""
        return [d for d in self.days if d < self.today]

    @property
    def includes_today(self) -> bool:
        return self.first <= self.today <= self.last

    @property
    def label(self) -> str:
        if self.kind == "30d":
            return f"Last {LAST_DAYS} days ({self.first.isoformat()} to {self.last.isoformat()})"
        if self.kind == "today":
            return f"Today ({self.today.isoformat()}, so far)"
        return self.first.isoformat()

    def query(self) -> dict[str, str]:
        """The URL parameters that name this period again (for links and CSV downloads)."""
        if self.kind == "day":
            return {"period": "day", "day": self.first.isoformat()}
        return {"period": self.kind}


def parse_period(kind: str | None, day: str | None, now: datetime) -> Period:
    today = eastern_date(now)
    kind = kind or "today"
    if kind == "today":
        return Period("today", today, today, today)
    if kind == "30d":
        return Period("30d", today - timedelta(days=LAST_DAYS - 1), today, today)
    if kind != "day":
        raise BadPeriod(f"unknown period {kind!r}: choose today, day or 30d")
    try:
        chosen = date.fromisoformat(day or "")
    except ValueError:
        raise BadPeriod("choose a day as YYYY-MM-DD") from None
    if chosen > today:
        raise BadPeriod("that day has not happened yet")
    if chosen < today - timedelta(days=3660):
        raise BadPeriod("that day is too long ago")
    return Period("day", chosen, chosen, today)
