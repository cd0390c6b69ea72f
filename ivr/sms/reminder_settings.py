"""Settings of the SMS jobs (reminders and notices): when and how fast texts go."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time, timedelta

from billing_core.environment import env_flag


def _days(value: str | None, default: tuple[int, ...]) -> tuple[int, ...]:
    if not value:
        return default
    return tuple(sorted({int(v) for v in value.split(",") if v.strip()}))


@dataclass(frozen=True)
class ReminderSettings:
    due_days: tuple[int, ...] = (7, 2)  # days before the 23rd
    past_due_days: tuple[int, ...] = (1,)  # days after the due date
    past_due_window_days: int = 7  # how long the last past-due notice stays sendable
    notice_window_days: int = 7  # how long a back-office notice stays sendable by text
    quiet_start: time = time(8, 0)
    quiet_end: time = time(21, 0)
    rate: float = 10.0  # messages per second per runner; 0 means no limit
    include_amounts: bool = True
    batch_size: int = 500
    lease: timedelta = timedelta(minutes=10)
    metrics_textfile: str | None = None  # where a run writes its counts for node_exporter

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ReminderSettings:
        env = dict(os.environ if env is None else env)
        return cls(
            due_days=_days(env.get("SMS_REMINDER_DAYS"), cls.due_days),
            past_due_days=_days(env.get("SMS_PAST_DUE_DAYS"), cls.past_due_days),
            past_due_window_days=int(env.get("SMS_PAST_DUE_WINDOW_DAYS") or 7),
            notice_window_days=int(env.get("SMS_NOTICE_WINDOW_DAYS") or 7),
            quiet_start=time(int(env.get("SMS_SENDING_HOURS_START") or 8)),
            quiet_end=time(int(env.get("SMS_SENDING_HOURS_END") or 21)),
            rate=float(env.get("SMS_RATE") or 10.0),
            include_amounts=env_flag("SMS_INCLUDE_AMOUNTS", True, env),
            batch_size=int(env.get("SMS_BATCH_SIZE") or 500),
            lease=timedelta(seconds=int(env.get("SMS_LEASE_SECONDS") or 600)),
            metrics_textfile=env.get("METRICS_TEXTFILE") or None,
        )
