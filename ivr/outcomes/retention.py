"""Deletes outcome events past the retention period (OUTCOME_RETENTION_DAYS, default 90).

Conversations whose last turn is older than the cutoff go with all their turns, in batches of
`batch` conversations (short transactions, however much has piled up). The console's daily miss
rollups hold masked words too and go by the same cutoff; its counts (no words) stay.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select

from billing_core.billing_calendar import eastern_date
from ivr.ops.models import DailyMiss
from ivr.outcomes.models import OutcomeConversation, OutcomeTurn


def purge_outcomes(
    engine: Engine, *, older_than_days: int, now: datetime, batch: int = 5000
) -> int:
    """Delete what is older than the cutoff; returns how many conversations went."""
    if older_than_days < 1:
        raise ValueError("the retention period is at least one day")
    cutoff = now - timedelta(days=older_than_days)
    purged = 0
    while True:
        with engine.begin() as conn:
            ids = list(
                conn.scalars(
                    select(OutcomeConversation.id)
                    .where(OutcomeConversation.last_at < cutoff)
                    .order_by(OutcomeConversation.id)
                    .limit(batch)
                )
            )
            if ids:
                conn.execute(delete(OutcomeTurn).where(OutcomeTurn.conversation_id.in_(ids)))
                conn.execute(delete(OutcomeConversation).where(OutcomeConversation.id.in_(ids)))
        purged += len(ids)
        if len(ids) < batch:
            break
    with engine.begin() as conn:
        conn.execute(delete(DailyMiss).where(DailyMiss.day < eastern_date(cutoff)))
    return purged
