"""Structured JSON logs without sensitive digits.

One JSON object a line with the conversation id of the request (voice: CallSid; SMS: a hash of the
phone number; chat: the session id prefix). The formatter masks every run of 4 or more digits in
the message, the exception text and any extra field except a few known-safe ones, so a bank
account number, a phone number or an account number cannot reach a log line even by accident.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from flask import g, has_request_context, request

_LONG_DIGITS = re.compile(r"\d{4,}")
MASK = "####"
# Identifiers that are digits by design and carry no secret (CallSids are random hex).
SAFE_FIELDS = frozenset({"call_sid", "conversation_id", "turn", "status", "duration_ms", "pid"})
_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def mask_digits(value: str) -> str:
    return _LONG_DIGITS.sub(MASK, value)


def _masked(key: str, value: Any) -> Any:
    if key in SAFE_FIELDS:
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return MASK if len(str(int(value))) >= 4 else value
    return mask_digits(str(value))


def conversation_context() -> dict[str, str]:
    """The channel and conversation id of the current request, if any (safe to log)."""
    if not has_request_context():
        return {}
    cached = g.get("log_context")
    if cached is not None:
        return cached
    blueprint = request.blueprint or ""
    context: dict[str, str] = {}
    if blueprint:
        context["channel"] = blueprint
    if blueprint == "voice":
        sid = request.form.get("CallSid", "")
        if re.fullmatch(r"CA[0-9a-fA-F]{32}", sid):
            context["call_sid"] = sid
    elif blueprint == "sms":
        phone = request.form.get("From") or request.form.get("To") or ""
        if phone:  # the phone number is personal data: log a stable pseudonym instead
            digest = hashlib.sha256(phone.encode()).hexdigest()[:12]
            context["conversation_id"] = f"sms-{digest}"
    chat_session = g.get("chat_session_id")
    if isinstance(chat_session, str) and chat_session:
        context["conversation_id"] = f"chat-{chat_session[:10]}"
    if "conversation_id" in context or "call_sid" in context or blueprint != "chat":
        g.log_context = context
    return context


class JsonFormatter(logging.Formatter):
    """One JSON object a line; every field but the known-safe ones has its digit runs masked.

    Masking happens here, in our handler's formatter, and not in a filter that rewrites the
    record: other handlers (pytest's caplog, a platform agent) keep seeing the original record.
    """

    def format(self, record: logging.LogRecord) -> str:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the line
            message = f"{record.msg} {record.args!r}"
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": mask_digits(message),
        }
        entry.update(conversation_context())
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_") and key not in entry:
                entry[key] = _masked(key, value)
        if record.exc_info:
            entry["exception"] = mask_digits(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = mask_digits(record.exc_text)
        return json.dumps(entry, ensure_ascii=False)


class MaskedTextFormatter(logging.Formatter):
    """Plain text lines (LOG_FORMAT=text), the whole line digit-masked."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_digits(super().format(record))


class _OwnHandler(logging.StreamHandler):
    """Our handler (configuring twice adds nothing); writes to whatever sys.stderr is now."""

    @property  # type: ignore[override]
    def stream(self):  # type: ignore[no-untyped-def]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # type: ignore[no-untyped-def]
        pass  # StreamHandler.__init__ assigns it; the live sys.stderr is used instead


def configure_logging(level: str = "INFO", fmt: str = "json") -> logging.Handler:
    """Root logging: JSON (default) or text lines, always digit-masked."""
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, _OwnHandler):
            return handler
    handler = _OwnHandler()
    if fmt.lower() == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(MaskedTextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler
