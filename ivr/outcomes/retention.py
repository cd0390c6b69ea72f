"""Deletes outcome events past the retention period (OUTCOME_RETENTION_DAYS, default 90).

Turns older than the cutoff, then conversations whose last turn is, in batches of `batch` rows
(short transactions, however much has piled up), each found through an index on its time. The console's daily miss
rollups hold masked words too and go by the same cutoff; its counts (no words) stay.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, select

from billing_core.billing_calendar import eastern_date
from ivr.ops.models import DailyMiss
from ivr.outcomes.models import OutcomeConversation, OutcomeTurn


def _in_batches(engine: Engine, model: Any, query: Any, batch: int) -> int:
    deleted = 0
    while True:
        with engine.begin() as conn:
            ids = list(conn.scalars(query.limit(batch)))
            if ids:
                conn.execute(delete(model).where(model.id.in_(ids)))
        deleted += len(ids)
        if len(ids) < batch:
            return deleted


def purge_outcomes(
    engine: Engine, *, older_than_days: int, now: datetime, batch: int = 5000
) -> int:
    """Delete what is older than the cutoff; returns how many conversations went."""
    if older_than_days < 1:
        raise ValueError("the retention period is at least one day")
    cutoff = now - timedelta(days=older_than_days)
    turn, conversation = OutcomeTurn, OutcomeConversation
    # Turns first, by time (a conversation's turns are never later than its last turn), then
    # the conversations whose last turn is before the cutoff: none of their turns is left.
    _in_batches(engine, turn, select(turn.id).where(turn.at < cutoff).order_by(turn.at), batch)
    purged = _in_batches(
        engine,
        conversation,
        select(conversation.id)
        .where(conversation.started_at < cutoff, conversation.last_at < cutoff)
        .order_by(conversation.started_at),
        batch,
    )
    with engine.begin() as conn:
        conn.execute(delete(DailyMiss).where(DailyMiss.day < eastern_date(cutoff)))
    return purged
