"""Secure by default: outside development mode nothing starts on missing or public secrets.

The web app is built in this process with the environment cleared of development mode; every job
runs as cron would run it, a subprocess with a clean environment of its own. A refusal is one line
on stderr naming the setting, exit status 78, and no traceback; real values are accepted.
"""

from __future__ import annotations

import io
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from billing_core.secrets import DEVELOPMENT_VALUES, MissingSecret
from billing_core.startup import EX_CONFIG
from database import migrate
from ivr.app import create_app
from ivr.config import ChannelSettings
from ivr.hardening import WEB_APP_SECRETS
from ivr.settings import web_settings
from ivr.sms.transport import OutboxTransport, OutgoingSms, transport_from_settings
from ivr.sms.transport_policy import SmsNotConfigured

REPO = Path(__file__).resolve().parents[2]
TWILIO_REST = {
    "TWILIO_ACCOUNT_SID": "AC" + "0123456789abcdef" * 2,
    "TWILIO_FROM_NUMBER": "+18776236765",
    "TWILIO_API_BASE_URL": "http://127.0.0.1:9",  # never Twilio itself; nothing is sent here
}
PHONE = "+16175550123"


def real_secrets() -> dict[str, str]:
    return {name: secrets.token_urlsafe(32) for name in DEVELOPMENT_VALUES}


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'billing.sqlite3'}"
    migrate(url)
    return url


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "bank-data.key"
    path.write_bytes(Fernet.generate_key())
    return path


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch, database: str):  # type: ignore[no-untyped-def]
    """This process outside development mode, with no secret in its environment."""
    monkeypatch.delenv("HC_DEVELOPMENT", raising=False)
    for name in (*DEVELOPMENT_VALUES, "BANK_DATA_KEY_FILE", *TWILIO_REST):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database)
    return monkeypatch


# ---------------------------------------------------------------- the web app


def test_outside_development_mode_the_web_app_refuses_to_start_naming_every_missing_secret(
    production,
):
    with pytest.raises(MissingSecret) as refused:
        create_app()
    for name in WEB_APP_SECRETS:
        assert name in str(refused.value)


def test_the_web_app_refuses_the_public_development_values_outside_development_mode(
    production, key_file
):
    for name in WEB_APP_SECRETS:
        production.setenv(name, DEVELOPMENT_VALUES[name])
    production.setenv("BANK_DATA_KEY_FILE", str(key_file))
    for name, value in TWILIO_REST.items():
        production.setenv(name, value)
    with pytest.raises(MissingSecret) as refused:
        create_app()
    assert "development values" in str(refused.value)
    for name in WEB_APP_SECRETS:
        assert name in str(refused.value)


def test_one_missing_secret_is_named_and_the_others_are_not(production, key_file):
    for name, value in real_secrets().items():
        production.setenv(name, value)
    production.delenv("SENDER_ID_KEY")
    with pytest.raises(MissingSecret, match=r"^SENDER_ID_KEY ") as refused:
        create_app()
    assert "TWILIO_AUTH_TOKEN" not in str(refused.value)


def test_the_web_app_refuses_to_start_without_twilio_rest_credentials_for_text_receipts(
    production, key_file
):
    for name, value in real_secrets().items():
        production.setenv(name, value)
    production.setenv("BANK_DATA_KEY_FILE", str(key_file))
    with pytest.raises(SmsNotConfigured, match="TWILIO_ACCOUNT_SID"):
        create_app()


@pytest.mark.parametrize("problem", ["missing", "not a key", "empty"])
def test_the_web_app_refuses_to_start_without_a_valid_bank_data_key(production, tmp_path, problem):
    for name, value in {**real_secrets(), **TWILIO_REST}.items():
        production.setenv(name, value)
    key = tmp_path / "bank-data.key"
    if problem == "not a key":
        key.write_text("not-a-fernet-key")
    elif problem == "empty":
        key.write_text("")
    production.setenv("BANK_DATA_KEY_FILE", str(key))
    with pytest.raises(MissingSecret, match=r"^BANK_DATA_KEY_FILE "):
        create_app()
    assert key.exists() == (problem != "missing")  # never made up outside development mode


def test_with_real_secrets_the_web_app_starts_and_keeps_each_secret_in_its_config(
    production, key_file
):
    values = real_secrets()
    for name, value in {**values, **TWILIO_REST}.items():
        production.setenv(name, value)
    production.setenv("BANK_DATA_KEY_FILE", str(key_file))
    app = create_app({"TESTING": True})
    try:
        assert web_settings(app).channels.twilio_auth_token == values["TWILIO_AUTH_TOKEN"]
        for name in WEB_APP_SECRETS:
            assert app.config[name] == values[name]
        assert app.test_client().get("/health").status_code == 200
    finally:
        app.extensions["billing"].engine.dispose()


def test_explicit_channel_settings_with_the_public_twilio_token_are_refused_too(
    production, key_file
):
    for name, value in {**real_secrets(), **TWILIO_REST}.items():
        production.setenv(name, value)
    production.setenv("BANK_DATA_KEY_FILE", str(key_file))
    channels = ChannelSettings(twilio_auth_token=DEVELOPMENT_VALUES["TWILIO_AUTH_TOKEN"])
    with pytest.raises(MissingSecret, match=r"^TWILIO_AUTH_TOKEN "):
        create_app(channels=channels)


# ---------------------------------------------------------------- the SMS outbox


