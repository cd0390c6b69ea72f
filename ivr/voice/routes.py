"""Twilio voice webhooks: incoming call, Gather results, <Pay> results, status and fallback URLs."""

from __future__ import annotations

import logging
import re
import time
import traceback
from collections.abc import Callable

from flask import Blueprint, Response, current_app, request
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from billing_core import accounts
from billing_core.billing_calendar import utcnow
from billing_core.unit_of_work import UnitOfWork
from ivr.outcomes.hooks import remember_call
from ivr.settings import web_settings
from ivr.twilio_signature import twilio_signed
from ivr.voice import flow
from ivr.voice.call import Call
from ivr.voice.hours import agents_available, transfer
from ivr.voice.state import CallStore, InitialState
from ivr.voice.twiml import speak

log = logging.getLogger(__name__)

bp = Blueprint("voice", __name__, url_prefix="/voice")
FINAL_STATUSES = {"completed", "busy", "failed", "no-answer", "canceled"}


@bp.record_once
def _configure(state) -> None:  # type: ignore[no-untyped-def]
    app = state.app
    app.extensions["voice_calls"] = CallStore(app.extensions["billing"])


def twiml(body: str) -> Response:
    return Response(body, mimetype="text/xml")


def _store() -> CallStore:
    return current_app.extensions["voice_calls"]


def _call(claim) -> Call:  # type: ignore[no-untyped-def]
    return Call(
        claim=claim,
        form=request.form.to_dict(),
        settings=web_settings().channels,
        runtime=current_app.extensions["billing"],
        rasa=current_app.extensions["rasa"],
        now=utcnow(),
        pay_connector=web_settings().channels.pay_connector,
    )


def run_turn(
    turn: int, handler: Callable[[Call], VoiceResponse], initial: InitialState = None
) -> Response:
    """Run one turn once: a repeated delivery of the same CallSid + turn gets the same answer."""
    started = time.perf_counter()
    sid = request.form.get("CallSid", "")
    if not sid:
        return twiml(str(speak([("voice_error", {})], "en").hangup()))
    store = _store()
    claim = store.claim(sid, turn, initial)
    if claim.replay is not None:
        log.info("call %s turn %s delivered again: replaying the answer", sid, turn)
        return twiml(claim.replay)
    if claim.busy:
        answer = store.wait_for_answer(sid, turn)
        if answer is not None:
            return twiml(answer)
        held = VoiceResponse()
        held.pause(length=1)
        held.redirect(request.full_path, method="POST")
        return twiml(str(held))
    call = _call(claim)
    prior = dict(claim.state)  # the outcome event compares the state before and after the turn
    try:
        response = handler(call)
    except Exception:
        store.release(claim)
        raise
    body = str(response)
    store.finish(claim, body)
    remember_call(call, prior)
    log.info(
        "call %s turn %s step %s answered in %.0f ms (Rasa %.0f ms)",
        sid,
        turn,
        call.state.get("step"),
        (time.perf_counter() - started) * 1000,
        call.rasa_ms,
    )
    return twiml(body)


def _turn() -> int:
    try:
        return int(request.args.get("turn", ""))
    except ValueError:
        return _store().last_turn(request.form.get("CallSid", "")) + 1


@bp.post("/incoming")
@twilio_signed
def incoming() -> Response:
    phone = request.form.get("From") or None

    def initial(uow: UnitOfWork) -> dict:  # looked up in the claim's transaction, once per call
        caller_account = accounts.account_for_caller_id(uow, phone)
        return {"locale": "en", "phone": phone, "caller_account": caller_account, "misses": 0}

    return run_turn(0, flow.start, initial)


@bp.post("/gather")
@twilio_signed
def gather() -> Response:
    return run_turn(_turn(), flow.on_gather)


@bp.post("/pay")
@twilio_signed
def pay() -> Response:
    return run_turn(_turn(), flow.on_pay_result)


@bp.post("/pay/status")
@twilio_signed
def pay_status() -> Response:
    # Progress of <Pay> (which field is being collected); nothing sensitive is in it or kept.
    log.info("Pay status on call %s: %s", request.form.get("CallSid"), request.form.get("For"))
    return Response(status=204)


@bp.post("/status")
@twilio_signed
def status() -> Response:
    sid = request.form.get("CallSid", "")
    if sid and request.form.get("CallStatus") in FINAL_STATUSES:
        _store().end_call(sid)
    return Response(status=204)


@bp.post("/fallback")
@twilio_signed
def fallback() -> Response:
    """Twilio's fallback URL (the primary answer failed): the outage menu, with state if any."""
    log.warning(
        "fallback URL called for call %s (ErrorCode %s)",
        request.form.get("CallSid"),
        request.form.get("ErrorCode"),
    )
    sid = request.form.get("CallSid", "")
    phone = request.form.get("From") or None
    initial = {"locale": "en", "phone": phone, "caller_account": None, "misses": 0}
    return run_turn(_store().last_turn(sid) + 1, flow.on_fallback, initial)


_LONG_DIGITS = re.compile(r"\d{4,}")


def _redacted(exc: BaseException) -> str:
    # Database errors quote statement parameters; no digit run of 4+ may reach a log line.
    return _LONG_DIGITS.sub("[digits]", f"{type(exc).__name__}: {exc}")


@bp.errorhandler(Exception)
def answer_errors(exc: Exception) -> Response | HTTPException:
    """Never Twilio's 'application error': any fault still answers valid TwiML."""
    if isinstance(exc, HTTPException):
        return exc
    log.error(
        "voice webhook %s failed: %s\n%s",
        request.path,
        _redacted(exc),
        "".join(traceback.format_tb(exc.__traceback__)),
    )
    response = speak([("voice_error", {})], "en")
    if request.path != "/voice/fallback":
        response.redirect("/voice/fallback", method="POST")
        return twiml(str(response))
    settings = web_settings().channels
    if agents_available(utcnow(), settings.holidays):
        return twiml(
            str(
                transfer(speak([("voice_error", {}), ("voice_agent_transfer", {})], "en"), settings)
            )
        )
    return twiml(str(speak([("voice_error", {}), ("voice_agent_closed", {})], "en").hangup()))
