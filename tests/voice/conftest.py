"""Fixtures for the voice channel: the Flask app over a fresh database with demo data, a fake Rasa."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
import time_machine
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from billing_core.db import migrate
from billing_core.demo import load_demo_data
from billing_core.runtime import BillingRuntime
from billing_core.settings import Settings
from ivr.app import create_app
from ivr.config import ChannelSettings
from tests.conftest import make_runtime
from tests.voice.helpers import Caller, FakeRasa

TOKEN = "test-auth-token"
LOCALES = Path(__file__).resolve().parents[2] / "ivr" / "locales"
# Tuesday 1 December 2026, 10:00 AM Eastern: agents are in.
OPEN_HOURS = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
# Tuesday 1 December 2026, 7:30 PM Eastern: agents have gone home.
AFTER_HOURS = datetime(2026, 12, 2, 0, 30, tzinfo=UTC)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    """The .mo files are build products (not in git): compile any that are missing or stale."""
    for po in LOCALES.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f)
        with mo.open("wb") as f:
            write_mo(f, catalog)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(OPEN_HOURS, tick=True) as traveller:
        yield traveller


@pytest.fixture
def demo_runtime(runtime: BillingRuntime, clock: time_machine.Traveller) -> BillingRuntime:
    with runtime.uow() as uow:
        load_demo_data(uow, now=datetime.now(UTC))
    return runtime


@pytest.fixture
def fake_rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def channels() -> ChannelSettings:
    return ChannelSettings(twilio_auth_token=TOKEN, agent_number="+18776236765", holidays=())


@pytest.fixture
def app(demo_runtime: BillingRuntime, fake_rasa: FakeRasa, channels: ChannelSettings):  # type: ignore[no-untyped-def]
    app = create_app({"TESTING": True}, runtime=demo_runtime, channels=channels)
    app.extensions["rasa"] = fake_rasa
    return app


@pytest.fixture
def caller(app) -> Caller:  # type: ignore[no-untyped-def]
    return Caller(app.test_client(), TOKEN)


# --- End-to-end: the real Rasa server and action server over a real database -----------------

REPO = Path(__file__).resolve().parents[2]
RASA_BIN = REPO / ".venv-rasa" / "bin" / "rasa"
APP_PYTHON = REPO / ".venv" / "bin" / "python"


@dataclass
class RasaStack:
    url: str
    database_url: str
    key_file: Path
    rasa: subprocess.Popen
    actions: subprocess.Popen
    logs: list[Path]

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs if p.exists())

    def tracker(self, sender: str) -> str:
        response = requests.get(f"{self.url}/conversations/{sender}/tracker", timeout=10)
        response.raise_for_status()
        return response.text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{url} exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    pytest.fail(f"{url} did not come up in {seconds:.0f} s")


@pytest.fixture(scope="session")
def rasa_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaStack]:
    """Rasa server (own env, trained model) + action server (app env) over one SQLite file."""
    models = sorted((REPO / "models").glob("*.tar.gz"))
    if not RASA_BIN.exists() or not models:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("end-to-end voice tests need .venv-rasa and a trained model (make train)")
        pytest.skip("no Rasa env or no trained model in models/ (make train)")
    work = tmp_path_factory.mktemp("rasa-stack")
    database_url = f"sqlite:///{work / 'billing.sqlite3'}"
    key_file = work / "bank-data.key"
    migrate(database_url)
    rt = make_runtime(database_url, work)
    with rt.uow() as uow:
        load_demo_data(uow, now=datetime.now(UTC))
    rt.engine.dispose()

    rasa_port, action_port = _free_port(), _free_port()
    endpoints = work / "endpoints.yml"
    endpoints.write_text(f"action_endpoint:\n  url: http://127.0.0.1:{action_port}/webhook\n")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "BANK_DATA_KEY_FILE": str(key_file),
        "PYTHONPATH": str(REPO),
    }
    action_log, rasa_log = work / "actions.log", work / "rasa.log"
    action_out, rasa_out = action_log.open("wb"), rasa_log.open("wb")
    actions = subprocess.Popen(
        [str(APP_PYTHON), "-m", "rasa_sdk", "--actions", "actions", "--port", str(action_port)],
        cwd=REPO,
        env=env,
        stdout=action_out,
        stderr=subprocess.STDOUT,
    )
    rasa = subprocess.Popen(
        [
            str(RASA_BIN),
            "run",
            "--enable-api",
            "-m",
            str(models[-1]),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(REPO / "credentials.yml"),
            "--port",
            str(rasa_port),
            "--debug",  # debug logs print every message and slot
        ],
        cwd=REPO,
        env=env,
        stdout=rasa_out,
        stderr=subprocess.STDOUT,
    )
    stack = RasaStack(
        f"http://127.0.0.1:{rasa_port}",
        database_url,
        key_file,
        rasa,
        actions,
        [rasa_log, action_log],
    )
    try:
        _wait_until_up(f"http://127.0.0.1:{action_port}/health", actions, 60, action_log)
        _wait_until_up(f"{stack.url}/status", rasa, 240, rasa_log)
        yield stack
    finally:
        for proc in (rasa, actions):
            if proc.poll() is None:
                proc.send_signal(signal.SIGCONT)
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        action_out.close()
        rasa_out.close()


@pytest.fixture
def e2e_app(rasa_stack: RasaStack, tmp_path: Path):  # type: ignore[no-untyped-def]
    rt = BillingRuntime.start(
        Settings(database_url=rasa_stack.database_url, bank_data_key_path=rasa_stack.key_file)
    )
    channels = ChannelSettings(twilio_auth_token=TOKEN, rasa_url=rasa_stack.url)
    yield create_app({"TESTING": True}, runtime=rt, channels=channels)
    rt.engine.dispose()


@pytest.fixture
def e2e_caller(e2e_app) -> Caller:  # type: ignore[no-untyped-def]
    return Caller(e2e_app.test_client(), TOKEN)
