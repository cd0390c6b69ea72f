"""Channel settings read from the environment when the Flask app starts."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ChannelSettings:
    twilio_auth_token: str = "dev-auth-token-not-secret"  # noqa: S105 (development only)
    public_base_url: str | None = None  # e.g. https://ivr.example.org behind a proxy or tunnel
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_seconds: float = 3.0
    agent_number: str = "+18776236765"
    agent_queue: str | None = None
    holidays: tuple[str, ...] = field(default_factory=tuple)  # ISO dates without agents
    twilio_account_sid: str | None = None
    twilio_from_number: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_base_url: str | None = None  # tests point the REST client at a local mock

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> ChannelSettings:
        env = dict(os.environ if env is None else env)
        return cls(
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or cls.twilio_auth_token,
            public_base_url=(env.get("PUBLIC_BASE_URL") or "").rstrip("/") or None,
            rasa_url=(env.get("RASA_URL") or cls.rasa_url).rstrip("/"),
            rasa_timeout_seconds=float(env.get("RASA_TIMEOUT_SECONDS") or 3.0),
            agent_number=env.get("AGENT_NUMBER") or cls.agent_number,
            agent_queue=env.get("AGENT_QUEUE") or None,
            holidays=tuple(h for h in (env.get("AGENT_HOLIDAYS") or "").split(",") if h),
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or None,
            twilio_from_number=env.get("TWILIO_FROM_NUMBER") or None,
            twilio_messaging_service_sid=env.get("TWILIO_MESSAGING_SERVICE_SID") or None,
            twilio_api_base_url=env.get("TWILIO_API_BASE_URL") or None,
        )
