"""Web-chat blueprint: the /chat page, the one-script-tag widget and the JSON endpoint to Rasa."""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    render_template,
    request,
    send_from_directory,
)
from flask.blueprints import BlueprintSetupState
from flask_limiter import RateLimitExceeded

from ivr.chat import guard
from ivr.chat.session import ChatSession, SessionStore
from ivr.rasa_client import BotMessage, RasaUnavailable, pseudonym, sender_id
from ivr.settings import web_settings
from ivr.untrusted import as_text, holds_bank_or_card_number
from messages.render import SUPPORTED_LOCALES, UnknownMessage, normalize_locale, render

log = logging.getLogger(__name__)

bp = Blueprint(
    "chat",
    __name__,
    url_prefix="/chat",
    static_folder="static",
    static_url_path="/static",
    template_folder="templates",
)

MAX_BODY_BYTES = 8192
# "/intent" or "/faq/topic" as quick-reply buttons send them; "/intent{...}" would let a visitor
# set entities (and so slots) directly, so those are never forwarded as intents.
INTENT_PAYLOAD = re.compile(r"^/[a-z_]+(?:/[a-z_]+)?$")
UI_STRINGS = (
    "chat_page_title",
    "chat_title",
    "chat_subtitle",
    "chat_intro",
    "chat_log_label",
    "chat_you_said",
    "chat_assistant_said",
    "chat_input_label",
    "chat_placeholder",
    "chat_input_hint",
    "chat_send",
    "chat_other_language",
    "chat_other_language_hint",
    "chat_open",
    "chat_close",
    "chat_quick_replies",
    "chat_typing",
    "chat_unavailable",
    "chat_rate_limited",
    "chat_request_refused",
    "chat_empty",
    "chat_too_long",
)
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


class ChatExtension:
    """Per-app state: settings, the session signer and a limiter of its own (`ivr.chat.guard`)."""

    def __init__(self, app: Flask):
        self.settings = web_settings(app).chat
        self.sessions = SessionStore(
            self.settings.secret_key,
            self.settings.idle_timeout_seconds,
            self.settings.max_session_seconds,
        )
        self.limiter = guard.new_limiter(app, self.settings)


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    state.app.extensions["chat"] = ChatExtension(state.app)


def _chat() -> ChatExtension:
    return current_app.extensions["chat"]


def phone_display() -> str:
    number = web_settings().channels.agent_number
    digits = re.sub(r"\D", "", number)
    if len(digits) == 11 and digits.startswith("1"):
        return f"1-{digits[1:4]}-{digits[4:7]}-{digits[7:]}"
    return number


def _text(msg: str, locale: str, **params: Any) -> str:
    return render(msg, params, locale=locale, channel="web")


def _notice(msg: str, locale: str, **params: Any) -> dict[str, Any]:
    return {"text": _text(msg, locale, **params), "buttons": [], "kind": "notice"}


def _request_locale(value: object = None) -> str:
    if isinstance(value, str) and value:
        return normalize_locale(value)
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or "en"


# ---------------------------------------------------------------- pages and assets


@bp.get("")
def page() -> Response:
    locale = _request_locale(request.args.get("lang"))
    html = render_template(
        "chat/page.html",
        locale=locale,
        page_title=_text("chat_page_title", locale),
        title=_text("chat_title", locale),
        subtitle=_text("chat_subtitle", locale),
    )
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@bp.get("/widget.js")
def widget_js() -> Response:
    response = send_from_directory(bp.static_folder, "widget.js", max_age=300)
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    # The website loads this script from our origin with a plain <script> tag; no CORS needed.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


# ---------------------------------------------------------------- JSON API


@bp.get("/api/strings", provide_automatic_options=False)
def strings() -> Response:
    """The widget's own wording, rendered in one locale (the widget has no text of its own)."""
    guard.limit_address(_chat().limiter, _chat().settings)
    locale = _request_locale(request.args.get("locale"))
    limit = _chat().settings.max_message_chars
    phone = phone_display()
    return jsonify(
        locale=locale,
        max_chars=limit,
        strings={key: _text(key, locale, limit=limit, phone=phone) for key in UI_STRINGS},
    )


