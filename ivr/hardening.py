"""The web app's start-up secrets, request size limit, trusted proxies and operator-only endpoints.

create_app refuses to build an app outside development mode without every secret the web tier
uses (MissingSecret names them all), then keeps each one's value in app.config[NAME] so the code
that needs it reads one place. /metrics and /ready answer only with `Authorization: Bearer
<OPS_TOKEN>`: they reveal traffic, payment counts and whether the database is up.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from billing_core.secrets import require_secrets, secret
from ivr.config import ChannelSettings
from ivr.sms.transport_policy import require_twilio_rest

WEB_APP_SECRETS = (
    "TWILIO_AUTH_TOKEN",
    "CHAT_SECRET_KEY",
    "RASA_CHANNEL_SECRET",
    "SENDER_ID_KEY",
    "OPS_TOKEN",
)
# Twilio's webhooks are a few KB of form fields and a chat message is at most 500 characters.
MAX_REQUEST_BYTES = 64 * 1024


def resolve_web_secrets(
    config: dict[str, Any], channels: ChannelSettings | None, env: Mapping[str, str] | None = None
) -> None:
    """Check every web secret at once (a value in config wins over the environment, the token in
    explicit channel settings over both) and store the values in config."""
    merged = dict(os.environ if env is None else env)
    merged.update({name: str(config[name]) for name in WEB_APP_SECRETS if config.get(name)})
    if channels is not None:
        merged["TWILIO_AUTH_TOKEN"] = channels.twilio_auth_token
    require_secrets(WEB_APP_SECRETS, merged)
    for name in WEB_APP_SECRETS:
        config[name] = secret(name, merged)


def init_app(app: Flask, channels: ChannelSettings) -> None:
    """Text receipts need Twilio's REST API; request size limit; the real client address."""
    require_twilio_rest(channels)
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default is None: no limit
        app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    if channels.trusted_proxies:
        # Each trusted proxy appends the address it saw; the last N entries are theirs. With 0
        # (the default) X-Forwarded-* are ignored: a client could write anything there.
        n = channels.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(_exc: RequestEntityTooLarge) -> tuple[Response, int]:
        return jsonify(error="request_too_large", max_bytes=app.config["MAX_CONTENT_LENGTH"]), 413


def ops_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Only an operator's scraper or probe with the OPS_TOKEN bearer token gets the view."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        expected = current_app.config["OPS_TOKEN"]
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode(), expected.encode()
        ):
            response = jsonify(error="unauthorized")
            response.status_code = 401
            response.headers["WWW-Authenticate"] = 'Bearer realm="ops"'
            return response
        return view(*args, **kwargs)

    return wrapper
