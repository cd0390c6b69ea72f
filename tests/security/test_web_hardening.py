"""The web app keeps less and trusts less: operator endpoints need a token, bodies are small, and
X-Forwarded-For counts only from the configured number of proxies."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest

from billing_core.demo import load_demo_data
from database import migrate
from ivr.app import create_app
from ivr.config import ChannelSettings
from ivr.hardening import MAX_REQUEST_BYTES
from tests.conftest import make_runtime
from tests.fake_rasa import FakeRasa, bot
from tests.voice.helpers import BASE, sign

TOKEN = "hardening-test-token"
OPS_TOKEN = "ops-token-for-these-tests-0123456789"
CHAT_ORIGIN = "http://localhost"


@pytest.fixture
def runtime(tmp_path: Path):  # type: ignore[no-untyped-def]
    rt = make_runtime(f"sqlite:///{tmp_path / 'billing.sqlite3'}", tmp_path)
    migrate(rt.settings.database_url)
    with rt.uow() as uow:
        load_demo_data(uow, now=datetime.now(UTC))
    yield rt
    rt.engine.dispose()


def build(runtime, *, trusted_proxies: int = 0, **config):  # type: ignore[no-untyped-def]
    app = create_app(
        {
            "TESTING": True,
            "OPS_TOKEN": OPS_TOKEN,
            "CHAT_SECRET_KEY": "hardening-chat-secret",
            "CHAT_ALLOWED_ORIGINS": CHAT_ORIGIN,
            **config,
        },
        runtime=runtime,
        channels=ChannelSettings(twilio_auth_token=TOKEN, trusted_proxies=trusted_proxies),
    )
    app.extensions["rasa"] = FakeRasa(script=lambda message, metadata: [bot("main_menu")])
    return app


# ---------------------------------------------------------------- /metrics and /ready


@pytest.mark.parametrize("path", ["/metrics", "/ready"])
@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Bearer wrong-token", f"Basic {OPS_TOKEN}", OPS_TOKEN],
)
def test_metrics_and_readiness_refuse_a_request_without_the_ops_token(runtime, path, authorization):
    client = build(runtime).test_client()
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert b"ivr_" not in response.data and b"database" not in response.data


def test_metrics_and_readiness_answer_the_ops_token_and_health_stays_public(runtime):
    client = build(runtime).test_client()
    auth = {"Authorization": f"Bearer {OPS_TOKEN}"}
    assert client.get("/ready", headers=auth).json == {"status": "ok", "database": "up"}
    metrics = client.get("/metrics", headers=auth)
    assert metrics.status_code == 200 and b"ivr_turn_seconds" in metrics.data
    assert client.get("/health").json == {"status": "ok"}


def test_in_development_mode_the_ops_token_is_the_public_development_value(runtime):
    from billing_core.secrets import DEVELOPMENT_VALUES

    app = create_app(
        {"TESTING": True},
        runtime=runtime,
        channels=ChannelSettings(twilio_auth_token=TOKEN),
    )
    dev = DEVELOPMENT_VALUES["OPS_TOKEN"]
    client = app.test_client()
    assert client.get("/metrics", headers={"Authorization": f"Bearer {dev}"}).status_code == 200


# ---------------------------------------------------------------- request size


def signed_form(path: str, form: dict[str, str]) -> dict[str, str]:
    return {"X-Twilio-Signature": sign(TOKEN, BASE + path, form)}


@pytest.mark.parametrize(
    "path", ["/voice/incoming", "/voice/status", "/sms/inbound", "/sms/status"]
)
def test_a_body_over_64_kib_gets_a_clean_413_and_never_a_stack_trace(runtime, path, caplog):
    client = build(runtime).test_client()
    caplog.set_level(logging.DEBUG)
    big = "x" * (MAX_REQUEST_BYTES + 1)
    form = {"CallSid": "CA" + "0" * 32, "From": "+16175550100", "Body": big}
    response = client.post(path, data=form, headers=signed_form(path, form))
    assert response.status_code == 413
    assert response.json == {"error": "request_too_large", "max_bytes": MAX_REQUEST_BYTES}
    assert b"Traceback" not in response.data
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


class CountingStream(io.BytesIO):
    """The request body as the WSGI server hands it over, counting what the app reads."""

    consumed = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.consumed += len(data)
        return data

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def, override]
        n = super().readinto(buffer)
        self.consumed += n
        return n


def test_a_chunked_body_without_a_length_is_never_read_past_the_limit(runtime):
    """gunicorn passes chunked bodies through (wsgi.input_terminated): the app reads at most the
    limit and answers; the truncated form then fails Twilio's signature."""
    client = build(runtime).test_client()
    form = {"CallSid": "CA" + "1" * 32, "From": "+16175550100", "Body": "y" * 1_000_000}
    stream = CountingStream(urlencode(form).encode())
    response = client.post(
        "/sms/inbound",
        input_stream=stream,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Transfer-Encoding": "chunked",
            **signed_form("/sms/inbound", form),
        },
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code in (403, 413)
    assert stream.consumed <= MAX_REQUEST_BYTES + 1


def test_a_webhook_under_the_limit_is_answered_as_before(runtime):
    client = build(runtime).test_client()
    form = {"CallSid": "CA" + "2" * 32, "From": "+16175550100", "To": "+18776236765"}
    response = client.post(
        "/voice/incoming", data=form, headers=signed_form("/voice/incoming", form)
    )
    assert response.status_code == 200 and response.mimetype == "text/xml"


# ---------------------------------------------------------------- trusted proxies


def strings_from(client, forwarded_for: str, proxy: str = "10.0.0.7"):  # type: ignore[no-untyped-def]
    return client.get(
        "/chat/api/strings",
        headers={"X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": proxy},
    )


def test_behind_one_trusted_proxy_the_per_ip_limit_counts_each_real_client(runtime):
    client = build(runtime, trusted_proxies=1, CHAT_LIMIT_PER_IP="2/minute").test_client()
    assert [strings_from(client, "203.0.113.5").status_code for _ in range(3)] == [200, 200, 429]
    # Another member behind the same load balancer still has their own budget.
    assert strings_from(client, "203.0.113.6").status_code == 200
    # A client cannot buy a new budget by writing its own X-Forwarded-For entry in front: the
    # proxy appends the address it saw, and only that last entry is trusted.
    assert strings_from(client, "198.51.100.1, 203.0.113.5").status_code == 429


def test_without_trusted_proxies_a_forged_forwarded_for_is_ignored(runtime):
    client = build(runtime, CHAT_LIMIT_PER_IP="2/minute").test_client()
    assert strings_from(client, "203.0.113.5").status_code == 200
    assert strings_from(client, "203.0.113.6").status_code == 200
    assert strings_from(client, "203.0.113.7").status_code == 429  # one client: the peer address


def test_trusted_proxies_is_read_from_the_environment_and_must_not_be_negative():
    env = {"TWILIO_AUTH_TOKEN": TOKEN, "HC_DEVELOPMENT": "1"}
    assert ChannelSettings.from_env(env).trusted_proxies == 0
    assert ChannelSettings.from_env({**env, "TRUSTED_PROXIES": "2"}).trusted_proxies == 2
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        ChannelSettings.from_env({**env, "TRUSTED_PROXIES": "-1"})
