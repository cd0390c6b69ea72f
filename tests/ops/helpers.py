"""Outcome events made directly (no channel): conversations whose outcomes a test chooses."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from sqlalchemy import Engine

from ivr.outcomes.masking import group_key, mask_utterance
from ivr.outcomes.recorder import TurnEvent, end_conversation, record_turn
from ivr.outcomes.vocabulary import TASK_BITS

_refs = itertools.count(1)


def conversation(
    engine: Engine,
    at: datetime,
    *,
    channel: str = "voice",
    language: str = "en",
    task: str | None = None,
    transfer: str | None = None,
    hang_up: bool = True,
    said: list[str] = (),  # type: ignore[assignment]
    latency_ms: int = 100,
    outage: bool = False,
    topic: str | None = None,
    intent: str = "check_balance",
    confidence: float = 0.95,
) -> str:
    """One conversation of two or more turns; returns its reference."""
    ref = f"ref{next(_refs):029d}"
    record_turn(
        engine,
        TurnEvent(channel, ref, at, language, latency_ms=latency_ms, intent=intent, confidence=1.0),
    )
    for i, words in enumerate(said):
        masked = mask_utterance(words)
        record_turn(
            engine,
            TurnEvent(
                channel,
                ref,
                at + timedelta(seconds=5 + i),
                language,
                latency_ms=latency_ms,
                input="speech",
                intent=intent,
                confidence=confidence,
                fallback=confidence < 0.35,
                text=masked,
                text_key=group_key(masked),
            ),
        )
    record_turn(
        engine,
        TurnEvent(
            channel,
            ref,
            at + timedelta(seconds=30),
            language,
            latency_ms=latency_ms,
            tasks=TASK_BITS[task] if task and task != "faq" else 0,
            faq_topic=topic,
            transfer=transfer is not None,
            transfer_reason=transfer,
            outage=outage,
            replies=["balance_due"] if task == "balance" else [],
        ),
    )
    if hang_up and channel == "voice":
        end_conversation(engine, ref, at + timedelta(seconds=40))
    return ref
