"""Records every voice, SMS and chat turn as an outcome event, after the channel has answered.

One after_request hook for the three channels, so their routes stay as they are: voice's run_turn
leaves the call and its state before the turn on flask.g (`outcome_call`), the chat route leaves
its session id (`chat_session_id`), SMS needs only the request. A failure here is logged and never
changes the answer.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, Response, current_app, g, request
from sqlalchemy import Engine

from billing_core.billing_calendar import utcnow
from billing_core.sql import is_postgresql
from ivr.outcomes import channels
from ivr.outcomes.exchange import RecordingRasa, exchanges
from ivr.outcomes.recorder import TurnEvent, end_conversation, events_engine, record_turn
from ivr.rasa_client import pseudonym
from ivr.settings import web_settings

log = logging.getLogger(__name__)

VOICE_TURNS = {"voice.incoming", "voice.gather", "voice.pay", "voice.fallback"}
FINAL_CALL_STATUSES = {"completed", "busy", "failed", "no-answer", "canceled"}


def remember_call(call: Any, prior: dict[str, Any]) -> None:
    """Called by the voice turn once it has answered: the call, and its state before the turn."""
    g.outcome_call = (call, prior)


def conversation_ref(channel: str, local_id: str) -> str:
    """A keyed hash of the channel's own id (CallSid, chat session, phone): never the id itself."""
    return pseudonym(f"{channel}:{local_id}", current_app.config["SENDER_ID_KEY"])


def init_app(app: Flask) -> None:
    settings = web_settings(app).outcomes
    if not settings.enabled:
        return
    app.extensions["rasa"] = RecordingRasa(app.extensions["rasa"])

    @app.before_request
    def _start() -> None:
        g.outcome_started = time.perf_counter()

    @app.after_request
    def _record(response: Response) -> Response:
        if request.blueprint not in ("voice", "sms", "chat") or request.method != "POST":
            return response
        try:
            _record_request(response)
        except Exception as exc:  # the member's answer never depends on the statistics
            log.warning("outcome event not recorded: %s", type(exc).__name__)
        return response


_ENGINES: dict[str, Engine] = {}  # one events pool per database and process, however many apps


def _events_engine() -> Engine:
    billing = current_app.extensions["billing"].engine
    if not is_postgresql(billing):
        return billing
    key = billing.url.render_as_string(hide_password=False)
    if key not in _ENGINES:
        _ENGINES[key] = events_engine(billing)
    return _ENGINES[key]


def _record_request(response: Response) -> None:
    engine = _events_engine()
    at = utcnow()
    latency_ms = int((time.perf_counter() - g.get("outcome_started", time.perf_counter())) * 1000)
    endpoint = request.endpoint or ""
    event: TurnEvent | None = None
    if endpoint in VOICE_TURNS and g.get("outcome_call") is not None:
        call, prior = g.outcome_call
        event = channels.voice_event(
            call,
            prior,
            exchanges(),
            ref=conversation_ref("voice", call.sid),
            at=at,
            latency_ms=latency_ms,
            fallback_url=endpoint == "voice.fallback",
        )
    elif endpoint == "voice.status":
        sid = request.form.get("CallSid", "")
        if sid and request.form.get("CallStatus") in FINAL_CALL_STATUSES:
            end_conversation(engine, conversation_ref("voice", sid), at)
    elif endpoint == "sms.inbound" and request.form.get("From"):
        event = channels.sms_event(
            request.form.to_dict(),
            exchanges(),
            ref=conversation_ref("sms", request.form["From"]),
            at=at,
            latency_ms=latency_ms,
        )
    elif (
        endpoint == "chat.message"
        and g.get("chat_session_id")
        and response.status_code
        in (
            200,
            503,
        )
    ):
        event = channels.chat_event(
            request.get_json(silent=True),
            exchanges(),
            ref=conversation_ref("chat", g.chat_session_id),
            at=at,
            latency_ms=latency_ms,
            unavailable=response.status_code == 503,
        )
    if event is not None:
        record_turn(engine, event)
