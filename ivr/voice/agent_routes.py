"""Twilio webhooks of the hand-off to agents: the queue's wait URL and the agent's whisper URL.

Neither is a turn of the call flow: the wait URL is asked again and again while the caller holds,
and the whisper is played to the agent's leg. Both check `X-Twilio-Signature` like every webhook.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from ivr.twilio_signature import twilio_signed
from ivr.voice.handoff import Context
from ivr.voice.queue_wait import wait_twiml, whisper_twiml

bp = Blueprint("voice_agents", __name__, url_prefix="/voice")


def _twiml(body: object) -> Response:
    return Response(str(body), mimetype="text/xml")


@bp.post("/queue/wait")
@twilio_signed
def queue_wait() -> Response:
    """Position in line and the estimated wait, then hold music (Twilio asks again after it)."""
    return _twiml(wait_twiml(request.form.to_dict(), request.args.get("locale", "en")))


@bp.post("/whisper")
@twilio_signed
def whisper() -> Response:
    """Said to the agent who answers, before the caller is connected: the hand-off context."""
    sid = request.args.get("call") or ""
    state = current_app.extensions["voice_calls"].load(sid) if sid else None
    return _twiml(whisper_twiml(Context.from_state((state or {}).get("handoff"))))
