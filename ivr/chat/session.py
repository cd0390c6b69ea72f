"""One Rasa conversation per browser session: a random id in a signed, expiring cookie."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from flask import Request, Response
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

COOKIE_NAME = "hc_chat"
SALT = "ivr.chat.session"


@dataclass(frozen=True)
class ChatSession:
    id: str
    started: int  # unix seconds
    status: str  # "new", "continued" or "expired" (an old cookie was presented but is no good)


class SessionStore:
    """Signs the session id; its timestamp gives the idle timeout, `started` the overall cap."""

    def __init__(self, secret_key: str, idle_seconds: int, max_seconds: int):
        self._serializer = URLSafeTimedSerializer(secret_key, salt=SALT)
        self.idle_seconds = idle_seconds
        self.max_seconds = max_seconds

    def load(self, request: Request, now: float | None = None) -> ChatSession:
        now = time.time() if now is None else now
        raw = request.cookies.get(COOKIE_NAME)
        if not raw:
            return self._new("new", now)
        try:
            data = self._serializer.loads(raw, max_age=self.idle_seconds)
        except SignatureExpired:
            return self._new("expired", now)
        except BadSignature:
            return self._new("new", now)  # forged or from an old key: not worth telling the user
        if not isinstance(data, dict) or not isinstance(data.get("sid"), str):
            return self._new("new", now)
        started = int(data.get("t", 0))
        if now - started > self.max_seconds:
            return self._new("expired", now)
        return ChatSession(id=data["sid"], started=started, status="continued")

    def save(
        self, response: Response, session: ChatSession, *, secure: bool, samesite: str
    ) -> None:
        """Re-sign on every answer so the idle timeout slides with the conversation."""
        value = self._serializer.dumps({"sid": session.id, "t": session.started})
        response.set_cookie(
            COOKIE_NAME,
            value,
            max_age=self.idle_seconds,
            path="/chat/api",
            secure=secure,
            httponly=True,
            samesite=samesite,
        )

    @staticmethod
    def _new(status: str, now: float) -> ChatSession:
        return ChatSession(id=f"web-{secrets.token_urlsafe(18)}", started=int(now), status=status)
