"""The outcome event of one turn on PostgreSQL: one statement, one round trip.

The same merge as ivr.outcomes.recorder's portable path (find the conversation still open for
this reference, create or update it, add the turn), written as data-modifying CTEs so a busy
database answers it in one round trip. Both paths run under the same tests.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import Connection, text

from ivr.outcomes.turn_event import TurnEvent
from ivr.outcomes.vocabulary import AGENT_OFFERS, intent_bits

RECORD = text(
    """
WITH prev AS (
    SELECT id, turns, verified, intents, tasks, faq_topic, transfer_reason, fallbacks,
           outage_turns, ended_at, last_reply
    FROM outcome_conversations
    WHERE ref = CAST(:ref AS varchar) AND last_at >= CAST(:window AS timestamp)
    ORDER BY id DESC LIMIT 1
    FOR UPDATE
),
merged AS (
    SELECT id,
           COALESCE(transfer_reason, CASE WHEN CAST(:transfer AS boolean) THEN COALESCE(
               CAST(:reason AS varchar),
               CASE WHEN last_reply = ANY(CAST(:offers AS varchar[])) THEN 'not_understood'
                    ELSE 'caller_asked' END) END) AS reason,
           tasks | CAST(:tasks AS integer) AS tasks,
           COALESCE(ended_at, CAST(:ended_at AS timestamp)) AS ended_at
    FROM prev
),
upd AS (
    UPDATE outcome_conversations c SET
        language = CAST(:language AS varchar),
        last_at = CAST(:at AS timestamp),
        ended_at = m.ended_at,
        turns = p.turns + 1,
        verified = p.verified OR CAST(:verified AS boolean),
        intents = p.intents | CAST(:intent_bits AS integer),
        tasks = m.tasks,
        faq_topic = COALESCE(p.faq_topic, CAST(:faq_topic AS varchar)),
        transfer_reason = m.reason,
        outcome = CASE WHEN m.reason IS NOT NULL THEN 'transferred'
                       WHEN m.tasks <> 0 THEN 'self_served'
                       WHEN m.ended_at IS NOT NULL THEN 'abandoned' ELSE 'open' END,
        fallbacks = LEAST(p.fallbacks + CAST(:fallback AS integer), 32767),
        outage_turns = LEAST(p.outage_turns + CAST(:outage AS integer), 32767),
        last_reply = COALESCE(CAST(:reply AS varchar), p.last_reply)
    FROM prev p JOIN merged m ON m.id = p.id
    WHERE c.id = p.id
    RETURNING c.id
),
ins AS (
    INSERT INTO outcome_conversations (ref, channel, language, started_at, last_at, ended_at,
        turns, verified, intents, tasks, faq_topic, transfer_reason, outcome, fallbacks,
        outage_turns, last_reply)
    SELECT CAST(:ref AS varchar), CAST(:channel AS varchar), CAST(:language AS varchar),
           CAST(:at AS timestamp), CAST(:at AS timestamp), CAST(:ended_at AS timestamp), 1,
           CAST(:verified AS boolean), CAST(:intent_bits AS integer), CAST(:tasks AS integer),
           CAST(:faq_topic AS varchar), CAST(:new_reason AS varchar),
           CASE WHEN CAST(:new_reason AS varchar) IS NOT NULL THEN 'transferred'
                WHEN CAST(:tasks AS integer) <> 0 THEN 'self_served'
                WHEN CAST(:ended_at AS timestamp) IS NOT NULL THEN 'abandoned' ELSE 'open' END,
           CAST(:fallback AS integer), CAST(:outage AS integer), CAST(:reply AS varchar)
    WHERE NOT EXISTS (SELECT 1 FROM prev)
    RETURNING id
)
INSERT INTO outcome_turns (conversation_id, at, channel, latency_ms, rasa_ms, input, intent,
    confidence, fallback, outage, miss, reply, topic, text, text_key)
SELECT COALESCE((SELECT id FROM upd), (SELECT id FROM ins)), CAST(:at AS timestamp),
       CAST(:channel AS varchar), CAST(:latency_ms AS integer), CAST(:rasa_ms AS integer),
       CAST(:input AS varchar), CAST(:intent AS varchar), CAST(:confidence AS float8),
       CAST(:fallback AS integer) = 1, CAST(:outage AS integer) = 1, CAST(:miss AS boolean),
       CAST(:reply AS varchar), CAST(:faq_topic AS varchar), CAST(:text AS varchar),
       CAST(:text_key AS varchar)
RETURNING conversation_id
"""
)


def _naive_utc(at: Any) -> Any:
    return at.astimezone(UTC).replace(tzinfo=None) if at is not None else None


def record_turn_postgres(conn: Connection, event: TurnEvent, window: Any, tasks: int) -> int:
    at = _naive_utc(event.at)
    reason = event.transfer_reason if event.transfer else None
    return conn.execute(
        RECORD,
        {
            "ref": event.ref,
            "window": _naive_utc(window),
            "channel": event.channel,
            "language": event.language,
            "at": at,
            "ended_at": at if event.ended else None,
            "verified": event.verified,
            "intent_bits": intent_bits(event.intent),
            "tasks": tasks,
            "faq_topic": event.faq_topic,
            "transfer": event.transfer,
            "reason": reason,
            "new_reason": (reason or "caller_asked") if event.transfer else None,
            "offers": sorted(AGENT_OFFERS),
            "fallback": int(event.fallback),
            "outage": int(event.outage),
            "reply": event.replies[-1][:60] if event.replies else None,
            "latency_ms": event.latency_ms,
            "rasa_ms": event.rasa_ms,
            "input": event.input,
            "intent": event.intent,
            "confidence": event.confidence,
            "miss": event.miss,
            "text": event.text,
            "text_key": event.text_key,
        },
    ).scalar_one()
