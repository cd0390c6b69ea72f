"""The secrets each process needs, and the one explicit development mode allowed to default them.

Outside development mode (`HC_DEVELOPMENT=1`, set by `make run` and the tests) a missing secret, or
one of the public development values below, stops the process at start-up with the setting's name.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from billing_core.environment import DEVELOPMENT_VAR, development_mode

# Public values: anyone can read them here, so they are only good on a developer's machine.
DEVELOPMENT_VALUES = {
    "TWILIO_AUTH_TOKEN": "dev-auth-token-not-secret",
    "CHAT_SECRET_KEY": "dev-chat-secret-not-secret",
    "RASA_CHANNEL_SECRET": "dev-rasa-channel-secret-not-secret",
    "RASA_API_TOKEN": "dev-rasa-api-token-not-secret",
    "ACTION_SERVER_SECRET": "dev-action-server-secret-not-secret",
    "OPS_TOKEN": "dev-ops-token-not-secret",
    "SENDER_ID_KEY": "dev-sender-id-key-not-secret",
}


class MissingSecret(RuntimeError):
    """A process was started outside development mode without a real value for a secret."""

    def __init__(self, name: str, reason: str = "is not set"):
        super().__init__(
            f"{name} {reason}: set it from your secret store "
            f"(or run in development mode with {DEVELOPMENT_VAR}=1)"
        )
        self.name = name


def secret(name: str, env: Mapping[str, str] | None = None) -> str:
    """The secret's value; its public development value only in development mode."""
    env = os.environ if env is None else env
    value = (env.get(name) or "").strip()
    if development_mode(env):
        return value or DEVELOPMENT_VALUES[name]
    if not value:
        raise MissingSecret(name)
    if value == DEVELOPMENT_VALUES.get(name):
        raise MissingSecret(name, "has the public development value")
    return value


def require_secrets(names: tuple[str, ...], env: Mapping[str, str] | None = None) -> None:
    """Fail at start-up, naming every missing secret at once."""
    missing = []
    for name in names:
        try:
            secret(name, env)
        except MissingSecret:
            missing.append(name)
    if missing:
        raise MissingSecret(", ".join(missing), "not set or development values")


def development_env() -> str:
    """The environment `make run` gives its processes (honcho's .env format)."""
    lines = [f"{DEVELOPMENT_VAR}=1", *(f"{k}={v}" for k, v in DEVELOPMENT_VALUES.items())]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(development_env(), end="")
