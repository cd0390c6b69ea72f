"""Repair on the phone: * repeats and 0 reaches an agent at every prompt, words at the IVR's own
prompts, keypad-only callers (amounts with *), and silence: "are you still there?", then an agent."""

from __future__ import annotations

from ivr.rasa_client import BotMessage
from tests.fake_rasa import bot
from tests.voice.helpers import spoken

AMOUNT = [bot("ask_payment_amount", expect="digits", max_digits=7, balance_amount="370.67")]


def pay_script(message, meta):  # type: ignore[no-untyped-def]
    if message == "/pay_bill":
        return AMOUNT
    if message.startswith("/inform"):
        return [
            BotMessage("ask_new_bank_account", {"account_number": "1000000001"}, "bank_account")
        ]
    return [bot("start_over", expect="menu")]


def test_star_alone_repeats_the_question_without_asking_rasa(caller, fake_rasa):
    fake_rasa.script = pay_script
    caller.dial_in()
    caller.press("1")
    asked = spoken(caller.press("3"))
    root = caller.press("*")
    assert spoken(root) == asked
    assert root.find("Gather").get("finishOnKey") == "#"
    assert [t[1] for t in fake_rasa.turns] == ["/pay_bill"]


def test_star_inside_an_amount_is_still_the_decimal_point(caller, fake_rasa):
    fake_rasa.script = pay_script
    caller.dial_in()
    caller.press("1")
    caller.press("3")
    caller.press("*")
    caller.press("198*50")
    assert fake_rasa.turns[-1][1] == '/inform{"amount":"198.50"}'


def test_zero_alone_asks_rasa_for_an_agent_at_a_digits_question(caller, fake_rasa):
    fake_rasa.script = pay_script
    caller.dial_in()
    caller.press("1")
    caller.press("3")
    caller.press("0")
    assert fake_rasa.turns[-1][1] == "/talk_to_agent"


def test_a_zero_inside_an_entry_is_a_digit(caller, fake_rasa):
    fake_rasa.script = lambda message, meta: [bot("ask_zip_code", expect="digits", max_digits=5)]
    caller.dial_in()
    caller.press("1")
    caller.press("1")
    caller.press("02108")
    assert fake_rasa.turns[-1][1] == '/inform{"zip_code":"02108"}'


def test_star_and_zero_work_at_the_keypad_only_bank_questions(caller, fake_rasa):
    fake_rasa.script = pay_script
    caller.dial_in()
    caller.press("1")
    caller.press("3")
    caller.press("50")
    caller.press("1")  # checking
    asked = caller.heard
    root = caller.press("*")
    assert "routing number" in asked and spoken(root) == asked
    assert root.find("Gather").get("input") == "dtmf"
    turns = len(fake_rasa.turns)
    caller.press("0")
    # Rasa hears it (it leaves the pay form and says who the caller is); the entry is dropped.
    assert len(fake_rasa.turns) == turns + 1 and fake_rasa.turns[-1][1] == "/talk_to_agent"


def test_star_repeats_the_greeting_and_zero_there_asks_for_an_agent(caller, fake_rasa):
    fake_rasa.script = lambda message, meta: [bot("anything_else", expect="yes_no")]
    first = spoken(caller.dial_in())
    assert spoken(caller.press("*")) == first
    caller.press("0")
    assert fake_rasa.turns[-1][1] == "/talk_to_agent"


def test_words_at_the_ivrs_own_prompts_go_to_rasa_as_repair_intents(caller, fake_rasa):
    fake_rasa.script = lambda message, meta: [bot("start_over", expect="menu")]
    caller.dial_in()
    caller.say("main menu please")
    assert fake_rasa.turns[-1][1] == "/start_over"
    assert "let's start over" in caller.heard and "press 1 for your balance" in caller.heard


def test_at_rasas_own_questions_the_words_go_to_rasa_as_they_were_said(caller, fake_rasa):
    fake_rasa.script = pay_script
    caller.dial_in()
    caller.press("1")
    caller.press("3")
    caller.say("go back")
    assert fake_rasa.turns[-1][1] == "go back"


def test_silence_first_asks_are_you_still_there_then_offers_an_agent(caller, fake_rasa):
    fake_rasa.script = pay_script
    caller.dial_in()
    caller.press("1")
    caller.press("3")
    root = caller.silence()
    assert caller.heard.startswith("Are you still there?")
    assert "amount" in caller.heard and root.find("Gather").get("finishOnKey") == "#"
    caller.silence()
    assert "press 0 or say agent" in caller.heard
    caller.silence()
    assert caller.heard.startswith("Are you still there?") and "press 0" in caller.heard
    root = caller.silence()
    assert root.find("Hangup") is not None and "Goodbye" in caller.heard
    assert [t[1] for t in fake_rasa.turns] == ["/pay_bill"]


def test_an_answer_after_one_silence_starts_the_count_again(caller, fake_rasa):
    fake_rasa.script = lambda message, meta: [bot("anything_else", expect="yes_no")]
    caller.dial_in()
    caller.press("1")
    caller.silence()
    caller.press("1")
    caller.silence()
    assert caller.heard.startswith("Are you still there?")


def test_silence_in_spanish(caller, fake_rasa):
    caller.dial_in()
    caller.press("2")
    caller.silence()
    assert caller.heard.startswith("¿Sigue ahí?")
    caller.silence()
    assert "oprima 0" in caller.heard


def test_accepting_the_agent_offer_after_silence_tells_rasa_and_the_agent_why(caller, fake_rasa):
    fake_rasa.script = lambda message, meta: [bot("transfer_to_agent", expect="agent")]
    caller.dial_in()
    caller.press("1")
    caller.silence()
    caller.silence()
    root = caller.press("0")
    assert fake_rasa.turns[-1][1] == "/talk_to_agent"
    assert root.find("Dial/Number") is not None


def test_declining_the_agent_offer_starts_over_in_rasa(caller, fake_rasa):
    fake_rasa.script = pay_script
    caller.dial_in()
    caller.press("1")
    caller.press("3")
    caller.silence()
    caller.silence()
    caller.press("9")
    assert fake_rasa.turns[-1][1] == "/start_over"


def test_in_the_outage_menu_star_repeats_and_zero_transfers_without_rasa(caller, fake_rasa):
    fake_rasa.down = True
    caller.dial_in()
    caller.press("1")
    caller.press("1")  # Rasa is down: the outage menu
    caller.press("1")
    asked = caller.heard
    assert spoken(caller.press("*")) == asked
    turns = len(fake_rasa.turns)
    root = caller.press("0")
    assert root.find("Dial/Number") is not None and len(fake_rasa.turns) == turns
