"""Retention of Rasa's SQL tracker store: drop conversation events older than the retention period.

python -m ivr.rasa_retention purge [--older-than-days 30] [--batch 500] [--now ISO]
    (TRACKER_STORE_URL: SQLAlchemy URL of Rasa's tracker database; TRACKER_RETENTION_DAYS: default)

Rasa's SQLTrackerStore keeps every event of every conversation in one `events` table (id,
sender_id, type_name, timestamp as epoch seconds, intent_name, action_name, data) and never deletes
any. An event older than the cutoff is deleted when its conversation is idle (no event since the
cutoff) or when it belongs to an earlier session of a conversation (older than that
conversation's latest `session_started`). Rasa only loads and counts the events of a conversation's
latest session, so the second rule never changes what a live conversation sees, and it keeps
senders that come back (an SMS pseudonym texting every month) from accumulating history forever.

Safe to run twice and in parallel: each run walks sender ids once in order, a batch per
transaction; on PostgreSQL the rows are claimed with FOR UPDATE SKIP LOCKED, so two runs never
wait on or deadlock with each other, and a row already deleted is simply not found again.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    exists,
    func,
    or_,
    select,
)

from billing_core.db import make_engine
from billing_core.sql import is_postgresql
from billing_core.startup import EX_CONFIG

DEFAULT_DAYS = 30
SESSION_STARTED = "session_started"

# The columns of Rasa 3.6's SQLTrackerStore.SQLEvent this job reads (the table is Rasa's).
EVENTS = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
)


@dataclass
class PurgeResult:
    events: int = 0
    senders_examined: int = 0
    batches: int = 0


def _doomed_ids(senders: list[str], cutoff: float, postgres: bool):  # type: ignore[no-untyped-def]
    e = EVENTS.alias("e")
    newer = EVENTS.alias("newer")
    start = EVENTS.alias("start")
    still_active = exists().where(newer.c.sender_id == e.c.sender_id, newer.c.timestamp >= cutoff)
    latest_session = (
        select(func.max(start.c.timestamp))
        .where(start.c.sender_id == e.c.sender_id, start.c.type_name == SESSION_STARTED)
        .scalar_subquery()
    )
    query = select(e.c.id).where(
        e.c.sender_id.in_(senders),
        e.c.timestamp < cutoff,
        or_(~still_active, e.c.timestamp < latest_session),
    )
    if postgres:
        query = query.with_for_update(of=e, skip_locked=True)
    return query


def purge_tracker_events(
    engine: Engine, older_than_days: float, *, now: datetime | None = None, batch: int = 500
) -> PurgeResult:
    """Delete the events that retention no longer allows (see the module docstring)."""
    if not older_than_days > 0:
        raise ValueError("older_than_days must be more than 0 (live conversations would go)")
    now = now or datetime.now(UTC)
    cutoff = now.timestamp() - older_than_days * 86400
    postgres = is_postgresql(engine)
    result = PurgeResult()
    after = ""
    while True:
        with engine.begin() as conn:
            senders = list(
                conn.scalars(
                    select(EVENTS.c.sender_id)
                    .where(EVENTS.c.timestamp < cutoff, EVENTS.c.sender_id > after)
                    .group_by(EVENTS.c.sender_id)
                    .order_by(EVENTS.c.sender_id)
                    .limit(batch)
                )
            )
            if not senders:
                return result
            gone = conn.execute(
                delete(EVENTS).where(EVENTS.c.id.in_(_doomed_ids(senders, cutoff, postgres)))
            )
        result.events += gone.rowcount
        result.senders_examined += len(senders)
        result.batches += 1
        after = senders[-1]


def _days(value: str) -> float:
    days = float(value)
    if not days >= 1:
        raise argparse.ArgumentTypeError("must be at least 1 day (live conversations would go)")
    return days


def _instant(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError("give a time zone, e.g. 2026-12-16T03:00:00-05:00")
    return parsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ivr.rasa_retention",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    purge = sub.add_parser("purge", help="delete tracker events past the retention period")
    purge.add_argument(
        "--older-than-days",
        type=_days,
        default=None,
        help=f"retention in days (default TRACKER_RETENTION_DAYS or {DEFAULT_DAYS})",
    )
    purge.add_argument("--batch", type=int, default=500, help="sender ids per transaction")
    purge.add_argument("--now", type=_instant, help="pretend it is this instant (ISO, with zone)")
    args = parser.parse_args(argv)

    env = dict(os.environ)  # this process's one reading of its environment
    url = env.get("TRACKER_STORE_URL")
    if not url:
        print(
            "error: TRACKER_STORE_URL is not set (SQLAlchemy URL of Rasa's tracker database)",
            file=sys.stderr,
        )
        return EX_CONFIG
    days = args.older_than_days
    if days is None:
        try:
            days = _days(env.get("TRACKER_RETENTION_DAYS") or str(DEFAULT_DAYS))
        except (ValueError, argparse.ArgumentTypeError) as exc:
            parser.error(f"TRACKER_RETENTION_DAYS: {exc}")
    engine = make_engine(url, pool_size=1)
    started = time.monotonic()
    try:
        result = purge_tracker_events(engine, days, now=args.now, batch=max(args.batch, 1))
    finally:
        engine.dispose()
    print(
        f"deleted {result.events} tracker events older than {days:g} days "
        f"({result.senders_examined} conversations examined in {result.batches} batches, "
        f"{time.monotonic() - started:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
