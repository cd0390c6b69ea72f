"""The real Rasa server and action server for end-to-end tests, one pair per test session.

`start_stack` seeds a temporary SQLite database with the demo accounts, starts the action server
(app env) and the Rasa server (its own Python 3.11 env, the trained model in models/) on free ports,
with Rasa's debug log on so tests can prove no bank number ever reaches it. Both run as `make run`
runs them: development mode's secrets, Rasa's HTTP API behind its token, the signed channel only.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from cryptography.fernet import Fernet

from billing_core.runtime import BillingRuntime
from billing_core.secrets import DEVELOPMENT_VALUES
from ivr.rasa_client import CHANNEL_PATH, sender_id, signed_headers

REPO = Path(__file__).resolve().parents[1]
RASA_BIN = REPO / ".venv-rasa" / "bin" / "rasa"
APP_PYTHON = REPO / ".venv" / "bin" / "python"
LOCALES = REPO / "ivr" / "locales"
API_TOKEN = DEVELOPMENT_VALUES["RASA_API_TOKEN"]
CHANNEL_SECRET = DEVELOPMENT_VALUES["RASA_CHANNEL_SECRET"]


def compile_catalogs() -> None:
    """Spanish rendering needs the .mo build products; compile any missing or stale."""
    for po in LOCALES.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f)
        with mo.open("wb") as f:
            write_mo(f, catalog)


@dataclass
class RasaStack:
    url: str
    database_url: str
    key_file: Path
    logs: list[Path]
    procs: list[subprocess.Popen] = field(default_factory=list)
    action_url: str = ""

    @property
    def actions(self) -> subprocess.Popen:
        return self.procs[0]

    @property
    def rasa(self) -> subprocess.Popen:
        return self.procs[1]

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs if p.exists())

    def tracker(self, sender: str) -> str:
        """Rasa's stored conversation (`sender` is the full id, e.g. `voice:CA…`), as JSON text."""
        response = requests.get(
            f"{self.url}/conversations/{sender}/tracker", params={"token": API_TOKEN}, timeout=10
        )
        response.raise_for_status()
        return response.text

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
        """One turn through the signed channel, as the gateway sends it (`sender` in `channel`'s
        namespace); returns the custom payloads the assistant answered with."""
        body = json.dumps(
            {
                "sender": sender if ":" in sender else sender_id(channel, sender),
                "message": message,
                "metadata": {"locale": locale, "phone": phone, "caller_account": caller_account},
            }
        ).encode()
        response = requests.post(
            f"{self.url}{CHANNEL_PATH}",
            data=body,
            headers=signed_headers(CHANNEL_SECRET, body),
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


# One account per test that locks verification on purpose: the stack's database is shared by the
# whole session, and a locked demo account would break every later test that verifies as it.
LOCKOUT_ACCOUNTS = {"chat": "1900000001", "voice": "1900000002", "caller_id": "1900000003"}
LOCKOUT_ZIP = "02109"
# The caller_id lockout account's verified phone (ZIP guesses by caller ID lock that account).
LOCKOUT_PHONE = "+16175550193"


def add_lockout_accounts(database_url: str, key_file: Path) -> None:
    from billing_core.models import Account, ContactPhone
    from billing_core.settings import Settings

    rt = BillingRuntime.start(Settings(database_url=database_url, bank_data_key_path=key_file))
    with rt.uow() as uow:
        for who, number in LOCKOUT_ACCOUNTS.items():
            account = Account(
                account_number=number,
                name=f"Lockout Test ({who})",
                zip_code=LOCKOUT_ZIP,
                language="en",
                created_at=datetime.now(UTC),
            )
            uow.session.add(account)
            if who == "caller_id":
                uow.session.flush()
                uow.session.add(
                    ContactPhone(account_id=account.id, number=LOCKOUT_PHONE, verified=True)
                )
    rt.engine.dispose()


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
        "HC_DEVELOPMENT": "1",
        **DEVELOPMENT_VALUES,  # Rasa reads its secrets from the environment, like make run's
        **(env_extra or {}),
    }
    for package, command in (("database", "migrate"), ("billing_core", "demo")):
        subprocess.run(
            [str(APP_PYTHON), "-m", package, command],
            cwd=REPO,
            env=env,
            check=True,
            capture_output=True,
        )
    add_lockout_accounts(database_url, key_file)
    action_port, rasa_port = free_port(), free_port()
    endpoints = work / "endpoints.yml"
    endpoints.write_text(  # the repository's endpoints, with this test's action server port
        (REPO / "endpoints.yml")
        .read_text(encoding="utf-8")
        .replace("http://localhost:5055/webhook", f"http://127.0.0.1:{action_port}/webhook"),
        encoding="utf-8",
    )
    credentials = work / "credentials.yml"
    credentials.write_text(  # the repository's channel; tests travel in time, so no clock check
        (REPO / "credentials.yml").read_text(encoding="utf-8") + "  max_skew_seconds: 0\n",
        encoding="utf-8",
    )
    action_log, rasa_log = work / "actions.log", work / "rasa.log"
    stack = RasaStack(
        url=f"http://127.0.0.1:{rasa_port}",
        database_url=database_url,
        key_file=key_file,
        logs=[action_log, rasa_log],
        action_url=f"http://127.0.0.1:{action_port}",
    )
    with action_log.open("wb") as out:
        stack.procs.append(
            subprocess.Popen(
                [str(APP_PYTHON), "-m", "actions.server", "--port", str(action_port)],
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
                    "--auth-token",
                    API_TOKEN,
                    "--model",
                    str(model),
                    "--endpoints",
                    str(endpoints),
                    "--credentials",
                    str(credentials),
                    "--port",
                    str(rasa_port),
                    "--interface",
                    "127.0.0.1",
                    "--debug",  # the debug log prints every message and slot: tests search it
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
        wait_until_up(f"{stack.url}/status?token={API_TOKEN}", stack.procs[1], 240, rasa_log)
    except BaseException:
        stop_stack(stack)
        raise
    return stack


def stop_stack(stack: RasaStack) -> None:
    for proc in stack.procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGCONT)  # a test may have paused it to simulate a hang
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in stack.procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
