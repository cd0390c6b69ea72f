"""Web-chat settings, read from app.config first and the environment second when the app starts."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from billing_core.environment import first_set, flag
from billing_core.secrets import secret


def _split(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else value
    return tuple(item.strip().rstrip("/").lower() for item in items if item and item.strip())


@dataclass(frozen=True)
class ChatSettings:
    secret_key: str
    allowed_origins: tuple[str, ...] = ()  # other sites that may embed the widget (CORS)
    max_message_chars: int = 500
    idle_timeout_seconds: int = 30 * 60  # the conversation ends after this long without a message
    max_session_seconds: int = 8 * 60 * 60  # and in any case after this long
    limit_per_session: str = "20/minute;200/hour"
    limit_per_ip: str = "60/minute;600/hour"  # higher: many members share one NAT address
    ratelimit_storage_uri: str = "memory://"
    cookie_secure: bool | None = None  # None: Secure when the request came over HTTPS
    cookie_samesite: str = "Lax"  # "None" (with HTTPS) when the widget is embedded cross-site

    @classmethod
    def load(cls, config: Mapping[str, Any], env: Mapping[str, str] | None = None) -> ChatSettings:
        env = os.environ if env is None else env

        def get(name: str, default: Any = None) -> Any:
            value = first_set(name, config, env)
            return default if value is None else value

        # Every gunicorn worker signs with this key: from the secret store, or in development
        # mode the public development value (the same in every worker, never a generated file).
        key = get("CHAT_SECRET_KEY") or config.get("SECRET_KEY") or ""
        key = secret("CHAT_SECRET_KEY", {**env, "CHAT_SECRET_KEY": str(key)})
        samesite = str(get("CHAT_COOKIE_SAMESITE", cls.cookie_samesite)).capitalize()
        if samesite not in {"Lax", "Strict", "None"}:
            raise ValueError(f"CHAT_COOKIE_SAMESITE must be Lax, Strict or None, not {samesite!r}")
        # Unset: Secure when the request came over HTTPS; set: yes or no (any other word is no).
        secure = get("CHAT_COOKIE_SECURE")
        cookie_secure = None if secure is None else flag(secure, False)
        return cls(
            secret_key=key,
            allowed_origins=_split(get("CHAT_ALLOWED_ORIGINS")),
            max_message_chars=int(get("CHAT_MAX_MESSAGE_CHARS", cls.max_message_chars)),
            idle_timeout_seconds=int(get("CHAT_IDLE_TIMEOUT_SECONDS", cls.idle_timeout_seconds)),
            max_session_seconds=int(get("CHAT_MAX_SESSION_SECONDS", cls.max_session_seconds)),
            limit_per_session=str(get("CHAT_LIMIT_PER_SESSION", cls.limit_per_session)),
            limit_per_ip=str(get("CHAT_LIMIT_PER_IP", cls.limit_per_ip)),
            ratelimit_storage_uri=str(get("CHAT_RATELIMIT_STORAGE_URI", cls.ratelimit_storage_uri)),
            cookie_secure=cookie_secure,
            cookie_samesite=samesite,
        )
