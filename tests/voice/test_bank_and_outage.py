"""Pay by phone's keypad bank entry and the outage menu served from billing_core (<Pay>:
test_pay_connector.py)."""

from __future__ import annotations

import json
import logging

from sqlalchemy import select

from billing_core.models import BankMethod
from ivr.voice.models import VoiceCall
from tests.fake_rasa import bot

ROUTING = "021000021"
BANK_ACCOUNT = "4455667788"


def pay_script(message, meta):
    if message == "/pay_bill":
        return [bot("voice_hold_on", expect="bank_account", account_number="1000000001")]
    if message.startswith("/inform"):
        data = json.loads(message.removeprefix("/inform"))
        return [bot("voice_bank_saved", expect="yes_no", last4=data["bank_last4"], amount="370.67")]
    return [bot("anything_else", expect="menu")]


def test_bank_numbers_are_keyed_checked_stored_encrypted_and_only_a_reference_reaches_rasa(
    app, caller, fake_rasa, caplog
):
    caplog.set_level(logging.DEBUG)
    fake_rasa.script = pay_script
    caller.dial_in()
    caller.press("1")
    root = caller.press("3")
    kind = root.find("Gather")
    assert kind.get("input") == "dtmf" and kind.get("numDigits") == "1"
    root = caller.press("1")
    routing = root.find("Gather")
    assert routing.get("input") == "dtmf"
    assert routing.get("numDigits") == "9"
    assert routing.get("hints") is None and routing.get("language") is None
    root = caller.press("123456789")  # fails the ABA checksum
    assert "not valid" in caller.heard
    assert root.find("Gather").get("numDigits") == "9"
    root = caller.press(ROUTING)
    account = root.find("Gather")
    assert account.get("input") == "dtmf" and account.get("finishOnKey") == "#"
    caller.press(BANK_ACCOUNT)
    with app.extensions["billing"].uow() as uow:
        state = uow.session.get(VoiceCall, caller.sid).state
    assert BANK_ACCOUNT not in state and ROUTING not in state
    assert "once more" in caller.heard
    caller.press(BANK_ACCOUNT)
    assert "ending in 7 7 8 8" in caller.heard

    message = fake_rasa.turns[-1][1]
    data = json.loads(message.removeprefix("/inform"))
    assert data["bank_method_ref"].startswith("bm_")
    assert data["bank_last4"] == "7788" and data["bank_kind"] == "checking"
    with app.extensions["billing"].uow() as uow:
        method = uow.session.scalars(
            select(BankMethod).where(BankMethod.reference == data["bank_method_ref"])
        ).one()
        assert uow.cipher.decrypt(method.account_number_encrypted) == BANK_ACCOUNT
        state = uow.session.get(VoiceCall, caller.sid).state
    assert "bank" not in json.loads(state)
    everything_rasa_saw = json.dumps(fake_rasa.turns)
    assert BANK_ACCOUNT not in everything_rasa_saw and ROUTING not in everything_rasa_saw
    assert BANK_ACCOUNT not in caplog.text and ROUTING not in caplog.text


def test_the_account_number_is_asked_twice_and_must_match(caller, fake_rasa):
    fake_rasa.script = pay_script
    caller.dial_in()
    caller.press("1")
    caller.press("3")
    caller.press("2")
    caller.press(ROUTING)
    caller.press(BANK_ACCOUNT)
    root = caller.press("4455667789")
    assert "did not match" in caller.heard
    assert root.find("Gather").get("finishOnKey") == "#"
    caller.press(BANK_ACCOUNT)
    caller.press(BANK_ACCOUNT)
    data = json.loads(fake_rasa.turns[-1][1].removeprefix("/inform"))
    assert data["bank_kind"] == "savings"


def test_a_too_short_account_number_is_asked_again(caller, fake_rasa):
    fake_rasa.script = pay_script
    caller.dial_in()
    caller.press("1")
    caller.press("3")
    caller.press("1")
    caller.press(ROUTING)
    caller.press("123")
    assert "4 to 17 digits" in caller.heard


def test_three_bad_routing_numbers_offer_an_agent(caller, fake_rasa):
    fake_rasa.script = pay_script
    caller.dial_in()
    caller.press("1")
    caller.press("3")
    caller.press("1")
    for _ in range(3):
        caller.press("123456789")
    assert "agent" in caller.heard
    assert [t[1] for t in fake_rasa.turns] == ["/pay_bill"]


def test_an_outage_gives_the_keypad_menu_with_balance_and_due_date(caller, fake_rasa):
    fake_rasa.down = True
    caller.dial_in()
    caller.press("1")
    root = caller.press("1")
    assert "not available" in caller.heard
    assert root.find("Gather").get("input") == "dtmf"
    caller.press("1")
    assert "account number" in caller.heard
    caller.press("1000000001")
    caller.press("02108")
    assert "Your balance is" in caller.heard and "dollars" in caller.heard
    assert "For your balance, press 1" in caller.heard
    caller.press("2")  # already verified on this call
    assert "is due on" in caller.heard and "5:00" in caller.heard
    assert "Your balance is" not in caller.heard


def test_the_outage_menu_locks_after_three_wrong_zip_codes(caller, fake_rasa):
    fake_rasa.down = True
    caller.dial_in()
    caller.press("1")
    caller.press("2")
    caller.press("2")
    for _ in range(2):
        caller.press("1000000001")
        caller.press("99999")
        assert "do not match" in caller.heard
    caller.press("1000000001")
    caller.press("99999")
    assert "locked" in caller.heard


def test_the_outage_menu_offers_an_agent(caller, fake_rasa):
    fake_rasa.down = True
    caller.dial_in()
    caller.press("1")
    caller.press("4")
    root = caller.press("0")
    assert root.find("Dial") is not None


def test_an_outage_in_spanish_is_spoken_in_spanish(caller, fake_rasa):
    fake_rasa.down = True
    caller.dial_in()
    caller.press("2")
    caller.press("1")
    assert "no están disponibles" in caller.heard
    caller.press("1")
    caller.press("1000000002")
    caller.press("01840")
    assert "Su saldo es de" in caller.heard and "dólares" in caller.heard
