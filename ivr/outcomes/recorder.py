"""Writes one turn's outcome event: the turn row, and its conversation row created or brought up to date.

Three short statements in one transaction (find the open conversation, insert or update it, insert
the turn), with Core statements only: this runs on every webhook and chat message.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, create_engine, insert, select, update

from billing_core.sql import is_postgresql
from ivr.outcomes.models import OutcomeConversation, OutcomeTurn
from ivr.outcomes.recorder_pg import record_turn_postgres
from ivr.outcomes.turn_event import TurnEvent
from ivr.outcomes.vocabulary import AGENT_OFFERS, TASK_BITS, intent_bits

CONVERSATIONS = OutcomeConversation.__table__
TURNS = OutcomeTurn.__table__
# A chat or texting session is over after this long without a message (Rasa's session_expiration
# and the chat cookie's idle timeout are 30 minutes too); a call ends when Twilio says so.
IDLE = {"voice": timedelta(hours=6), "sms": timedelta(minutes=30), "chat": timedelta(minutes=30)}
IDLE_DEFAULT = timedelta(minutes=30)


def events_engine(engine: Engine) -> Engine:
    """The engine outcome events are written with.

    On PostgreSQL, a small pool of its own: autocommit (the event is one statement), no ping
    before each use (a dead connection fails one event, which is logged and dropped), and
    synchronous_commit off: these are statistics, not money, so the turn does not wait for the
    write to reach the disk (a crash can lose the last fraction of a second of events, never
    corrupt them). Elsewhere (SQLite) the billing engine itself.
    """
    if not is_postgresql(engine):
        return engine
    return create_engine(
        engine.url,
        isolation_level="AUTOCOMMIT",
        pool_size=2,
        max_overflow=4,
        connect_args={"options": "-c synchronous_commit=off"},
    )


def outcome_of(tasks: int, transfer_reason: str | None, ended: bool) -> str:
    if transfer_reason:
        return "transferred"
    if tasks:
        return "self_served"
    return "abandoned" if ended else "open"


def record_turn(engine: Engine, event: TurnEvent) -> int:
    """Store the event; returns the conversation's id."""
    c = CONVERSATIONS.c
    window = event.at - IDLE.get(event.channel, IDLE_DEFAULT)
    tasks = event.tasks | (TASK_BITS["faq"] if event.faq_topic else 0)
    with engine.begin() as conn:
        if is_postgresql(conn):
            return record_turn_postgres(conn, event, window, tasks)
        row = conn.execute(
            select(
                c.id,
                c.turns,
                c.verified,
                c.intents,
                c.tasks,
                c.faq_topic,
                c.transfer_reason,
                c.fallbacks,
                c.outage_turns,
                c.ended_at,
                c.last_reply,
            )
            .where(c.ref == event.ref, c.last_at >= window)
            .order_by(c.id.desc())
            .limit(1)
        ).first()
        reply = event.replies[-1][:60] if event.replies else None
        reason = None
        if event.transfer:
            reason = event.transfer_reason
            if reason is None:
                offered = row is not None and row.last_reply in AGENT_OFFERS
                reason = "not_understood" if offered else "caller_asked"
        if row is None:
            ended_at = event.at if event.ended else None
            conversation_id = conn.execute(
                insert(CONVERSATIONS)
                .values(
                    ref=event.ref,
                    channel=event.channel,
                    language=event.language,
                    started_at=event.at,
                    last_at=event.at,
                    ended_at=ended_at,
                    turns=1,
                    verified=event.verified,
                    intents=intent_bits(event.intent),
                    tasks=tasks,
                    faq_topic=event.faq_topic,
                    transfer_reason=reason,
                    outcome=outcome_of(tasks, reason, event.ended),
                    fallbacks=int(event.fallback),
                    outage_turns=int(event.outage),
                    last_reply=reply,
                )
                .returning(c.id)
            ).scalar_one()
        else:
            conversation_id = row.id
            tasks |= row.tasks
            reason = row.transfer_reason or reason
            ended_at = row.ended_at or (event.at if event.ended else None)
            conn.execute(
                update(CONVERSATIONS)
                .where(c.id == row.id)
                .values(
                    language=event.language,
                    last_at=event.at,
                    ended_at=ended_at,
                    turns=row.turns + 1,
                    verified=row.verified or event.verified,
                    intents=row.intents | intent_bits(event.intent),
                    tasks=tasks,
                    faq_topic=row.faq_topic or event.faq_topic,
                    transfer_reason=reason,
                    outcome=outcome_of(tasks, reason, ended_at is not None),
                    fallbacks=min(row.fallbacks + int(event.fallback), 32767),
                    outage_turns=min(row.outage_turns + int(event.outage), 32767),
                    last_reply=reply or row.last_reply,
                )
            )
        conn.execute(
            insert(TURNS).values(
                conversation_id=conversation_id,
                at=event.at,
                channel=event.channel,
                latency_ms=event.latency_ms,
                rasa_ms=event.rasa_ms,
                input=event.input,
                intent=event.intent,
                confidence=event.confidence,
                fallback=event.fallback,
                outage=event.outage,
                miss=event.miss,
                reply=reply,
                topic=event.faq_topic,
                text=event.text,
                text_key=event.text_key,
            )
        )
    return conversation_id


def end_conversation(engine: Engine, ref: str, at: datetime) -> bool:
    """The member hung up (voice status callback): an open conversation becomes abandoned."""
    c = CONVERSATIONS.c
    with engine.begin() as conn:
        row = conn.execute(
            select(c.id, c.tasks, c.transfer_reason, c.ended_at)
            .where(c.ref == ref)
            .order_by(c.id.desc())
            .limit(1)
        ).first()
        if row is None or row.ended_at is not None:
            return False
        conn.execute(
            update(CONVERSATIONS)
            .where(c.id == row.id)
            .values(ended_at=at, outcome=outcome_of(row.tasks, row.transfer_reason, True))
        )
    return True
