"""Daily rollups: a closed day's figures stored once, read back by the console for any period.

`python -m ivr.ops rollup` (cron, after midnight Eastern) stores the days just closed; a page that
finds a closed day without rollups computes and stores it on the spot. Today is never stored.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, delete, func, insert, select

from billing_core.billing_calendar import eastern_date
from ivr.ops.figures import FAMILIES, FAMILY_METRICS, Count, Figures, Latency, Miss, compute_day
from ivr.ops.models import DailyCount, DailyLatency, DailyMiss, RollupDay
from ivr.ops.periods import Period

ROLLUP_TABLES = (DailyCount, DailyLatency, DailyMiss)


def store_day(engine: Engine, day: date, now: datetime) -> Figures:
    """Compute one closed day's figures and replace its stored rollups (safe to run again)."""
    if day >= eastern_date(now):
        raise ValueError("only a day that is over can be rolled up")
    with engine.begin() as conn:
        figures = compute_day(conn, day, FAMILIES, now)
        for table in ROLLUP_TABLES:
            conn.execute(delete(table).where(table.day == day))
        conn.execute(delete(RollupDay).where(RollupDay.day == day))
        if figures.counts:
            conn.execute(insert(DailyCount), [_count_row(c) for c in _merged(figures.counts)])
        if figures.latency:
            conn.execute(insert(DailyLatency), [vars(x) for x in figures.latency])
        if figures.misses:
            conn.execute(insert(DailyMiss), [vars(x) for x in figures.misses])
        conn.execute(insert(RollupDay).values(day=day, computed_at=now))
    return figures


def roll_up_recent(engine: Engine, now: datetime, days: int = 3) -> list[date]:
    """Recompute the last `days` closed days (late status callbacks, idle conversations)."""
    today = eastern_date(now)
    done = [today - timedelta(days=n) for n in range(days, 0, -1)]
    for day in done:
        store_day(engine, day, now)
    return done


def ensure_rollups(engine: Engine, days: list[date], now: datetime) -> None:
    """Store the rollups of any of these closed days that has none yet."""
    if not days:
        return
    with engine.connect() as conn:
        stored = set(
            conn.scalars(select(RollupDay.day).where(RollupDay.day.between(min(days), max(days))))
        )
    for day in days:
        if day not in stored:
            store_day(engine, day, now)


def load(engine: Engine, period: Period, families: tuple[str, ...], now: datetime) -> Figures:
    """The figures of every day of the period: rollups for closed days, live for today."""
    ensure_rollups(engine, period.closed_days, now)
    figures = Figures()
    closed = period.closed_days
    with engine.connect() as conn:
        if closed:
            first, last = min(closed), max(closed)
            metrics = [m for f in families for m in FAMILY_METRICS.get(f, ())]
            if metrics:
                figures.counts.extend(
                    Count(**row._asdict())
                    for row in conn.execute(
                        select(*_columns(DailyCount)).where(
                            DailyCount.day.between(first, last), DailyCount.metric.in_(metrics)
                        )
                    )
                )
            if "latency" in families:
                figures.latency.extend(
                    Latency(**row._asdict())
                    for row in conn.execute(
                        select(*_columns(DailyLatency)).where(DailyLatency.day.between(first, last))
                    )
                )
            if "misses" in families:
                figures.misses.extend(
                    Miss(**row._asdict())
                    for row in conn.execute(
                        select(*_columns(DailyMiss)).where(DailyMiss.day.between(first, last))
                    )
                )
        if period.includes_today:
            figures.extend(compute_day(conn, period.today, families, now))
    return figures


def load_misses(engine: Engine, period: Period, now: datetime, limit: int = 2000) -> list[Miss]:
    """The period's most frequent missed-word groups, summed over its days in the database."""
    ensure_rollups(engine, period.closed_days, now)
    found: dict[str, Miss] = {}
    closed = period.closed_days
    d = DailyMiss
    with engine.connect() as conn:
        if closed:
            in_period = d.day.between(min(closed), max(closed))
            total = func.sum(d.count)
            for key, count, fallbacks, example in conn.execute(
                select(d.text_key, total, func.sum(d.fallbacks), func.min(d.example))
                .where(in_period)
                .group_by(d.text_key)
                .order_by(total.desc(), d.text_key)
                .limit(limit)
            ):
                found[key] = Miss(period.last, key, int(count), int(fallbacks), example, None)
            guesses: dict[str, Counter[str]] = defaultdict(Counter)
            for key, intent, count in conn.execute(
                select(d.text_key, d.intent, func.sum(d.count))
                .where(in_period, d.text_key.in_(list(found)), d.intent.is_not(None))
                .group_by(d.text_key, d.intent)
            ):
                guesses[key][intent] += int(count)
            for key, votes in guesses.items():
                found[key] = replace(found[key], intent=votes.most_common(1)[0][0])
        if period.includes_today:
            for miss in compute_day(conn, period.today, ("misses",), now).misses:
                before = found.get(miss.text_key)
                if before is not None:
                    miss = replace(
                        before,
                        count=before.count + miss.count,
                        fallbacks=before.fallbacks + miss.fallbacks,
                    )
                found[miss.text_key] = miss
    return sorted(found.values(), key=lambda m: (-m.count, m.text_key))[:limit]


def _columns(model: type) -> list:  # type: ignore[type-arg]
    return list(model.__table__.c)


def _count_row(count: Count) -> dict[str, object]:
    return vars(count)


def _merged(counts: list[Count]) -> list[Count]:
    """One row per primary key (a metric may be reported twice for one key, e.g. "verified")."""
    merged: dict[tuple, Count] = {}
    for c in counts:
        key = (c.day, c.metric, c.key, c.channel, c.language)
        before = merged.get(key)
        merged[key] = (
            c
            if before is None
            else Count(*key, count=before.count + c.count, cents=before.cents + c.cents)
        )
    return list(merged.values())
