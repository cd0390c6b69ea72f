"""Staff console settings (ivr.ops.auth), read from app.config first and the environment second."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from billing_core.environment import development_mode, first_set, flag


@dataclass(frozen=True)
class OpsSettings:
    secret_key: str | None = None  # OPS_SECRET_KEY; None: derived from OPS_TOKEN
    cookie_secure: bool = True  # OPS_COOKIE_SECURE; unset: Secure outside development mode
    idle_minutes: int = 15  # OPS_IDLE_MINUTES without a request end the session
    session_hours: float = 8.0  # OPS_SESSION_HOURS end it in any case

    @classmethod
    def load(cls, config: Mapping[str, Any], env: Mapping[str, str] | None = None) -> OpsSettings:
        env = os.environ if env is None else env
        secure = first_set("OPS_COOKIE_SECURE", config, env)
        return cls(
            secret_key=str(first_set("OPS_SECRET_KEY", config, env) or "") or None,
            cookie_secure=not development_mode(env) if secure is None else flag(secure, False),
            idle_minutes=int(first_set("OPS_IDLE_MINUTES", config, env) or cls.idle_minutes),
            session_hours=float(first_set("OPS_SESSION_HOURS", config, env) or cls.session_hours),
        )
