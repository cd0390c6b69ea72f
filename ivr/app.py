"""Flask application factory: voice, SMS and web-chat blueprints over one billing runtime."""

from __future__ import annotations

import importlib
import os
from typing import Any

from flask import Flask

from billing_core.runtime import BillingRuntime
from ivr import hardening, observability
from ivr.config import ChannelSettings
from ivr.outcomes import hooks as outcomes
from ivr.rasa_client import RasaClient
from ivr.settings import WebSettings

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
    env = dict(os.environ)  # the one reading of the environment in this process
    # Refused here, before anything starts, outside development mode (names every missing secret).
    hardening.resolve_web_secrets(app.config, channels, env)
    settings = WebSettings.load(
        app.config, env, billing=runtime.settings if runtime else None, channels=channels
    )
    app.extensions["settings"] = settings
    hardening.init_app(app, settings.channels)  # Twilio REST settings, body size limit, ProxyFix
    app.extensions["billing"] = runtime or BillingRuntime.start(settings.billing)
    app.extensions["rasa"] = RasaClient(
        settings.channels.rasa_url,
        settings.channels.rasa_timeout_seconds,
        app.config["RASA_CHANNEL_SECRET"],
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
