"""SMS webhooks: inbound texts (TwiML replies) and delivery status callbacks, both Twilio-signed."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from twilio.twiml.messaging_response import MessagingResponse

from billing_core.billing_calendar import utcnow
from ivr.observability import count_sms_status
from ivr.settings import web_settings
from ivr.sms.inbound import handle_inbound
from ivr.sms.status import record_status
from ivr.twilio_signature import twilio_signed
from messages.render import render

bp = Blueprint("sms", __name__, url_prefix="/sms")


def _twiml(text: str | None) -> Response:
    response = MessagingResponse()
    if text:
        response.message(text)
    return Response(str(response), mimetype="text/xml")


def _reply_to_opt_out() -> bool:
    # "app": we confirm STOP ourselves (a plain long code). "twilio": the Messaging Service's
    # Advanced Opt-Out sends the confirmation, so replying too would text the member twice.
    return (web_settings().channels.sms_opt_out_reply or "app").lower() != "twilio"


@bp.post("/inbound")
@twilio_signed
def inbound() -> Response:
    try:
        reply = handle_inbound(
            current_app.extensions["billing"],
            current_app.extensions["rasa"],
            phone=request.form.get("From", ""),
            body=request.form.get("Body", ""),
            now=utcnow(),
            reply_to_opt_out=_reply_to_opt_out(),
            sender_key=current_app.config["SENDER_ID_KEY"],
        )
    except Exception:
        # Never a 500 to Twilio (it would retry and then text nothing): apologize instead.
        current_app.logger.exception("inbound SMS failed")
        reply = render("sms_unavailable", locale="en", channel="sms")
    return _twiml(reply)


@bp.post("/status")
@twilio_signed
def status() -> tuple[str, int]:
    form = request.form
    sid = form.get("MessageSid") or form.get("SmsSid")
    state = form.get("MessageStatus") or form.get("SmsStatus")
    if not sid or not state:
        return "", 204
    count_sms_status(state, reminder=bool(request.args.get("r")))
    try:
        error_code = int(form["ErrorCode"]) if form.get("ErrorCode", "").isdigit() else None
        reminder = request.args.get("r", "")
        with current_app.extensions["billing"].uow() as uow:
            record_status(
                uow,
                sid=sid,
                status=state,
                error_code=error_code,
                to=form.get("To"),
                reminder_id=int(reminder) if reminder.isdigit() else None,
                now=utcnow(),
            )
    except Exception:
        current_app.logger.exception("SMS status callback failed")
    return "", 204
