"""Fixtures for the voice channel: the Flask app over a fresh database with demo data, a fake Rasa."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from billing_core.demo import load_demo_data
from billing_core.runtime import BillingRuntime
from billing_core.settings import Settings
from ivr.app import create_app
from ivr.config import ChannelSettings
from tests.fake_rasa import FakeRasa
from tests.rasa_stack import RasaStack
from tests.voice.helpers import Caller

TOKEN = "test-auth-token"
# Tuesday 1 December 2026, 10:00 AM Eastern: agents are in.
OPEN_HOURS = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
# Tuesday 1 December 2026, 7:30 PM Eastern: agents have gone home.
AFTER_HOURS = datetime(2026, 12, 2, 0, 30, tzinfo=UTC)


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


# --- End-to-end: the session's real Rasa server and action server (tests/conftest.py)


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
