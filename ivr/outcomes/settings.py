"""Outcome-event settings, read from app.config first and the environment second."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_RETENTION_DAYS = 90


def _flag(value: object, default: bool) -> bool:
    if value is None or value == "":
        return default
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


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

        def get(name: str) -> Any:
            value = config.get(name)
            return env.get(name) if value is None or value == "" else value

        return cls(
            enabled=_flag(get("OUTCOME_EVENTS"), True),
            retention_days=retention_days(get("OUTCOME_RETENTION_DAYS")),
        )
