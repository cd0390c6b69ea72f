"""The channel settings of an ivr process (Twilio, Rasa, agents, logging): one section of the web
app's and the SMS job's settings (ivr.settings), read from the environment when the process starts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from billing_core.secrets import secret
from billing_core.settings import CUSTOMER_SERVICE_E164


@dataclass(frozen=True)
class ChannelSettings:
    # No default: a token nobody configured would let anyone sign Twilio webhooks. from_env takes
    # it from billing_core.secrets (refused outside development mode when missing or public).
    twilio_auth_token: str
    public_base_url: str | None = None  # e.g. https://ivr.example.org behind a proxy or tunnel
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_seconds: float = 3.0
    agent_number: str = CUSTOMER_SERVICE_E164
    agent_queue: str | None = None
    holidays: tuple[str, ...] = field(default_factory=tuple)  # ISO dates without agents
    twilio_account_sid: str | None = None
    twilio_from_number: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_base_url: str | None = None  # tests point the REST client at a local mock
    trusted_proxies: int = 0  # proxies in front of the app that append to X-Forwarded-For
    pay_connector: str | None = None  # a Twilio Pay connector: pay by phone then uses <Pay>
    # "app": we confirm a STOP ourselves; "twilio": the Messaging Service's Advanced Opt-Out does.
    sms_opt_out_reply: str = "app"
    log_format: str = "json"  # or "text"
    log_level: str = "INFO"
    metrics_multiprocess: bool = False  # PROMETHEUS_MULTIPROC_DIR set: /metrics sums the workers

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> ChannelSettings:
        env = dict(os.environ if env is None else env)
        return cls(
            twilio_auth_token=secret("TWILIO_AUTH_TOKEN", env),
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
            trusted_proxies=_count(env.get("TRUSTED_PROXIES"), "TRUSTED_PROXIES"),
            pay_connector=env.get("TWILIO_PAY_CONNECTOR") or None,
            sms_opt_out_reply=env.get("SMS_OPT_OUT_REPLY") or cls.sms_opt_out_reply,
            log_format=env.get("LOG_FORMAT") or cls.log_format,
            log_level=env.get("LOG_LEVEL") or cls.log_level,
            metrics_multiprocess=bool(env.get("PROMETHEUS_MULTIPROC_DIR")),
        )


def _count(value: str | None, name: str) -> int:
    number = int(value or 0)
    if number < 0:
        raise ValueError(f"{name} must be 0 or more, not {number}")
    return number
