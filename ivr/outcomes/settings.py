"""Outcome-event settings, read from app.config first and the environment second."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from billing_core.environment import first_set, flag

DEFAULT_RETENTION_DAYS = 90


def retention_days(value: object) -> int:
    days = int(str(value)) if value not in (None, "") else DEFAULT_RETENTION_DAYS
    if days < 1:
        raise ValueError(f"OUTCOME_RETENTION_DAYS must be 1 or more, not {days}")
    return days


@dataclass(frozen=True)
class OutcomeSettings:
    enabled: bool = (
        True  # OUTCOME_EVENTS=0 turns recording off (the console then shows nothing new)
    )
    retention_days: int = DEFAULT_RETENTION_DAYS  # turns, conversations and masked words

    @classmethod
    def load(
        cls, config: Mapping[str, Any], env: Mapping[str, str] | None = None
    ) -> OutcomeSettings:
        env = os.environ if env is None else env
        return cls(
            enabled=flag(first_set("OUTCOME_EVENTS", config, env), True),
            retention_days=retention_days(first_set("OUTCOME_RETENTION_DAYS", config, env)),
        )
