"""Flask application factory: voice, SMS and web-chat blueprints over one billing runtime."""

from __future__ import annotations

import importlib
from typing import Any

from flask import Flask

from billing_core.runtime import BillingRuntime
from ivr import observability
from ivr.config import ChannelSettings
from ivr.rasa_client import RasaClient

# Each channel package exposes a Flask blueprint `bp`; missing ones are simply not mounted yet.
CHANNEL_BLUEPRINTS = ("ivr.voice.routes", "ivr.sms.routes", "ivr.chat.routes")


def create_app(
    config: dict[str, Any] | None = None,
    *,
    runtime: BillingRuntime | None = None,
    channels: ChannelSettings | None = None,
) -> Flask:
    app = Flask(__name__)
    app.config.update(config or {})
    app.config["CHANNELS"] = channels or ChannelSettings.from_env()
    app.extensions["billing"] = runtime or BillingRuntime.start()
    settings = app.config["CHANNELS"]
    app.extensions["rasa"] = RasaClient(settings.rasa_url, settings.rasa_timeout_seconds)
    observability.init_app(app)  # JSON logs, metrics, /metrics and /ready

    for module_name in CHANNEL_BLUEPRINTS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not module_name.startswith(exc.name):
                raise
            continue
        app.register_blueprint(module.bp)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
