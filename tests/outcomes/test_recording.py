"""Each voice, SMS and chat turn becomes an outcome event; nothing in it names the member."""

from __future__ import annotations

import json

import pytest

from ivr.outcomes import hooks
from ivr.outcomes.vocabulary import TASK_BITS, intents_of, task_names
from tests.fake_rasa import bot
from tests.outcomes.conftest import conversations, reply, turns
from tests.voice.conftest import AFTER_HOURS


def balance_script(message, meta):  # type: ignore[no-untyped-def]
    if message == "/talk_to_agent":  # the phone line passes 0 on to Rasa, which hands over
        return reply(
            bot("transfer_to_agent", expect="agent"), intent="talk_to_agent", confidence=1.0
        )
    if message == "/check_balance":
        return reply(
            bot("ask_account_number", expect="digits", max_digits=10),
            intent="check_balance",
            confidence=1.0,
        )
    if message.startswith('/inform{"account_number"'):
        return reply(
            bot("ask_zip_code", expect="digits", max_digits=5), intent="inform", confidence=1.0
        )
    if message.startswith('/inform{"zip_code"'):
        return reply(
            bot("verified", member_name="Maria Silva"),
            bot("balance_due", amount="370.67", due_date="2026-12-23"),
            bot("anything_else", expect="menu"),
            intent="inform",
            confidence=1.0,
        )
    return reply(bot("clarify", expect="menu"), intent="out_of_scope", confidence=0.41)


def test_a_call_that_hears_its_balance_is_one_self_served_conversation(app, caller, fake_rasa):
    fake_rasa.script = balance_script
    caller.phone = "+16175550101"
    caller.dial_in()
    caller.press("1")  # English
    caller.press("1")  # balance
    caller.press("1000000001")
    caller.press("02108")
    caller.say("my zip code is 02108 and my phone is 617 555 0101")
    caller.hang_up()

    [call] = conversations(app)
    assert call.channel == "voice" and call.language == "en"
    assert call.verified and task_names(call.tasks) == ["balance"]
    assert call.outcome == "self_served" and call.ended_at is not None
    assert {"check_balance", "inform", "out_of_scope"} <= set(intents_of(call.intents))
    assert call.turns == 6
    recorded = turns(app)
    assert [t.input for t in recorded] == ["none", "dtmf", "dtmf", "dtmf", "dtmf", "speech"]
    assert recorded[2].intent == "check_balance" and recorded[2].confidence == 1.0
    spoken = recorded[-1]
    assert spoken.text == "my zip code is [number] and my phone is [number]"
    assert spoken.miss and spoken.intent == "out_of_scope" and spoken.fallback  # "clarify"
    assert all(t.latency_ms >= 0 for t in recorded)
    # Nothing names the call, the phone or the account: the reference is a keyed hash.
    stored = json.dumps([list(r) for r in [*conversations(app), *turns(app)]], default=str)
    for secret in (caller.sid, "6175550101", "1000000001", "02108", "Maria"):
        assert secret not in stored


def test_a_caller_who_hangs_up_before_any_task_abandoned_the_call(app, caller, fake_rasa):
    fake_rasa.script = balance_script
    caller.dial_in()
    caller.press("1")
    caller.hang_up()
    [call] = conversations(app)
    assert call.outcome == "abandoned" and call.tasks == 0


def test_pressing_0_for_an_agent_is_a_transfer_the_caller_asked_for(app, caller, fake_rasa):
    fake_rasa.script = lambda message, meta: reply(
        bot("transfer_to_agent", expect="agent"), intent="talk_to_agent", confidence=1.0
    )
    caller.dial_in()
    caller.press("1")
    caller.press("0")
    [call] = conversations(app)
    assert call.outcome == "transferred" and call.transfer_reason == "caller_asked"


def test_an_agent_after_repeated_misses_is_a_transfer_for_not_understanding(app, caller, fake_rasa):
    fake_rasa.script = balance_script
    caller.dial_in()
    caller.press("1")
    for _ in range(3):
        caller.press("7")  # means nothing at the menu
    assert "agent" in caller.heard or "representative" in caller.heard
    caller.press("0")
    [call] = conversations(app)
    assert call.transfer_reason == "not_understood"
    assert call.fallbacks == 3


def test_an_outage_is_counted_and_the_outage_menu_still_serves_the_balance(app, caller, fake_rasa):
    fake_rasa.down = True
    caller.dial_in()
    caller.press("1")
    caller.press("1")  # Rasa is down: outage menu
    caller.press("1")  # balance
    caller.press("1000000001")
    caller.press("02108")
    [call] = conversations(app)
    assert call.outage_turns == 1 and call.verified
    assert call.tasks & TASK_BITS["balance"] and call.outcome == "self_served"
    assert [t.outage for t in turns(app)] == [False, False, True, False, False, False]


