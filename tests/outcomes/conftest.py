"""The voice, SMS and chat apps with a fake Rasa whose exchanges the outcome hook sees."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from ivr.app import create_app
from ivr.outcomes.exchange import RecordingRasa
from ivr.outcomes.models import OutcomeConversation, OutcomeTurn
from ivr.rasa_client import BotMessage, NluReading, RasaReply
from tests.fake_rasa import FakeRasa
from tests.voice.conftest import TOKEN, channels, clock, demo_runtime  # noqa: F401  (fixtures)
from tests.voice.helpers import Caller


def reply(
    *messages: BotMessage, intent: str | None = None, confidence: float = 0.9, fallback=False
) -> RasaReply:
    """Rasa's answer as the real client returns it, with the signed channel's NLU reading."""
    answer = RasaReply(messages)
    answer.nlu = NluReading(intent, confidence, fallback) if intent else None
    return answer


@pytest.fixture
def fake_rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def app(demo_runtime, fake_rasa, channels):  # type: ignore[no-untyped-def]  # noqa: F811
    app = create_app({"TESTING": True}, runtime=demo_runtime, channels=channels)
    app.extensions["rasa"] = RecordingRasa(fake_rasa)  # as create_app wraps the real client
    return app


@pytest.fixture
def caller(app) -> Caller:  # type: ignore[no-untyped-def]
    return Caller(app.test_client(), TOKEN)


def conversations(app) -> list[Any]:  # type: ignore[no-untyped-def]
    with app.extensions["billing"].engine.connect() as conn:
        return conn.execute(select(OutcomeConversation).order_by(OutcomeConversation.id)).all()


def turns(app) -> list[Any]:  # type: ignore[no-untyped-def]
    with app.extensions["billing"].engine.connect() as conn:
        return conn.execute(select(OutcomeTurn).order_by(OutcomeTurn.id)).all()
