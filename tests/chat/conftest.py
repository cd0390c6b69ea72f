"""Chat fixtures: the Flask app with a fake Rasa REST server, compiled catalogs, a live server."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

import ivr.app
from ivr.app import create_app
from ivr.config import ChannelSettings
from tests.conftest import IN_CI, make_runtime
from tests.fake_rasa import FakeRasa, bot


@pytest.fixture
def fake_rasa() -> Iterator[FakeRasa]:
    """Rasa's channel over HTTP, so the chat goes through the real RasaClient; opens with a title."""
    with FakeRasa(replies=[bot("chat_title")]).serving() as rasa:
        yield rasa


CHAT_CONFIG = {
    "TESTING": True,
    "CHAT_SECRET_KEY": "test-chat-secret",
    "CHAT_ALLOWED_ORIGINS": "https://www.mahealthconnector.org",
    "CHAT_COOKIE_SECURE": False,
}


@pytest.fixture
def sqlite_runtime(sqlite_template: Path, tmp_path: Path):
    path = tmp_path / "billing.sqlite3"
    shutil.copy(sqlite_template, path)
    rt = make_runtime(f"sqlite:///{path}", tmp_path)
    yield rt
    rt.engine.dispose()


@pytest.fixture
def make_chat_app(sqlite_runtime, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Flask]:
    # Only the chat blueprint: these tests should not depend on the other channels importing.
    monkeypatch.setattr(ivr.app, "CHANNEL_BLUEPRINTS", ("ivr.chat.routes",))

    def make(rasa_url: str, **config: Any) -> Flask:
        channels = ChannelSettings(
            twilio_auth_token="chat-tests-token", rasa_url=rasa_url, rasa_timeout_seconds=2.0
        )
        return create_app({**CHAT_CONFIG, **config}, runtime=sqlite_runtime, channels=channels)

    return make


@pytest.fixture
def app(make_chat_app: Callable[..., Flask], fake_rasa: FakeRasa) -> Flask:
    return make_chat_app(fake_rasa.url)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# ------------------------------------------------------------------ live server and browser

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"


@contextmanager
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (Playwright's own browser download is not used).

    Module-scoped: Playwright's sync API keeps an event loop running in the main thread while it is
    open, which would break later tests that call asyncio.run() (the action tests)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"Chromium is required in CI but missing at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def results_dir() -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    return RESULTS_DIR
