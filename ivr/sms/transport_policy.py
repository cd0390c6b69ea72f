"""Which SMS transport a process may use: Twilio's REST API, or the outbox in development mode only."""

from __future__ import annotations

from billing_core.environment import development_mode
from billing_core.secrets import MissingSecret, secret
from ivr.config import ChannelSettings


class SmsNotConfigured(MissingSecret):
    """Outside development mode texts go through Twilio's REST API or not at all."""

    def __init__(self, missing: str):
        super().__init__(
            missing,
            "is not set: texts are sent through Twilio's REST API outside development mode "
            "(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER or "
            "TWILIO_MESSAGING_SERVICE_SID)",
        )


def masked_number(phone: str) -> str:
    """The last 4 digits only: enough to tell test numbers apart on a developer's screen."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return "*" * max(len(digits) - 4, 0) + digits[-4:]


def require_twilio_rest(channels: ChannelSettings) -> None:
    """Outside development mode: refuse to go on without Twilio's REST credentials."""
    if development_mode():
        return
    if not channels.twilio_account_sid:
        raise SmsNotConfigured("TWILIO_ACCOUNT_SID")
    if not (channels.twilio_from_number or channels.twilio_messaging_service_sid):
        raise SmsNotConfigured("TWILIO_FROM_NUMBER")
    # Settings built by hand (not from_env) get the same check: no public token, ever.
    secret("TWILIO_AUTH_TOKEN", {"TWILIO_AUTH_TOKEN": channels.twilio_auth_token})
