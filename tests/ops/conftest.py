"""Fixtures for the operations console: an app over a fresh database, staff users, a signed-in client."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from billing_core.runtime import BillingRuntime
from ivr.app import create_app
from ivr.config import ChannelSettings
from ivr.ops.users import create_user

PASSWORD = "correct horse battery staple"
TOKEN = "test-auth-token"


@pytest.fixture
def ops_app(runtime: BillingRuntime) -> Flask:
    app = create_app(
        {"TESTING": True}, runtime=runtime, channels=ChannelSettings(twilio_auth_token=TOKEN)
    )
    now = datetime.now(UTC)
    create_user(runtime.engine, "vera", PASSWORD, "viewer", now)
    create_user(runtime.engine, "ana", PASSWORD, "analyst", now)
    return app


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    page = client.get("/ops/login")
    return client.post(
        "/ops/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
        headers={"Origin": "http://localhost"},
    )


@pytest.fixture
def viewer(ops_app: Flask) -> FlaskClient:
    client = ops_app.test_client()
    assert sign_in(client, "vera").status_code == 302
    return client


@pytest.fixture
def analyst(ops_app: Flask) -> FlaskClient:
    client = ops_app.test_client()
    assert sign_in(client, "ana").status_code == 302
    return client


# The chat tests' Debian Chromium (Playwright) and test-results/ folder.
from tests.chat.conftest import browser, live_server, results_dir  # noqa: E402, F401
