"""A spoofed caller ID reveals nothing: every caller hears the same questions and the same refusals.

Through the real Rasa server and action server, as the voice gateway talks to them. A member
calling from the phone on the account may answer the first question with the ZIP code; anyone
else (a stranger's number, caller ID withheld, a wrong ZIP, a locked account) hears one and the
same refusal and goes on with the account number.
"""

from __future__ import annotations

import itertools

import pytest

from tests.rasa_stack import LOCKOUT_ACCOUNTS, LOCKOUT_PHONE, LOCKOUT_ZIP, RasaStack

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

LINDA = {"account": "1000000004", "zip": "02740", "phone": "+15085550104"}
MARIA = {"account": "1000000001", "zip": "02108"}
STRANGER = "+12025550143"
_calls = itertools.count()


def call(rasa_stack: RasaStack, phone: str | None, *answers: str) -> list[list[dict]]:
    """One new call asking for the balance, then `answers`; what the assistant said each turn."""
    who = f"CA-cid-{next(_calls)}"
    turns = ["what's my balance", *answers]
    return [rasa_stack.send(who, text, channel="voice", phone=phone) for text in turns]


def ids(payloads: list[dict]) -> list[str]:
    return [p["msg"] for p in payloads]


def test_every_caller_hears_the_same_first_question(rasa_stack):
    first = [call(rasa_stack, phone)[0] for phone in (LINDA["phone"], STRANGER, None)]
    assert first[0] == first[1] == first[2]
    assert ids(first[0]) == ["ask_account_number"]  # offering the ZIP on a call


def test_a_member_calling_from_the_phone_on_the_account_needs_only_the_zip(rasa_stack, owed):
    _, answer = call(rasa_stack, LINDA["phone"], "oh two seven four oh")
    assert ids(answer)[0] == "verified"
    assert answer[0]["member_name"] == "Linda Chen"
    # Her balance, whatever earlier tests on the shared stack paid, when she owes anything.
    said = [p for p in answer if p["msg"] == "balance_due"]
    assert not said or f"${float(said[0]['amount']):,.2f}" == owed(LINDA["account"])


def test_a_wrong_zip_sounds_the_same_whether_or_not_the_number_is_a_members(rasa_stack):
    refusals = {
        "member's phone, wrong ZIP": call(rasa_stack, LINDA["phone"], MARIA["zip"])[1],
        "stranger's phone, Linda's ZIP": call(rasa_stack, STRANGER, LINDA["zip"])[1],
        "caller ID withheld": call(rasa_stack, None, LINDA["zip"])[1],
    }
    assert len({repr(r) for r in refusals.values()}) == 1, refusals
    assert ids(refusals["caller ID withheld"]) == [
        "caller_id_not_matched",
        "ask_account_number_after_caller_id",
    ]


def test_after_the_refusal_anyone_goes_on_with_the_account_number(rasa_stack):
    turns = call(rasa_stack, STRANGER, LINDA["zip"], MARIA["account"], MARIA["zip"])
    assert ids(turns[2]) == ["ask_zip_code"]
    assert ids(turns[3])[0] == "verified"
    # The ZIP is offered once per call: five digits at the plain question are not a ZIP.
    again = call(rasa_stack, STRANGER, LINDA["zip"], LINDA["zip"])
    assert ids(again[2]) == [
        "account_number_not_understood",
        "ask_account_number_after_caller_id",
    ]


def test_zip_guesses_by_caller_id_lock_the_account_and_still_sound_the_same(rasa_stack):
    guesses = [call(rasa_stack, LOCKOUT_PHONE, f"0210{i}")[1] for i in (1, 2, 3)]
    # The account is now locked: even its right ZIP is refused in the same words, so a caller
    # who spoofed the number cannot tell a lock (or a member) from a stranger's phone.
    right_but_locked = call(rasa_stack, LOCKOUT_PHONE, LOCKOUT_ZIP)[1]
    strangers = call(rasa_stack, STRANGER, LOCKOUT_ZIP)[1]
    assert all(repr(g) == repr(strangers) for g in [*guesses, right_but_locked])
    # The phone itself is not marked: from it, another member still verifies as usual ...
    turns = call(rasa_stack, LOCKOUT_PHONE, LOCKOUT_ZIP, MARIA["account"], MARIA["zip"])
    assert ids(turns[3])[0] == "verified"
    # ... while the lock is said to whoever names the locked account.
    locked = call(rasa_stack, STRANGER, LOCKOUT_ACCOUNTS["caller_id"], LOCKOUT_ZIP)
    assert "error_verification_locked" in ids(locked[2])
