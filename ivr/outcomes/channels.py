"""Builds each channel's turn event from what its request and the Rasa exchanges show.

Voice: the call's state before and after the turn (ivr.voice.routes.run_turn leaves both on
flask.g), the caller's speech or keys, and what Rasa answered. SMS and chat: the request itself.
Only masked words ever leave here (ivr.outcomes.masking).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ivr.outcomes.exchange import Exchange
from ivr.outcomes.masking import group_key, mask_utterance
from ivr.outcomes.recorder import TurnEvent
from ivr.outcomes.vocabulary import (
    AGENT_OFFERS,
    FALLBACK_MESSAGES,
    TASK_BITS,
    VERIFIED_MESSAGES,
    faq_topic,
    tasks_of,
)
from ivr.sms.keywords import classify
from messages.render import normalize_locale

# Voice outage menu: key 1 is the balance, key 2 the due date (ivr.voice.outage).
OUTAGE_TASKS = {"1": "balance", "2": "due_date"}


def _apply_exchanges(event: TurnEvent, exchanges: list[Exchange]) -> None:
    """What Rasa said this turn: intent, confidence, replies, tasks, fallbacks, outages."""
    for exchange in exchanges:
        event.replies.extend(exchange.replies)
        event.rasa_ms = int((event.rasa_ms or 0) + exchange.rasa_ms)
        event.outage = event.outage or exchange.outage
        if exchange.intent:
            event.intent, event.confidence = exchange.intent, exchange.confidence
        event.fallback = (
            event.fallback or exchange.nlu_fallback or exchange.intent == "nlu_fallback"
        )
    event.fallback = event.fallback or any(r in FALLBACK_MESSAGES for r in event.replies)
    event.verified = event.verified or any(r in VERIFIED_MESSAGES for r in event.replies)
    event.tasks |= tasks_of(event.replies)
    topics = [t for t in (faq_topic(r) for r in event.replies) if t]
    event.faq_topic = event.faq_topic or (topics[0] if topics else None)
    if any(r == "transfer_to_agent" for r in event.replies):
        event.transfer = True  # chat and texts: told to call; voice decides itself (below)


def _words(event: TurnEvent, text: str | None) -> None:
    event.text = mask_utterance(text)
    event.text_key = group_key(event.text)


def voice_event(
    call: Any,
    prior: dict[str, Any],
    exchanges: list[Exchange],
    *,
    ref: str,
    at: datetime,
    latency_ms: int,
    fallback_url: bool,
) -> TurnEvent:
    """One webhook of a call. `prior` is the call's state before the turn, `call.state` after."""
    state = call.state
    event = TurnEvent(
        channel="voice",
        ref=ref,
        at=at,
        language=normalize_locale(call.locale),
        latency_ms=latency_ms,
        input="dtmf" if call.digits else ("speech" if call.speech else "none"),
    )
    if call.speech:
        _words(event, call.speech)
    _apply_exchanges(event, exchanges)
    event.transfer = False  # on the phone only the IVR transfers (step "transferred")
    before, after = prior.get("step"), state.get("step")
    entered_outage = bool(state.get("outage")) and not prior.get("outage")
    event.outage = event.outage or entered_outage or fallback_url
    if after == "transferred" and before != "transferred":
        event.transfer = True
        if state.get("outage") or fallback_url:
            event.transfer_reason = "outage"
        elif before == "offer_agent" or any(
            msg in AGENT_OFFERS for msg, _params in prior.get("prompt") or []
        ):
            event.transfer_reason = "not_understood"
        else:
            event.transfer_reason = "caller_asked"
    missed_again = state.get("misses", 0) > prior.get("misses", 0) and event.input != "none"
    offered = after == "offer_agent" and before != "offer_agent" and event.input != "none"
    event.fallback = event.fallback or missed_again or offered
    # The outage menu answers from billing_core directly, without Rasa.
    if before == "outage_menu" and prior.get("outage_account") and call.digits in OUTAGE_TASKS:
        event.tasks |= TASK_BITS[OUTAGE_TASKS[call.digits]]
    elif before == "outage_zip" and state.get("outage_account") and not prior.get("outage_account"):
        event.verified = True
        event.tasks |= TASK_BITS[OUTAGE_TASKS.get(prior.get("outage_want", "1"), "balance")]
    event.ended = after == "ended"
    return event


def sms_event(
    form: dict[str, str], exchanges: list[Exchange], *, ref: str, at: datetime, latency_ms: int
) -> TurnEvent | None:
    """One inbound text; None for consent keywords (STOP, START, HELP) that never reach Rasa."""
    body = form.get("Body", "")
    keyword = classify(body)
    if not exchanges and keyword.kind in ("opt_out", "opt_in", "help"):
        return None
    locale = next((e.locale for e in exchanges if e.locale), None) or keyword.locale
    event = TurnEvent(
        channel="sms",
        ref=ref,
        at=at,
        language=normalize_locale(locale),
        latency_ms=latency_ms,
        input="button" if keyword.kind == "rasa" else "text",
    )
    if keyword.kind != "rasa":
        _words(event, body)
    _apply_exchanges(event, exchanges)
    return event


def chat_event(
    body: dict[str, Any] | None,
    exchanges: list[Exchange],
    *,
    ref: str,
    at: datetime,
    latency_ms: int,
    unavailable: bool,
) -> TurnEvent:
    """One chat message (a button's payload is an intent, not words)."""
    text = body.get("message") if isinstance(body, dict) else None
    text = text.strip() if isinstance(text, str) else ""
    locale = next((e.locale for e in exchanges if e.locale), None)
    button = text.startswith("/") and any(e.structured for e in exchanges)
    event = TurnEvent(
        channel="chat",
        ref=ref,
        at=at,
        language=normalize_locale(locale or (body or {}).get("locale")),
        latency_ms=latency_ms,
        input="button" if button else "text",
    )
    if not button:
        _words(event, text)
    _apply_exchanges(event, exchanges)
    event.outage = event.outage or unavailable
    return event
