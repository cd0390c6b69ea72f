"""The console's figures of one Eastern day, computed from the outcome events and billing tables.

Each family is what one page needs; a closed day's figures are stored as rollups (ivr.ops.rollup),
today's are computed on each view. Every query reads one day through an index on its time column.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import BigInteger, Connection, and_, case, func, or_, select, type_coerce

from billing_core.backoffice.models import PaymentReversal
from billing_core.models import AuditEvent, Payment
from ivr.ops.periods import day_bounds
from ivr.outcomes.models import OutcomeConversation, OutcomeTurn
from ivr.outcomes.vocabulary import TASK_BITS
from ivr.sms.models import SmsMessage, SmsOptOut

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
AUTOPAY_ACTIONS = (
    "autopay_enrolled",
    "autopay_changed",
    "autopay_paused",
    "autopay_cancelled",
    "autopay_suspended",
)


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


def _payments(conn, day, start, end, now, figures) -> None:  # type: ignore[no-untyped-def]
    p = Payment.__table__.c
    cents = type_coerce(p.amount, BigInteger)
    for channel, count, total in conn.execute(
        select(p.channel, func.count(), func.sum(cents))
        .where(p.created_at >= start, p.created_at < end)
        .group_by(p.channel)
    ):
        figures.counts.append(Count(day, "payments", "posted", channel, "", count, int(total or 0)))
    r = PaymentReversal.__table__.c
    for channel, count, total in conn.execute(
        select(p.channel, func.count(), func.sum(type_coerce(r.amount, BigInteger)))
        .select_from(PaymentReversal.__table__.join(Payment.__table__, r.payment_id == p.id))
        .where(r.returned_on == day)
        .group_by(p.channel)
    ):
        figures.counts.append(
            Count(day, "returns", "returned", channel, "", count, int(total or 0))
        )


def _autopay(conn, day, start, end, now, figures) -> None:  # type: ignore[no-untyped-def]
    a = AuditEvent.__table__.c
    for action, count in conn.execute(
        select(a.action, func.count())
        .where(a.action.in_(AUTOPAY_ACTIONS), a.at >= start, a.at < end)
        .group_by(a.action)
    ):
        figures.counts.append(
            Count(day, "autopay", action.removeprefix("autopay_"), "all", "", count)
        )


def _reminders(conn, day, start, end, now, figures) -> None:  # type: ignore[no-untyped-def]
    m = SmsMessage.__table__.c
    for status, count in conn.execute(
        select(m.status, func.count())
        .where(m.created_at >= start, m.created_at < end, m.purpose == "reminder")
        .group_by(m.status)
    ):
        figures.counts.append(Count(day, "reminder", status, "sms", "", count))
    o = SmsOptOut.__table__.c
    opted_out = conn.scalar(
        select(func.count()).where(o.opted_out_at >= start, o.opted_out_at < end)
    )
    figures.counts.append(Count(day, "opt_out", "", "sms", "", int(opted_out or 0)))


FAMILY_QUERIES = {
    "conversations": _conversations,
    "intents": _intents,
    "transfers": _transfers,
    "latency": _latency,
    "misses": _misses,
    "payments": _payments,
    "autopay": _autopay,
    "reminders": _reminders,
}