def test_outside_development_mode_texts_never_fall_back_to_the_outbox(production):
    channels = ChannelSettings(twilio_auth_token=secrets.token_urlsafe(32))
    with pytest.raises(SmsNotConfigured, match="TWILIO_ACCOUNT_SID"):
        transport_from_settings(channels)
    dev_token = ChannelSettings(
        twilio_auth_token=DEVELOPMENT_VALUES["TWILIO_AUTH_TOKEN"],
        twilio_account_sid=TWILIO_REST["TWILIO_ACCOUNT_SID"],
        twilio_from_number=TWILIO_REST["TWILIO_FROM_NUMBER"],
    )
    with pytest.raises(MissingSecret, match="TWILIO_AUTH_TOKEN"):
        transport_from_settings(dev_token)


def test_the_development_outbox_prints_only_the_last_four_digits_of_a_number():
    stream = io.StringIO()
    OutboxTransport(stream=stream).recorded([OutgoingSms(PHONE, "Health Connector: hi")])
    printed = stream.getvalue()
    assert "0123" in printed and "5550123" not in printed and "617" not in printed
    assert printed == "[sms to *******0123] Health Connector: hi\n"


# ---------------------------------------------------------------- the jobs, as cron runs them

JOBS = {
    "backoffice daily": ["billing_core.backoffice", "--quiet", "daily", "--out", "{tmp}/ach"],
    "sms remind": ["ivr.sms", "remind", "--quiet"],
    "voice purge": ["ivr.voice", "purge"],
    "billing show": ["billing_core", "show", "1000000001"],
    "billing bill-run": ["billing_core", "bill-run"],
    "billing demo": ["billing_core", "demo"],
    "action server": ["actions.server", "--port", "0"],
}


def run_job(job: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    args = [a.replace("{tmp}", str(tmp_path)) for a in JOBS[job]]
    clean = {"PATH": os.environ["PATH"], "PYTHONDONTWRITEBYTECODE": "1", **env}
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=REPO,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_refused(result: subprocess.CompletedProcess, setting: str) -> None:
    assert result.returncode == EX_CONFIG, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr[-2000:]
    assert setting in lines[0]
    assert "Traceback" not in result.stderr and PHONE not in result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("job", sorted(JOBS))
def test_a_job_with_a_clean_environment_refuses_to_start_and_names_the_setting(
    job, database, tmp_path
):
    result = run_job(job, {"DATABASE_URL": database}, tmp_path)
    expected = {"sms remind": "TWILIO_AUTH_TOKEN", "action server": "ACTION_SERVER_SECRET"}.get(
        job, "BANK_DATA_KEY_FILE"
    )
    assert_refused(result, expected)  # even when a developer's var/bank-data.key exists


@pytest.mark.slow
def test_the_demo_loader_makes_no_bank_data_key_outside_development_mode(database, tmp_path):
    key = tmp_path / "made-up.key"
    env = {"DATABASE_URL": database, "BANK_DATA_KEY_FILE": str(key)}
    assert_refused(run_job("billing demo", env, tmp_path), "BANK_DATA_KEY_FILE")
    assert not key.exists()
    made = run_job("billing demo", {**env, "HC_DEVELOPMENT": "1"}, tmp_path)
    assert made.returncode == 0, made.stderr[-2000:]
    Fernet(key.read_bytes())  # development mode: a real key, made once


@pytest.mark.slow
def test_the_reminder_job_refuses_the_public_twilio_token_and_a_missing_account(
    database, key_file, tmp_path
):
    base = {"DATABASE_URL": database, "BANK_DATA_KEY_FILE": str(key_file), **TWILIO_REST}
    public = {**base, "TWILIO_AUTH_TOKEN": DEVELOPMENT_VALUES["TWILIO_AUTH_TOKEN"]}
    assert_refused(run_job("sms remind", public, tmp_path), "TWILIO_AUTH_TOKEN")
    no_account = {**base, "TWILIO_AUTH_TOKEN": secrets.token_urlsafe(32)}
    del no_account["TWILIO_ACCOUNT_SID"]
    assert_refused(run_job("sms remind", no_account, tmp_path), "TWILIO_ACCOUNT_SID")


@pytest.mark.slow
@pytest.mark.parametrize("job", ["backoffice daily", "voice purge", "billing show"])
def test_a_job_refuses_a_bank_data_key_file_that_holds_no_key(job, database, tmp_path):
    bad = tmp_path / "bank-data.key"
    bad.write_text("0123456789")
    env = {"DATABASE_URL": database, "BANK_DATA_KEY_FILE": str(bad)}
    assert_refused(run_job(job, env, tmp_path), "BANK_DATA_KEY_FILE")


@pytest.mark.slow
@pytest.mark.parametrize(
    "job", sorted(set(JOBS) - {"billing show", "action server"})
)  # a server runs on
def test_with_real_secrets_every_job_starts_and_finishes(job, database, key_file, tmp_path):
    env = {
        "DATABASE_URL": database,
        "BANK_DATA_KEY_FILE": str(key_file),
        "TWILIO_AUTH_TOKEN": secrets.token_urlsafe(32),
        **TWILIO_REST,
    }
    result = run_job(job, env, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.slow
def test_schema_migrations_need_no_secret(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    result = subprocess.run(
        [sys.executable, "-m", "database", "migrate"],
        cwd=REPO,
        env={"PATH": os.environ["PATH"], "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.slow
def test_the_action_server_refuses_to_start_without_a_bank_data_key(database, tmp_path):
    env = {"DATABASE_URL": database, "ACTION_SERVER_SECRET": secrets.token_urlsafe(32)}
    assert_refused(run_job("action server", env, tmp_path), "BANK_DATA_KEY_FILE")
