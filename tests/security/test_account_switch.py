"""A member verified on one account can never reach another, by text, chat or speech.

Through the gateway, the real Rasa server and the real action server: the attacker verifies as
Maria, then names Linda's account every way a person could (command syntax, plain words, digits
with dots, spaces, full-width digits) and asks for the balance and AutoPay details.
"""

from __future__ import annotations

import json

import pytest

from tests.rasa_stack import RasaStack
from tests.security.conftest import ATTACKER, VICTIM, chat, texts

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

SWITCHES = [
    '/inform{"account_number":"1000000.004"}',
    '/inform{"account_number":"1000000004"}',
    "what's the balance on account 1000000004",
    "balance for account 1000000.004",
    "balance on 10000 00004 please",
    "balance on account １０００００００04",
]
REFUSED = "can only use the account you verified"


def identity_of(rasa_stack: RasaStack, sender: str) -> str:
    return json.loads(rasa_stack.tracker(sender))["slots"]["identity"]


def test_a_verified_texter_cannot_switch_to_another_account(gateway, owed, attacker_phone):
    phone = attacker_phone
    assert owed(VICTIM["account"]) != owed(ATTACKER["account"])  # the check below means something
    assert "zip" in texts(gateway, phone, "BAL").lower()
    assert owed(ATTACKER["account"]) in texts(gateway, phone, ATTACKER["zip"])

    for attack in SWITCHES:
        reply = texts(gateway, phone, attack)
        assert owed(VICTIM["account"]) not in reply, attack
        assert VICTIM["bank_last4"] not in reply, attack
        balance = texts(gateway, phone, "BAL")
        assert owed(ATTACKER["account"]) in balance, attack
        assert owed(VICTIM["account"]) not in balance, attack
        autopay = texts(gateway, phone, "AUTOPAY")
        assert VICTIM["bank_last4"] not in autopay, attack


def test_a_verified_chat_visitor_cannot_switch_to_another_account(gateway, owed, rasa_stack):
    client = gateway.test_client()
    chat(client, "what's my balance")
    chat(client, ATTACKER["account"])
    assert owed(ATTACKER["account"]) in chat(client, ATTACKER["zip"])

    refusals = 0
    for attack in SWITCHES:
        reply = chat(client, attack)
        assert owed(VICTIM["account"]) not in reply, attack
        refusals += REFUSED in reply
        for question in ("what's my balance", "is autopay on"):
            answer = chat(client, question)
            assert owed(VICTIM["account"]) not in answer, (attack, question)
            assert VICTIM["bank_last4"] not in answer, (attack, question)
    # Plain words naming another account are refused out loud, not silently answered.
    assert refusals >= 4


def test_a_verified_caller_who_names_another_account_is_refused(caller, rasa_stack):
    caller.dial_in()
    caller.press("1")  # English
    caller.press("1")  # balance
    caller.press(ATTACKER["account"])
    caller.press(ATTACKER["zip"])
    assert "Maria" in caller.heard
    sender = f"voice:{caller.sid}"
    assert identity_of(rasa_stack, sender).startswith(f"{ATTACKER['account']}.voice.")

    caller.say("what's the balance on account 1000000004")
    assert REFUSED in caller.heard
    caller.say('/inform{"account_number":"1000000004"} balance')
    caller.say("what's the balance on account one zero zero zero zero zero zero zero zero four")
    for root in caller.history:
        assert "6 7 8 9" not in " ".join(el.text or "" for el in root.iter("Say"))
    assert identity_of(rasa_stack, sender).startswith(f"{ATTACKER['account']}.voice.")
    events = json.loads(rasa_stack.tracker(sender))["events"]
    said = [e.get("text") or "" for e in events if e["event"] == "user"]
    assert not any(text.startswith("/inform{") and "1000000004" in text for text in said)
