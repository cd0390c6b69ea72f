"""Prometheus metrics, /metrics and /ready for the app, and its digit-masked logs (ivr.masked_logs).

/metrics and /ready need `Authorization: Bearer <OPS_TOKEN>` (ivr.hardening.ops_only).

Metrics (prometheus-client; with several gunicorn workers set PROMETHEUS_MULTIPROC_DIR, see
deploy/gunicorn.conf.py): turn latency per channel, Rasa latency, outages and fallbacks, payments
by result (seen in Rasa's answers), reminders and SMS deliveries by status.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prom_multiprocess
from sqlalchemy import text

from ivr.hardening import ops_only
from ivr.masked_logs import configure_logging
from ivr.rasa_client import BotMessage, RasaClient, RasaUnavailable
from ivr.settings import web_settings

# ---------------------------------------------------------------- metrics

TURN_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
TURN_SECONDS = Histogram(
    "ivr_turn_seconds",
    "Time to answer one webhook or chat turn, by channel",
    ["channel"],
    buckets=TURN_BUCKETS,
)
RASA_SECONDS = Histogram(
    "ivr_rasa_seconds", "Time Rasa took to answer one turn", ["channel"], buckets=TURN_BUCKETS
)
RASA_OUTAGES = Counter(
    "ivr_rasa_outages_total",
    "Turns where Rasa or the action server did not answer in time (outage menu / apology)",
    ["channel"],
)
RASA_FALLBACKS = Counter(
    "ivr_rasa_fallbacks_total",
    "Turns Rasa could not understand (its fallback answers)",
    ["channel"],
)
PAYMENTS = Counter(
    "ivr_payments_total", "Payments by result, as Rasa reported them to the caller", ["result"]
)
SMS_DELIVERIES = Counter(
    "ivr_sms_delivery_status_total",
    "Twilio delivery status callbacks, by status and kind (reminder or reply)",
    ["kind", "status"],
)
HTTP_ERRORS = Counter("ivr_http_5xx_total", "Responses with a 5xx status", ["channel"])
VERIFICATIONS = Counter(
    "ivr_verification_failures_total",
    "Failed identity checks (wrong ZIP or birth date; locked out), by channel: alert on a surge",
    ["channel", "outcome"],
)
VERIFICATION_OUTCOMES = {
    "error_verification_failed": "failed",
    "error_verification_failed_one": "failed",
    "error_verification_locked": "locked",
    "caller_id_not_matched": "caller_id_missed",
    "verification_still_locked": "locked",
    "other_account_refused": "other_account",
}

FALLBACK_MESSAGES = {"fallback_offer_agent", "not_understood", "fallback"}
PAYMENT_RESULTS = {
    "payment_confirmation": "succeeded",
    "payment_cancelled": "cancelled",
}
SMS_STATUSES = {
    "accepted",
    "queued",
    "sending",
    "sent",
    "delivered",
    "undelivered",
    "failed",
    "read",
    "receiving",
    "received",
    "canceled",
    "scheduled",
}


def count_bot_messages(channel: str, messages: list[BotMessage]) -> None:
    for message in messages:
        if message.msg in FALLBACK_MESSAGES or message.msg.endswith("_fallback"):
            RASA_FALLBACKS.labels(channel).inc()
        result = PAYMENT_RESULTS.get(message.msg)
        if result is None and message.msg.startswith(("error_payment", "payment_failed")):
            result = "failed"
        if result is not None:
            PAYMENTS.labels(result).inc()
        outcome = VERIFICATION_OUTCOMES.get(message.msg)
        if outcome is not None:
            VERIFICATIONS.labels(channel, outcome).inc()


def count_sms_status(status: str, *, reminder: bool) -> None:
    status = status.lower()
    SMS_DELIVERIES.labels(
        "reminder" if reminder else "reply", status if status in SMS_STATUSES else "other"
    ).inc()


class InstrumentedRasa:
    """Wraps the app's RasaClient: latency, outages, fallbacks and payment results per channel."""

    def __init__(self, inner: RasaClient):
        self.inner = inner

    def __getattr__(self, name: str) -> Any:  # base_url, timeout, ... of the wrapped client
        return getattr(self.inner, name)

    def send(self, sender: str, message: str, metadata: dict[str, Any]) -> list[BotMessage]:
        channel = sender.split(":", 1)[0] if ":" in sender else "unknown"
        started = time.perf_counter()
        try:
            messages = self.inner.send(sender, message, metadata)
        except RasaUnavailable:
            RASA_OUTAGES.labels(channel).inc()
            raise
        finally:
            RASA_SECONDS.labels(channel).observe(time.perf_counter() - started)
        count_bot_messages(channel, messages)
        return messages


def metrics_body(multiprocess: bool = False) -> bytes:
    """The metrics of this process, or with `multiprocess` those of every gunicorn worker."""
    if multiprocess:
        registry = CollectorRegistry()
        prom_multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest()


# ---------------------------------------------------------------- Flask wiring

CHANNELS = {"voice", "sms", "chat"}


def init_app(app: Flask) -> None:
    """Log setup, the instrumented Rasa client, per-turn timing, /metrics and /ready."""
    settings = web_settings(app).channels
    configure_logging(settings.log_level, settings.log_format)
    rasa = app.extensions.get("rasa")
    if isinstance(rasa, RasaClient):
        app.extensions["rasa"] = InstrumentedRasa(rasa)

    @app.before_request
    def _start_timer() -> None:
        g.turn_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        channel = request.blueprint
        started = g.get("turn_started")
        if channel in CHANNELS and started is not None and request.method == "POST":
            TURN_SECONDS.labels(channel).observe(time.perf_counter() - started)
        if response.status_code >= 500:
            HTTP_ERRORS.labels(channel or "other").inc()
        return response

    @app.get("/metrics")
    @ops_only
    def metrics() -> Response:
        body = metrics_body(settings.metrics_multiprocess)
        return Response(body, mimetype=CONTENT_TYPE_LATEST)

    @app.get("/ready")
    @ops_only
    def ready() -> tuple[dict[str, str], int]:
        """Readiness: the billing database answers (a load balancer stops sending otherwise)."""
        try:
            with app.extensions["billing"].engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:
            logging.getLogger(__name__).warning("not ready: database %s", type(exc).__name__)
            return {"status": "unavailable", "database": "down"}, 503
        return {"status": "ok", "database": "up"}, 200
