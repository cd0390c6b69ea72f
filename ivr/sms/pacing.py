"""When and how fast texts go: TCPA sending hours in the member's time zone, an even send rate,
and the id a runner claims rows under."""

from __future__ import annotations

import os
import socket
import time as _time
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from billing_core.billing_calendar import EASTERN
from ivr.sms.reminder_settings import ReminderSettings


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return EASTERN


def inside_sending_hours(zone: str, now: datetime, settings: ReminderSettings) -> bool:
    """TCPA quiet hours: text only from 8 AM to 9 PM where the member lives."""
    local = now.astimezone(_zone(zone)).time()
    return settings.quiet_start <= local < settings.quiet_end


class RateLimiter:
    """Spaces sends evenly at `rate` per second (no bursts); rate <= 0 never waits."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = _time.monotonic,
        sleep: Callable[[float], None] = _time.sleep,
    ):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self._next = 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        now = self.clock()
        if self._next > now:
            self.sleep(self._next - now)
            now = self._next
        self._next = max(self._next, now) + self.interval


def default_runner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{id(object()) & 0xFFFF:x}"[:60]
