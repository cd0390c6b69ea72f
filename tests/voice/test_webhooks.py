"""Twilio webhooks: signatures, greeting and language, menu keys, re-prompts, agents, duplicates."""

from __future__ import annotations

import time_machine
from sqlalchemy import func, select

from ivr.rasa_client import BotMessage
from ivr.voice.models import VoiceCall, VoiceTurn
from tests.app_settings import use_channels
from tests.fake_rasa import bot
from tests.voice.conftest import AFTER_HOURS, OPEN_HOURS, TOKEN
from tests.voice.helpers import BASE, Caller, parse, sign, spoken


def test_a_request_without_a_signature_is_refused_and_touches_nothing(app, caller):
    response = caller.post("/voice/incoming", {"CallStatus": "ringing"}, signed=False)
    assert response.status_code == 403
    with app.extensions["billing"].uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(VoiceCall)) == 0


def test_a_forged_signature_is_refused(app):
    client = app.test_client()
    form = {"CallSid": "CAforged", "From": "+16175550101"}
    bad = sign("not-the-token", BASE + "/voice/incoming", form)
    assert (
        client.post("/voice/incoming", data=form, headers={"X-Twilio-Signature": bad}).status_code
        == 403
    )


def test_a_signature_for_other_parameters_is_refused(app):
    client = app.test_client()
    form = {"CallSid": "CAx", "Digits": "1"}
    signature = sign(TOKEN, BASE + "/voice/gather?turn=1", form)
    tampered = {**form, "Digits": "3"}
    response = client.post(
        "/voice/gather?turn=1", data=tampered, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403


def test_every_voice_webhook_checks_the_signature(app):
    client = app.test_client()
    for path in (
        "/voice/incoming",
        "/voice/gather?turn=1",
        "/voice/status",
        "/voice/fallback",
        "/voice/pay?turn=1",
        "/voice/pay/status",
    ):
        assert client.post(path, data={"CallSid": "CAx"}).status_code == 403, path


def test_the_greeting_offers_spanish_and_accepts_keys_and_speech(caller):
    root = caller.dial_in()
    gather = root.find("Gather")
    assert gather.get("input") == "dtmf speech"
    assert gather.get("numDigits") == "1"
    assert gather.get("language") == "en-US"
    assert gather.get("speechTimeout").isdigit()
    assert "AutoPay" in gather.get("hints") and "ConnectorCare" in gather.get("hints")
    assert "MassHealth" in gather.get("hints")
    says = gather.findall("Say")
    assert "oprima dos" in says[-1].text
    assert says[-1].get("language") == "es-US" and says[0].get("language") == "en-US"
    assert root.find("Redirect").text == gather.get("action")


def test_pressing_2_switches_the_rest_of_the_call_to_spanish(caller, fake_rasa):
    fake_rasa.script = lambda message, meta: [bot("balance_due", amount="370.67")]
    caller.dial_in()
    root = caller.press("2")
    gather = root.find("Gather")
    assert gather.get("language") == "es-US"
    assert all(s.get("voice") == "Polly.Lupe-Neural" for s in gather.iter("Say"))
    assert "oprima 1" in caller.heard
    caller.press("1")
    assert fake_rasa.turns[-1][2]["locale"] == "es"


def test_saying_espanol_also_switches_to_spanish(caller):
    caller.dial_in()
    root = caller.say("español")
    assert root.find("Gather").get("language") == "es-US"


def test_silence_at_the_greeting_goes_on_in_english(caller):
    caller.dial_in()
    root = caller.silence()
    assert root.find("Gather").get("language") == "en-US"
    assert "For your balance, press 1" in caller.heard


def test_menu_keys_go_straight_to_intents_with_the_contract_metadata(caller, fake_rasa):
    fake_rasa.script = lambda message, meta: [bot("anything_else", expect="yes_no")]
    caller.phone = "+16175550101"  # Maria Silva's verified phone
    caller.dial_in()
    caller.press("1")
    for key, intent in [
        ("1", "/check_balance"),
        ("2", "/ask_due_date"),
        ("3", "/pay_bill"),
        ("4", "/ask_autopay_status"),
        ("0", "/talk_to_agent"),
    ]:
        fake_rasa.turns.clear()
        # "menu" expectation: each answer puts the caller back at the menu
        fake_rasa.script = lambda message, meta: [bot("anything_else", expect="menu")]
        caller.press(key)
        sender, message, meta = fake_rasa.turns[-1]
        assert message == intent
        assert sender == f"voice:{caller.sid}"
        assert meta["channel"] == "voice"
        assert meta["locale"] == "en"
        assert meta["phone"] == "+16175550101"
        assert meta["caller_account"] == "1000000001"
        assert meta["call_sid"] == caller.sid


def test_an_unknown_caller_id_prefills_nothing(caller, fake_rasa):
    fake_rasa.script = lambda message, meta: [bot("anything_else", expect="menu")]
    caller.dial_in()
    caller.press("1")
    caller.press("1")
    assert fake_rasa.turns[-1][2]["caller_account"] is None


def test_speech_is_passed_to_rasa_as_text(caller, fake_rasa):
    fake_rasa.script = lambda message, meta: [bot("anything_else", expect="menu")]
    caller.dial_in()
    caller.press("1")
    caller.say("what do i owe")
    assert fake_rasa.turns[-1][1] == "what do i owe"


def test_digit_questions_collect_keypad_entries_as_inform_payloads(caller, fake_rasa):
    answers = iter(
        [
            [bot("ask_account_number", expect="digits", max_digits=10)],
            [bot("ask_zip_code", expect="digits", max_digits=5)],
            [bot("ask_payment_amount", expect="digits", max_digits=8, balance_amount="370.67")],
            [bot("ask_date_of_birth", expect="digits", max_digits=8)],
            [bot("ask_draft_day", expect="digits", max_digits=2)],
            [bot("anything_else", expect="yes_no")],
        ]
    )
    fake_rasa.script = lambda message, meta: next(answers)
    caller.dial_in()
    caller.press("1")
    root = caller.press("3")
    gather = root.find("Gather")
    assert gather.get("numDigits") == "10" and gather.get("finishOnKey") == "#"
    assert gather.get("input") == "dtmf speech"
    caller.press("1000000001")
    assert fake_rasa.turns[-1][1] == '/inform{"account_number":"1000000001"}'
    caller.press("02108")
    assert fake_rasa.turns[-1][1] == '/inform{"zip_code":"02108"}'
    caller.press("198*5")
    assert fake_rasa.turns[-1][1] == '/inform{"amount":"198.50"}'
    caller.press("04121985")
    assert fake_rasa.turns[-1][1] == '/inform{"date_of_birth":"1985-04-12"}'
    caller.press("21")
    assert fake_rasa.turns[-1][1] == '/inform{"draft_day":"21"}'
    root = caller.press("1")
    assert fake_rasa.turns[-1][1] == "/affirm"


def test_amounts_dates_and_digits_are_spoken_for_the_phone(caller, fake_rasa):
    fake_rasa.script = lambda message, meta: [
        bot("voice_outage_balance", amount="198.50"),
        bot("voice_bank_saved", last4="6789", expect="menu"),
    ]
    caller.dial_in()
    caller.press("1")
    caller.press("1")
    assert "198 dollars and 50 cents" in caller.heard
    assert "6 7 8 9" in caller.heard


def test_silence_is_reprompted_twice_then_an_agent_is_offered(caller, fake_rasa):
    caller.dial_in()
    caller.press("1")
    first = caller.silence()
    assert "didn't hear" in caller.heard and "For your balance" in caller.heard
    caller.silence()
    assert "didn't hear" in caller.heard
    root = caller.silence()
    assert "press 0" in caller.heard and "agent" in caller.heard
    assert root.find("Gather").get("numDigits") == "1"
    assert fake_rasa.turns == []
    assert first.find("Gather") is not None


def test_a_key_that_means_nothing_counts_as_a_miss(caller, fake_rasa):
    fake_rasa.script = lambda message, meta: [bot("anything_else", expect="yes_no")]
    caller.dial_in()
    caller.press("1")
    caller.press("1")
    caller.press("7")
    assert "didn't get that" in caller.heard
    assert fake_rasa.turns[-1][1] == "/check_balance"


def test_agent_transfer_dials_the_agent_line_in_business_hours(caller, fake_rasa):
    fake_rasa.script = lambda message, meta: [bot("transfer_to_agent", expect="agent")]
    with time_machine.travel(OPEN_HOURS, tick=False):
        caller.dial_in()
        caller.press("1")
        root = caller.press("0")
    assert root.find("Dial/Number").text == "+18776236765"  # <Number> carries the whisper
    assert root.find("Gather") is None


def test_agent_transfer_enqueues_when_a_queue_is_configured(app, demo_runtime, fake_rasa):
    from ivr.app import create_app
    from ivr.config import ChannelSettings

    queued = create_app(
        {"TESTING": True},
        runtime=demo_runtime,
        channels=ChannelSettings(twilio_auth_token=TOKEN, agent_queue="billing"),
    )
    queued.extensions["rasa"] = fake_rasa
    fake_rasa.script = lambda message, meta: [bot("transfer_to_agent", expect="agent")]
    c = Caller(queued.test_client(), TOKEN)
    with time_machine.travel(OPEN_HOURS, tick=False):
        c.dial_in()
        c.press("1")
        root = c.press("0")
    assert root.find("Enqueue").text == "billing"


def test_after_hours_the_caller_hears_the_hours_and_goes_back_to_the_menu(caller, fake_rasa):
    fake_rasa.script = lambda message, meta: [bot("transfer_to_agent", expect="agent")]
    with time_machine.travel(AFTER_HOURS, tick=False):
        caller.dial_in()
        caller.press("1")
        root = caller.press("0")
    assert root.find("Dial") is None
    assert "Monday through Friday" in caller.heard
    assert root.find("Gather") is not None and "For your balance" in caller.heard


def test_no_agents_on_a_configured_holiday(app, caller, fake_rasa):
    use_channels(app, holidays=("2026-12-01",))
    fake_rasa.script = lambda message, meta: [bot("transfer_to_agent", expect="agent")]
    with time_machine.travel(OPEN_HOURS, tick=False):
        caller.dial_in()
        caller.press("1")
        root = caller.press("0")
    assert root.find("Dial") is None


def test_end_says_goodbye_and_hangs_up(caller, fake_rasa):
    fake_rasa.script = lambda message, meta: [bot("goodbye", expect="end")]
    caller.dial_in()
    caller.press("1")
    root = caller.say("that's all thanks")
    assert root.find("Hangup") is not None
    assert root.find("Gather") is None


def test_a_duplicated_webhook_replays_the_answer_without_a_second_rasa_turn(caller, fake_rasa):
    fake_rasa.script = lambda message, meta: [bot("anything_else", expect="yes_no")]
    caller.dial_in()
    caller.press("1")
    action = caller.action
    first = caller.press("1")
    second = caller.repeat_last_request("1", action)
    assert [t[1] for t in fake_rasa.turns] == ["/check_balance"]
    assert [el.tag for el in first.iter()] == [el.tag for el in second.iter()]
    assert first.find("Gather").get("action") == second.find("Gather").get("action")


def test_the_status_callback_forgets_the_call(app, caller, fake_rasa):
    caller.dial_in()
    caller.press("1")
    assert caller.hang_up().status_code == 204
    with app.extensions["billing"].uow() as uow:
        assert uow.session.get(VoiceCall, caller.sid) is None
        assert uow.session.scalar(select(func.count()).select_from(VoiceTurn)) == 0


def test_a_crash_still_answers_valid_twiml(app, caller, fake_rasa):
    def explode(message, meta):
        raise RuntimeError("boom 000123456789")

    fake_rasa.script = explode
    caller.dial_in()
    caller.press("1")
    response = caller.post(caller.action, {"Digits": "1"})
    assert response.status_code == 200
    root = parse(response.data)
    assert root.tag == "Response"
    assert root.find("Redirect").text == "/voice/fallback"


def test_the_fallback_url_answers_with_the_outage_menu(caller):
    response = caller.post("/voice/fallback", {"ErrorCode": "11200"})
    assert response.status_code == 200
    root = parse(response.data)
    assert root.find("Gather").get("input") == "dtmf"
    assert "not available" in " ".join(s.text for s in root.iter("Say"))


def test_yes_no_questions_add_the_keys_unless_the_message_already_says_them(caller, fake_rasa):
    fake_rasa.script = lambda message, meta: [bot("anything_else", expect="yes_no")]
    caller.dial_in()
    caller.press("1")
    root = caller.press("1")
    assert "Press 1 for yes or 2 for no." in spoken(root)
    fake_rasa.script = lambda message, meta: [
        BotMessage(msg="anything_else", params={}, expect="yes_no", instructions_included=True)
    ]
    root = caller.press("1")
    assert "Press 1 for yes" not in spoken(root)
    assert root.find(".//Gather") is not None
