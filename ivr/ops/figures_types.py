"""The console's figures of one day: counts (with cents for money), latency percentiles, misses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Count:
    day: date
    metric: str
    key: str
    channel: str
    language: str
    count: int
    cents: int = 0


@dataclass(frozen=True)
class Latency:
    day: date
    channel: str
    turns: int
    p50_ms: float
    p95_ms: float


@dataclass(frozen=True)
class Miss:
    day: date
    text_key: str
    count: int
    fallbacks: int
    example: str
    intent: str | None


@dataclass
class Figures:
    counts: list[Count] = field(default_factory=list)
    latency: list[Latency] = field(default_factory=list)
    misses: list[Miss] = field(default_factory=list)

    def extend(self, other: Figures) -> None:
        self.counts.extend(other.counts)
        self.latency.extend(other.latency)
        self.misses.extend(other.misses)
