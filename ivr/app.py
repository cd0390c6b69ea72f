"""Flask application factory: voice, SMS and web-chat blueprints over one billing runtime."""

from __future__ import annotations

import importlib
from typing import Any

from flask import Flask

from billing_core.runtime import BillingRuntime
from ivr import hardening, observability
from ivr.config import ChannelSettings
from ivr.outcomes import hooks as outcomes
from ivr.rasa_client import RasaClient

# Each channel package exposes a Flask blueprint `bp` (imported when the app is built, not before).
CHANNEL_BLUEPRINTS = (
    "ivr.voice.routes",
    "ivr.voice.agent_routes",
    "ivr.sms.routes",
    "ivr.chat.routes",
)


def create_app(
    config: dict[str, Any] | None = None,
    *,
    runtime: BillingRuntime | None = None,
    channels: ChannelSettings | None = None,
) -> Flask:
    app = Flask(__name__)
    app.config.update(config or {})
    # Refused here, before anything starts, outside development mode (names every missing secret).
    hardening.resolve_web_secrets(app.config, channels)
    app.config["CHANNELS"] = channels or ChannelSettings.from_env()
    settings = app.config["CHANNELS"]
    hardening.init_app(app, settings)  # Twilio REST settings, body size limit, ProxyFix
    app.extensions["billing"] = runtime or BillingRuntime.start()  # the bank-data key
    app.extensions["rasa"] = RasaClient(
        settings.rasa_url, settings.rasa_timeout_seconds, app.config["RASA_CHANNEL_SECRET"]
    )
    observability.init_app(app)  # JSON logs, metrics, /metrics and /ready
    outcomes.init_app(app)  # an outcome event per turn (ivr/outcomes), for the ops console

    for module_name in CHANNEL_BLUEPRINTS:
        app.register_blueprint(importlib.import_module(module_name).bp)
    app.register_blueprint(importlib.import_module("ivr.ops.routes").bp)  # staff console, /ops

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
