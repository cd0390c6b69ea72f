"""Chat fixtures: the Flask app with a fake Rasa REST server, compiled catalogs, a live server."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

import ivr.app
from ivr.app import create_app
from ivr.config import ChannelSettings
from ivr.render import LOCALES_DIR, translations
from tests.conftest import IN_CI, make_runtime

Answer = Callable[[dict[str, Any]], Any]


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    """The .mo files are build output (gitignored); compile any that are missing or stale."""
    for po_path in LOCALES_DIR.glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as f:
            catalog = read_po(f, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as f:
            write_mo(f, catalog)
    translations.cache_clear()


@dataclass
class FakeRasa:
    """Rasa's REST channel, answering with whatever `answer` returns for each request."""

    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    answer: Answer = lambda body: [{"custom": {"msg": "chat_title"}}]
    status: int = 200

    @property
    def senders(self) -> list[str]:
        return [r["sender"] for r in self.requests]


@pytest.fixture
def fake_rasa() -> Iterator[FakeRasa]:
    state = FakeRasa(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append(body)
            payload = json.dumps(state.answer(body)).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


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
        channels = ChannelSettings(rasa_url=rasa_url, rasa_timeout_seconds=2.0)
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


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (Playwright's own browser download is not used)."""
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


# ------------------------------------------------------------------ the real Rasa stack

REPO = Path(__file__).resolve().parents[2]
RASA_BIN = REPO / ".venv-rasa" / "bin" / "rasa"
APP_PYTHON = REPO / ".venv" / "bin" / "python"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until(url: str, ready: Callable[[requests.Response], bool], proc, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            if ready(requests.get(url, timeout=2)):
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not ready after {seconds:.0f} s")


@dataclass(frozen=True)
class RasaStack:
    url: str
    database_url: str


@pytest.fixture(scope="session")
def rasa_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaStack]:
    """The trained model in models/ served by the Rasa server, with the action server over a demo
    database (the accounts of billing_core/demo.py). Started once per test session."""
    models = sorted((REPO / "models").glob("*.tar.gz"))
    if not RASA_BIN.exists() or not models:
        if IN_CI:
            pytest.fail("the Rasa env and a trained model are required in CI (make train)")
        pytest.skip("no Rasa env or no trained model in models/ (make train)")
    work = tmp_path_factory.mktemp("rasa-stack")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'billing.sqlite3'}",
        "BANK_DATA_KEY_FILE": str(work / "bank-data.key"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for command in ("migrate", "demo"):
        subprocess.run(
            [APP_PYTHON, "-m", "billing_core", command],
            cwd=REPO,
            env=env,
            check=True,
            capture_output=True,
        )
    action_port, rasa_port = _free_port(), _free_port()
    endpoints = work / "endpoints.yml"
    endpoints.write_text(f"action_endpoint:\n  url: http://127.0.0.1:{action_port}/webhook\n")
    logs = [(work / "actions.log").open("wb"), (work / "rasa.log").open("wb")]
    actions = subprocess.Popen(
        [APP_PYTHON, "-m", "rasa_sdk", "--actions", "actions", "--port", str(action_port)],
        cwd=REPO,
        env=env,
        stdout=logs[0],
        stderr=subprocess.STDOUT,
    )
    rasa = subprocess.Popen(
        [
            RASA_BIN,
            "run",
            "--enable-api",
            "-m",
            str(models[-1]),
            "--endpoints",
            str(endpoints),
            "--port",
            str(rasa_port),
            "--interface",
            "127.0.0.1",
        ],
        cwd=REPO,
        env=env,
        stdout=logs[1],
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{rasa_port}"
    try:
        _wait_until(f"http://127.0.0.1:{action_port}/health", lambda r: r.ok, actions, seconds=60)
        _wait_until(f"{url}/status", lambda r: r.ok and bool(r.json().get("model_file")), rasa, 240)
        yield RasaStack(url=url, database_url=env["DATABASE_URL"])
    except (RuntimeError, TimeoutError) as exc:
        tail = (work / "rasa.log").read_text(errors="replace")[-3000:]
        pytest.fail(f"Rasa stack did not start: {exc}\n{tail}")
    finally:
        for proc in (rasa, actions):
            proc.terminate()
        for proc in (rasa, actions):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log_file in logs:
            log_file.close()
