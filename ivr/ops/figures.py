"""The console's figures of one Eastern day, computed from the outcome events and billing tables.

Each family is what one page needs; a closed day's figures are stored as rollups (ivr.ops.rollup),
today's are computed on each view. Every query reads one day through an index on its time column.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, and_, case, func, or_, select

from ivr.ops.figures_billing import BILLING_QUERIES
from ivr.ops.figures_types import Count, Figures, Latency, Miss
from ivr.ops.periods import day_bounds
from ivr.outcomes.models import OutcomeConversation, OutcomeTurn
from ivr.outcomes.vocabulary import TASK_BITS

FAMILIES = (
    "conversations",
    "intents",
    "transfers",
    "latency",
    "misses",
    "payments",
    "autopay",
    "reminders",
)
# The metrics each family stores in ops_daily_counts.
FAMILY_METRICS = {
    "conversations": ("conversations", "verified", "task"),
    "intents": ("intent", "faq"),
    "transfers": ("transfer", "outage_minutes", "outage_turns"),
    "payments": ("payments", "returns"),
    "autopay": ("autopay",),
    "reminders": ("reminder", "opt_out"),
}
IDLE = timedelta(minutes=30)  # an open conversation this quiet is over (abandoned)


def compute_day(conn: Connection, day: date, families: tuple[str, ...], now: datetime) -> Figures:
    start, end = day_bounds(day)
    figures = Figures()
    for family in families:
        FAMILY_QUERIES[family](conn, day, start, end, now, figures)
    return figures


def _conversations(conn, day, start, end, now, figures) -> None:  # type: ignore[no-untyped-def]
    c = OutcomeConversation.__table__.c
    outcome = case(
        (and_(c.outcome == "open", c.last_at < now - IDLE), "abandoned"), else_=c.outcome
    )
    task_sums = [
        func.sum(case((c.tasks.op("&")(bit) != 0, 1), else_=0)) for bit in TASK_BITS.values()
    ]
    rows = conn.execute(
        select(
            c.channel,
            c.language,
            outcome,
            func.count(),
            func.sum(case((c.verified, 1), else_=0)),
            *task_sums,
        )
        .where(c.started_at >= start, c.started_at < end)
        .group_by(c.channel, c.language, outcome)
    ).all()
    per_group: Counter[tuple[str, str, str, str]] = Counter()  # one row per metric and key
    for channel, language, kind, count, verified, *tasks in rows:
        figures.counts.append(Count(day, "conversations", kind, channel, language, count))
        per_group[("verified", "yes", channel, language)] += int(verified or 0)
        for name, done in zip(TASK_BITS, tasks, strict=True):
            per_group[("task", name, channel, language)] += int(done or 0)
    for (metric, key, channel, language), count in per_group.items():
        if count:
            figures.counts.append(Count(day, metric, key, channel, language, count))


def _intents(conn, day, start, end, now, figures) -> None:  # type: ignore[no-untyped-def]
    t = OutcomeTurn.__table__.c
    intents: Counter[tuple[str, str]] = Counter()
    topics: Counter[tuple[str, str]] = Counter()
    for channel, intent, topic, count in conn.execute(  # one pass over the day's turns
        select(t.channel, t.intent, t.topic, func.count())
        .where(t.at >= start, t.at < end, or_(t.intent.is_not(None), t.topic.is_not(None)))
        .group_by(t.channel, t.intent, t.topic)
    ):
        if intent is not None:
            intents[(channel, intent)] += count
        if topic is not None:
            topics[(channel, topic)] += count
    for (channel, intent), count in intents.items():
        figures.counts.append(Count(day, "intent", intent, channel, "", count))
    for (channel, topic), count in topics.items():
        figures.counts.append(Count(day, "faq", topic, channel, "", count))


def _transfers(conn, day, start, end, now, figures) -> None:  # type: ignore[no-untyped-def]
    c = OutcomeConversation.__table__.c
    for channel, reason, count in conn.execute(
        select(c.channel, c.transfer_reason, func.count())
        .where(c.started_at >= start, c.started_at < end, c.transfer_reason.is_not(None))
        .group_by(c.channel, c.transfer_reason)
    ):
        figures.counts.append(Count(day, "transfer", reason, channel, "", count))
    t = OutcomeTurn.__table__.c
    minutes: set[datetime] = set()
    per_channel: Counter[str] = Counter()
    for channel, at in conn.execute(
        select(t.channel, t.at).where(t.at >= start, t.at < end, t.outage)
    ):
        minutes.add(at.replace(second=0, microsecond=0))
        per_channel[channel] += 1
    figures.counts.append(Count(day, "outage_minutes", "", "all", "", len(minutes)))
    for channel, count in per_channel.items():
        figures.counts.append(Count(day, "outage_turns", "", channel, "", count))


def _percentile(histogram: list[tuple[int, int]], total: int, fraction: float) -> float:
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont), read from a
    sorted histogram of (value, count) instead of a sorted list of every value."""
    if not total:
        return 0.0
    position = (total - 1) * fraction
    low_rank, high_rank = int(position), min(int(position) + 1, total - 1)
    low = high = None
    seen = 0
    for value, count in histogram:
        if low is None and low_rank < seen + count:
            low = value
        if high_rank < seen + count:
            high = value
            break
        seen += count
    assert low is not None and high is not None
    return low + (high - low) * (position - int(position))


def _latency(conn, day, start, end, now, figures) -> None:  # type: ignore[no-untyped-def]
    # A histogram of whole milliseconds per channel (a few thousand rows, hashed, not sorted),
    # then exact percentiles from it: cheaper than sorting a day's 200 k turns twice.
    t = OutcomeTurn.__table__.c
    histograms: dict[str, Counter[int]] = defaultdict(Counter)
    for channel, latency, count in conn.execute(
        select(t.channel, t.latency_ms, func.count())
        .where(t.at >= start, t.at < end)
        .group_by(t.channel, t.latency_ms)
    ):
        histograms[channel][latency] += count
        histograms["all"][latency] += count
    for channel, histogram in histograms.items():
        ordered = sorted(histogram.items())
        total = sum(histogram.values())
        figures.latency.append(
            Latency(
                day,
                channel,
                total,
                _percentile(ordered, total, 0.5),
                _percentile(ordered, total, 0.95),
            )
        )


def _misses(conn, day, start, end, now, figures) -> None:  # type: ignore[no-untyped-def]
    t = OutcomeTurn.__table__.c
    groups: dict[str, dict] = {}
    for key, intent, count, fallbacks, example in conn.execute(
        select(
            t.text_key,
            t.intent,
            func.count(),
            func.sum(case((t.fallback, 1), else_=0)),
            func.min(t.text),
        )
        .where(t.miss, t.at >= start, t.at < end)
        .group_by(t.text_key, t.intent)
    ):
        group = groups.setdefault(key, {"count": 0, "fallbacks": 0, "example": example})
        group["count"] += count
        group["fallbacks"] += int(fallbacks or 0)
        group.setdefault("intents", Counter())[intent] += count
    for key, group in groups.items():
        guess = group["intents"].most_common(1)[0][0]
        figures.misses.append(
            Miss(day, key, group["count"], group["fallbacks"], group["example"] or key, guess)
        )


FAMILY_QUERIES = {
    "conversations": _conversations,
    "intents": _intents,
    "transfers": _transfers,
    "latency": _latency,
    "misses": _misses,
    **BILLING_QUERIES,
}
