"""Fixtures for the conversation engine: actions over a real demo database, and the real Rasa stack.

`rasa_stack` starts one Rasa server (its own Python 3.10 env, the trained model in models/) and one
action server (this env) per test session, on free ports, over a temporary SQLite database seeded
with the demo accounts, waits for /status, and stops both at the end.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import time_machine
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from cryptography.fernet import Fernet
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import billing
from billing_core.demo import load_demo_data
from billing_core.runtime import BillingRuntime
from tests.conftest import make_runtime

REPO = Path(__file__).resolve().parents[2]
RASA_BIN = REPO / ".venv-rasa" / "bin" / "rasa"
APP_PYTHON = REPO / ".venv" / "bin" / "python"
LOCALES = REPO / "ivr" / "locales"
# Tuesday 1 December 2026, 10:00 AM Eastern: the call center is open.
OPEN_HOURS = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    """Spanish rendering needs the .mo build products; compile any missing or stale."""
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
    with time_machine.travel(OPEN_HOURS, tick=False) as traveller:
        yield traveller


@pytest.fixture
def demo(
    sqlite_template: Path, tmp_path: Path, clock: time_machine.Traveller
) -> Iterator[BillingRuntime]:
    """A fresh SQLite database with the demo accounts, used by the actions under test."""
    path = tmp_path / "billing.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    rt = make_runtime(f"sqlite:///{path}", tmp_path)
    with rt.uow() as uow:
        load_demo_data(uow, now=datetime.now(UTC))
    billing.use_runtime(rt)
    yield rt
    billing.use_runtime(None)
    rt.engine.dispose()


def make_tracker(
    *,
    slots: dict[str, Any] | None = None,
    text: str = "",
    intent: str | None = None,
    metadata: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
    sender_id: str = "test-conversation",
) -> Tracker:
    """A real rasa-sdk tracker as the action server receives it."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0} if intent else {},
        "entities": [],
        "metadata": metadata or {"channel": "voice", "locale": "en"},
    }
    history = list(events or [])
    if not any(e.get("event") == "user" for e in history):
        history.append({"event": "user", "text": text, "timestamp": 1.0, "parse_data": latest})
    return Tracker(
        sender_id=sender_id,
        slots=dict(slots or {}),
        latest_message=latest,
        events=history,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def payloads(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    return [m["custom"] for m in dispatcher.messages]


def msg_ids(dispatcher: CollectingDispatcher) -> list[str]:
    return [p["msg"] for p in payloads(dispatcher)]


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


# --- The real Rasa server and action server --------------------------------------------------


@dataclass
class RasaStack:
    url: str
    database_url: str
    key_file: Path
    logs: list[Path]
    procs: list[subprocess.Popen] = field(default_factory=list)

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs if p.exists())

    def runtime(self) -> BillingRuntime:
        from billing_core.settings import Settings

        return BillingRuntime.start(
            Settings(database_url=self.database_url, bank_data_key_path=self.key_file)
        )

    def send(
        self,
        sender: str,
        message: str,
        *,
        channel: str = "web",
        locale: str = "en",
        phone: str | None = None,
        caller_account: str | None = None,
    ) -> list[dict[str, Any]]:
        """One REST turn; returns the custom payloads the assistant answered with."""
        response = requests.post(
            f"{self.url}/webhooks/rest/webhook",
            json={
                "sender": sender,
                "message": message,
                "metadata": {
                    "channel": channel,
                    "locale": locale,
                    "phone": phone,
                    "caller_account": caller_account,
                },
            },
            timeout=30,
        )
        response.raise_for_status()
        return [m["custom"] for m in response.json() if "custom" in m]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, seconds: float, log: Path) -> None:
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
    pytest.fail(f"{url} did not come up in {seconds:.0f} s:\n{log.read_text()[-3000:]}")


def latest_model() -> Path | None:
    models = sorted((REPO / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def require_rasa() -> Path:
    model = latest_model()
    if RASA_BIN.exists() and model is not None:
        return model
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("the Rasa tests need .venv-rasa and a trained model (make train)")
    pytest.skip("no Rasa env or no trained model in models/ (make train)")


def start_stack(work: Path, model: Path, env_extra: dict[str, str] | None = None) -> RasaStack:
    """Seed a database, start the action server and the Rasa server; caller stops them."""
    database_url = f"sqlite:///{work / 'billing.sqlite3'}"
    key_file = work / "bank-data.key"
    key_file.write_bytes(Fernet.generate_key())
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "BANK_DATA_KEY_FILE": str(key_file),
        "PYTHONPATH": str(REPO),
        **(env_extra or {}),
    }
    for command in ("migrate", "demo"):
        subprocess.run(
            [str(APP_PYTHON), "-m", "billing_core", command],
            cwd=REPO,
            env=env,
            check=True,
            capture_output=True,
        )
    action_port, rasa_port = free_port(), free_port()
    endpoints = work / "endpoints.yml"
    endpoints.write_text(  # the repository's endpoints, with this test's action server port
        (REPO / "endpoints.yml")
        .read_text(encoding="utf-8")
        .replace("http://localhost:5055/webhook", f"http://127.0.0.1:{action_port}/webhook"),
        encoding="utf-8",
    )
    action_log, rasa_log = work / "actions.log", work / "rasa.log"
    stack = RasaStack(
        url=f"http://127.0.0.1:{rasa_port}",
        database_url=database_url,
        key_file=key_file,
        logs=[action_log, rasa_log],
    )
    with action_log.open("wb") as out:
        stack.procs.append(
            subprocess.Popen(
                [
                    str(APP_PYTHON),
                    "-m",
                    "rasa_sdk",
                    "--actions",
                    "actions",
                    "--port",
                    str(action_port),
                ],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    with rasa_log.open("wb") as out:
        stack.procs.append(
            subprocess.Popen(
                [
                    str(RASA_BIN),
                    "run",
                    "--enable-api",
                    "--model",
                    str(model),
                    "--endpoints",
                    str(endpoints),
                    "--credentials",
                    str(REPO / "credentials.yml"),
                    "--port",
                    str(rasa_port),
                    "--interface",
                    "127.0.0.1",
                ],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    try:
        wait_until_up(f"http://127.0.0.1:{action_port}/health", stack.procs[0], 60, action_log)
        wait_until_up(f"{stack.url}/status", stack.procs[1], 240, rasa_log)
    except BaseException:
        stop_stack(stack)
        raise
    return stack


def stop_stack(stack: RasaStack) -> None:
    for proc in stack.procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in stack.procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="session")
def rasa_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaStack]:
    model = require_rasa()
    stack = start_stack(tmp_path_factory.mktemp("rasa-stack"), model)
    yield stack
    stop_stack(stack)