@bp.post("/api/message", provide_automatic_options=False)
def message() -> tuple[Response, int] | Response:
    chat = _chat()
    settings = chat.settings
    body = _json_body()
    locale = _request_locale(body.get("locale") if body else None)
    phone = phone_display()

    guard.limit_address(chat.limiter, settings)
    if not guard.csrf_ok(settings.allowed_origins):
        return _error("forbidden", 403, [_notice("chat_request_refused", locale, phone=phone)])
    session = chat.sessions.load(request)
    guard.limit_session(chat.limiter, settings, session.id)

    if body is None:
        return _error("bad_request", 400, [_notice("chat_empty", locale)], session)
    text = body.get("message")
    if not isinstance(text, str) or not text.strip():
        return _error("empty", 400, [_notice("chat_empty", locale)], session)
    text = text.strip()
    if len(text) > settings.max_message_chars:
        notice = _notice("chat_too_long", locale, limit=settings.max_message_chars)
        return _error("too_long", 413, [notice], session)

    answers: list[dict[str, Any]] = []
    if session.status == "expired":
        answers.append(_notice("chat_session_expired", locale))
    if holds_bank_or_card_number(text):
        log.info("chat %s: message withheld from Rasa (bank or card number)", session.id[:10])
        answers.append(_notice("chat_no_bank_numbers", locale, phone=phone))
        return _reply({"locale": locale, "messages": answers}, 200, session)
    if not INTENT_PAYLOAD.match(text):  # a button's payload (an intent, no entities) or words
        text = as_text(text)

    # Verification failures are limited per client address too; Rasa sees only a keyed hash.
    client = pseudonym(request.remote_addr or "", current_app.config["SENDER_ID_KEY"])
    try:
        bot = current_app.extensions["rasa"].send(
            sender_id("web", session.id), text, {"locale": locale, "client": client}
        )
    except RasaUnavailable as exc:
        log.warning("chat %s: Rasa unavailable: %s", session.id[:10], exc)
        answers.append(_notice("chat_unavailable", locale, phone=phone))
        return _reply({"error": "unavailable", "locale": locale, "messages": answers}, 503, session)
    answers.extend(_render_bot(m, locale, phone) for m in bot)
    return _reply({"locale": locale, "messages": answers}, 200, session)


def _json_body() -> dict[str, Any] | None:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return None
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else None


def _render_bot(message: BotMessage, locale: str, phone: str) -> dict[str, Any]:
    try:
        text = _text(message.msg, locale, **message.params)
        buttons = [
            {
                "title": _text(str(button["title_msg"]), locale),
                "payload": str(button["payload"]),
            }
            for button in message.buttons
            if INTENT_PAYLOAD.match(str(button.get("payload", "")))
        ]
    except (UnknownMessage, KeyError, ValueError) as exc:
        # A message id the catalogs lack is a deployment mismatch; say something useful anyway.
        log.error("chat: cannot render %r: %s", message.msg, type(exc).__name__)
        return _notice("chat_answer_missing", locale, phone=phone)
    return {"text": text, "buttons": buttons, "kind": "bot"}


def _reply(payload: dict[str, Any], status: int, session: ChatSession) -> tuple[Response, int]:
    response = jsonify(payload)
    settings = _chat().settings
    secure = settings.cookie_secure if settings.cookie_secure is not None else request.is_secure
    _chat().sessions.save(response, session, secure=secure, samesite=settings.cookie_samesite)
    return response, status


def _error(
    code: str, status: int, messages: list[dict[str, Any]], session: ChatSession | None = None
) -> tuple[Response, int]:
    payload = {"error": code, "messages": messages}
    if session is None:
        return jsonify(payload), status
    return _reply(payload, status, session)


# ---------------------------------------------------------------- guards (ivr/chat/guard.py)


@bp.errorhandler(RateLimitExceeded)
def _rate_limited(exc: RateLimitExceeded) -> Response:
    locale = _request_locale((request.get_json(silent=True) or {}).get("locale"))
    return guard.rate_limited(exc, [_notice("chat_rate_limited", locale)])


@bp.route("/api/<path:_any>", methods=["OPTIONS"])
def preflight(_any: str) -> Response:
    return guard.preflight(_chat().settings.allowed_origins)


@bp.after_request
def _api_headers(response: Response) -> Response:
    if not request.path.startswith("/chat/api/"):
        return response
    return guard.api_headers(response, _chat().settings.allowed_origins)
