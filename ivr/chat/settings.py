"""Web-chat settings, read from app.config first and the environment second when the app starts."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
DEFAULT_KEY_FILE = Path(__file__).resolve().parents[2] / "var" / "chat-secret.key"


def _key_from_file(path: Path) -> str:
    """Every gunicorn worker must sign with the same key, so a generated one is kept in a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text().strip()
        if key:
            return key
        raise ValueError(f"{path} is empty; delete it or set CHAT_SECRET_KEY") from None
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(32))
    log.warning("CHAT_SECRET_KEY is not set; generated one in %s", path)
    return path.read_text().strip()


def _split(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else value
    return tuple(item.strip().rstrip("/").lower() for item in items if item and item.strip())


def _flag(value: object) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


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
            value = config.get(name)
            if value is None or value == "":
                value = env.get(name)
            return default if value is None or value == "" else value

        secret = get("CHAT_SECRET_KEY") or config.get("SECRET_KEY")
        if not secret:
            secret = _key_from_file(Path(get("CHAT_SECRET_KEY_FILE", DEFAULT_KEY_FILE)))
        samesite = str(get("CHAT_COOKIE_SAMESITE", cls.cookie_samesite)).capitalize()
        if samesite not in {"Lax", "Strict", "None"}:
            raise ValueError(f"CHAT_COOKIE_SAMESITE must be Lax, Strict or None, not {samesite!r}")
        return cls(
            secret_key=str(secret),
            allowed_origins=_split(get("CHAT_ALLOWED_ORIGINS")),
            max_message_chars=int(get("CHAT_MAX_MESSAGE_CHARS", cls.max_message_chars)),
            idle_timeout_seconds=int(get("CHAT_IDLE_TIMEOUT_SECONDS", cls.idle_timeout_seconds)),
            max_session_seconds=int(get("CHAT_MAX_SESSION_SECONDS", cls.max_session_seconds)),
            limit_per_session=str(get("CHAT_LIMIT_PER_SESSION", cls.limit_per_session)),
            limit_per_ip=str(get("CHAT_LIMIT_PER_IP", cls.limit_per_ip)),
            ratelimit_storage_uri=str(get("CHAT_RATELIMIT_STORAGE_URI", cls.ratelimit_storage_uri)),
            cookie_secure=_flag(get("CHAT_COOKIE_SECURE")),
            cookie_samesite=samesite,
        )