def test_an_outage_transfer_gives_the_outage_as_the_reason(app, caller, fake_rasa):
    fake_rasa.down = True
    caller.dial_in()
    caller.press("1")
    caller.press("1")
    caller.press("0")
    [call] = conversations(app)
    assert call.transfer_reason == "outage"


def test_a_replayed_webhook_is_not_counted_twice(app, caller, fake_rasa):
    fake_rasa.script = balance_script
    caller.dial_in()
    action = caller.action
    caller.press("1")
    caller.repeat_last_request("1", action)
    assert conversations(app)[0].turns == 2


def test_a_failure_to_record_never_changes_the_answer(app, caller, fake_rasa, monkeypatch, caplog):
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("database unreachable 02108")

    monkeypatch.setattr(hooks, "record_turn", broken)
    root = caller.dial_in()
    assert root.find("Gather") is not None
    assert "outcome event not recorded: RuntimeError" in caplog.text
    assert "02108" not in caplog.text


def test_recording_can_be_turned_off(demo_runtime, channels):  # type: ignore[no-untyped-def]
    from ivr.app import create_app
    from tests.voice.conftest import TOKEN
    from tests.voice.helpers import Caller

    app = create_app(
        {"TESTING": True, "OUTCOME_EVENTS": "0"}, runtime=demo_runtime, channels=channels
    )
    Caller(app.test_client(), TOKEN).dial_in()
    assert conversations(app) == []


@pytest.fixture
def sms(app):  # type: ignore[no-untyped-def]
    from tests.voice.conftest import TOKEN
    from tests.voice.helpers import sign

    client = app.test_client()

    def text(body: str, phone: str = "+16175550101"):  # type: ignore[no-untyped-def]
        form = {"From": phone, "To": "+18776236765", "Body": body, "MessageSid": "SM1"}
        headers = {"X-Twilio-Signature": sign(TOKEN, "http://localhost/sms/inbound", form)}
        return client.post("/sms/inbound", data=form, headers=headers)

    return text


def test_texts_to_the_assistant_are_one_conversation_and_stop_is_not_one(app, sms, fake_rasa):
    fake_rasa.script = lambda message, meta: reply(
        bot("faq/pay_by_mail"), intent="faq", confidence=0.93
    )
    assert sms("how do I pay by mail? my zip is 02108").status_code == 200
    assert sms("and where do I send it").status_code == 200
    assert sms("STOP").status_code == 200
    [texts] = conversations(app)
    assert texts.channel == "sms" and texts.turns == 2
    assert texts.faq_topic == "pay_by_mail" and texts.outcome == "self_served"
    first = turns(app)[0]
    assert first.text == "how do I pay by mail? my zip is [number]"
    assert first.topic == "pay_by_mail" and not first.miss


def test_a_chat_message_and_a_button_are_turns_and_only_words_are_kept(app, fake_rasa):
    fake_rasa.script = lambda message, meta: reply(
        bot("transfer_to_agent", expect="agent"), intent="talk_to_agent", confidence=0.88
    )
    client = app.test_client()
    client.get("/chat")
    headers = {"X-HC-Chat": "1", "Origin": "http://localhost"}
    said = client.post(
        "/chat/api/message", json={"message": "I need a person, born 4/12/1985"}, headers=headers
    )
    assert said.status_code == 200
    pressed = client.post("/chat/api/message", json={"message": "/talk_to_agent"}, headers=headers)
    assert pressed.status_code == 200
    [chat] = conversations(app)
    assert chat.channel == "chat" and chat.turns == 2
    assert chat.outcome == "transferred" and chat.transfer_reason == "caller_asked"
    words, button = turns(app)
    assert words.text == "I need a person, born [number]" and words.input == "text"
    assert button.text is None and button.input == "button" and button.intent == "talk_to_agent"


def test_after_hours_the_agent_request_is_no_transfer(app, caller, fake_rasa):
    import time_machine

    fake_rasa.script = lambda message, meta: reply(
        bot("transfer_to_agent", expect="agent"), intent="talk_to_agent", confidence=1.0
    )
    with time_machine.travel(AFTER_HOURS, tick=True):
        caller.dial_in()
        caller.press("1")
        caller.press("0")
    [call] = conversations(app)
    assert call.transfer_reason is None and call.outcome == "open"
