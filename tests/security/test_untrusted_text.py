"""What a person types or says is never a command for Rasa, and no bank or card number reaches it.

Each channel through the real Flask app and TwiML, with Rasa faked at the edge to see exactly what
the gateway would send it; and the gateway's signature checked by the Rasa side's own code.
"""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from billing_core.demo import load_demo_data
from billing_core.runtime import BillingRuntime
from ivr.app import create_app
from ivr.config import ChannelSettings
from ivr.rasa_client import signed_headers
from ivr.untrusted import as_text, holds_bank_or_card_number, holds_long_number
from tests.conftest import make_runtime
from tests.fake_rasa import FakeRasa, bot
from tests.voice.helpers import Caller

TOKEN = "untrusted-text-token"
REPO = Path(__file__).resolve().parents[2]
COMMANDS = [
    '/inform{"account_number":"1000000004"}',
    '  /inform{"account_number":"1000000004"}',
    '／inform{"account_number":"1000000004"}',  # full-width solidus
    '\u200b/inform{"account_number":"1000000004"}',  # zero-width space first
    '//check_balance{"identity":"x"}',
]


@pytest.mark.parametrize("text", COMMANDS)
def test_typed_or_spoken_command_syntax_is_only_words(text):
    assert not as_text(text).startswith("/")
    assert "1000000004" in as_text(text) or "identity" in as_text(text)


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "４１１１１１１１１１１１１１１１",
        "routing 021 000 021",
        "my account is 1234 5678 9012",
        "acct 123456789012",
        "0 2 1 0 0 0 0 2 1",
    ],
)
def test_bank_and_card_numbers_are_caught_however_written(text):
    assert holds_bank_or_card_number(text)


@pytest.mark.parametrize(
    "text", ["1000000001 02108", "my zip is 02108", "I paid $198.50 on 12/01/2026", "1000000.004"]
)
def test_our_own_numbers_are_not_mistaken_for_bank_numbers(text):
    assert not holds_bank_or_card_number(text)


def test_texts_never_carry_a_long_number_however_it_is_disguised():
    for text in ("1000000.004", "10000 00004", "１０００００００04", "1000-000-004"):
        assert holds_long_number(text)
    assert not holds_long_number("my zip is 02108")


@pytest.fixture
def runtime_with_demo(tmp_path: Path) -> BillingRuntime:
    from database import migrate

    rt = make_runtime(f"sqlite:///{tmp_path / 'billing.sqlite3'}", tmp_path)
    migrate(rt.settings.database_url)
    with rt.uow() as uow:
        load_demo_data(uow, now=datetime.now(UTC))
    return rt


@pytest.fixture
def gateway(runtime_with_demo: BillingRuntime):
    fake = FakeRasa(script=lambda message, metadata: [bot("help_menu", expect="menu")])
    app = create_app(
        {"TESTING": True, "CHAT_SECRET_KEY": "x" * 32, "CHAT_COOKIE_SECURE": False},
        runtime=runtime_with_demo,
        channels=ChannelSettings(twilio_auth_token=TOKEN),
    )
    app.extensions["rasa"] = fake
    return app, fake


def sms(app, phone: str, body: str):
    params = {"From": phone, "To": "+18776236765", "Body": body}
    signature = RequestValidator(TOKEN).compute_signature("http://localhost/sms/inbound", params)
    return app.test_client().post(
        "/sms/inbound", data=params, headers={"X-Twilio-Signature": signature}
    )


@pytest.mark.parametrize("text", [*COMMANDS[:2], '/inform{"zip_code":"02108"}', "/affirm"])
def test_an_sms_body_reaches_rasa_only_as_words(gateway, text):
    app, fake = gateway
    response = sms(app, "+16175550101", text)  # Maria's verified phone
    assert response.status_code == 200
    for sender, message, _ in fake.turns:
        assert sender.startswith("sms:") and "6175550101" not in sender
        assert not message.startswith("/"), message


def test_chat_buttons_pass_but_typed_commands_with_entities_are_words(gateway):
    app, fake = gateway
    client = app.test_client()
    headers = {"X-HC-Chat": "1"}
    for text in ["/check_balance", *COMMANDS]:
        response = client.post("/chat/api/message", json={"message": text}, headers=headers)
        assert response.status_code == 200
    sent = [message for _, message, _ in fake.turns]
    assert sent[0] == "/check_balance"  # a button's payload: an intent, nothing else
    assert not any(message.startswith("/") for message in sent[1:]), sent


def test_speech_that_looks_like_a_command_reaches_rasa_as_words(gateway):
    app, fake = gateway
    caller = Caller(app.test_client(), TOKEN)
    caller.dial_in()
    caller.press("1")
    caller.say('/inform{"account_number":"1000000004"}')
    [(sender, message, _)] = fake.turns
    assert sender == f"voice:{caller.sid}"
    assert not message.startswith("/")


@pytest.mark.parametrize(
    "speech", ["my card is 4111 1111 1111 1111", "routing 0 2 1 0 0 0 0 2 1 account 1234 5678 9012"]
)
def test_a_spoken_bank_or_card_number_never_reaches_rasa(gateway, speech):
    app, fake = gateway
    caller = Caller(app.test_client(), TOKEN)
    caller.dial_in()
    caller.press("1")
    caller.say(speech)
    assert fake.turns == []
    assert "please don't say bank or card numbers" in caller.heard
    assert caller.last.find("Gather") is not None  # asked again, nothing lost


def _rasa_side_auth():
    """rasa_addons/hc_channel_auth.py, the code the Rasa server checks signatures with."""
    spec = importlib.util.spec_from_file_location(
        "hc_channel_auth", REPO / "rasa_addons" / "hc_channel_auth.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_gateway_signature_is_what_the_rasa_side_checks():
    auth = _rasa_side_auth()
    body = json.dumps({"sender": "web:x", "message": "hi"}).encode()
    headers = signed_headers("s" * 32, body, now=1_800_000_000)
    assert auth.request_is_signed("s" * 32, headers, body, now=1_800_000_010)
    assert not auth.request_is_signed("t" * 32, headers, body, now=1_800_000_010)
    assert not auth.request_is_signed("s" * 32, headers, body + b" ", now=1_800_000_010)


def test_a_captured_request_cannot_be_replayed_later():
    auth = _rasa_side_auth()
    body = b'{"sender": "web:x", "message": "yes"}'
    headers = signed_headers("s" * 32, body, now=1_800_000_000)
    assert not auth.request_is_signed("s" * 32, headers, body, now=1_800_000_000 + 301)
    assert not auth.request_is_signed("s" * 32, headers, body, now=1_800_000_000 - 301)


def test_the_repositorys_channel_keeps_the_replay_window():
    text = (REPO / "credentials.yml").read_text()
    assert "hc_signed_channel.SignedRestInput" in text and "max_skew_seconds" not in text
    assert "\nrest:" not in text and not text.startswith("rest:")
