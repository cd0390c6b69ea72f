"""The warm hand-off: context in TaskRouter attributes or the agent's whisper (never a ZIP code, a
birth date or a bank detail), the queue's wait URL, and after hours a callback or a text."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from lxml import etree
from sqlalchemy import func, select

from ivr.app import create_app
from ivr.config import ChannelSettings
from ivr.sms.models import SmsMessage
from ivr.voice import cli
from ivr.voice.models import CallbackRequest
from ivr.voice.queue_wait import estimated_minutes
from tests.fake_rasa import bot
from tests.voice.conftest import AFTER_HOURS, OPEN_HOURS, TOKEN
from tests.voice.helpers import Caller, parse, spoken

WORKFLOW = "WW" + "ab12cd34" * 4
# What a tampered or careless Rasa answer might carry: none of it may reach the agent.
CONTEXT = {
    "verified": True,
    "account_last4": "0004",
    "asked": ["pay_bill", "faq/late_payment", "<script>"],
    "stopped_in": "pay_form.payment_amount",
    "reason": "caller_asked",
    "zip_code": "02740",
    "date_of_birth": "1968-01-15",
    "bank_last4": "6789",
    "routing_number": "021000021",
    "account_number": "1000000004",
}
SECRETS = ("02740", "1968", "01-15", "6789", "021000021", "1000000004")
TASK_KEYS = {
    "type",
    "channel",
    "call_sid",
    "language",
    "verified",
    "account_last4",
    "asked",
    "stopped_in",
    "reason",
}


def transfer(message, meta):  # type: ignore[no-untyped-def]
    return [bot("transfer_to_agent", expect="agent", **CONTEXT)]


def app_with(demo_runtime, fake_rasa, **settings):  # type: ignore[no-untyped-def]
    app = create_app(
        {"TESTING": True},
        runtime=demo_runtime,
        channels=ChannelSettings(twilio_auth_token=TOKEN, **settings),
    )
    app.extensions["rasa"] = fake_rasa
    return app


def ask_for_agent(c: Caller, *, spanish: bool = False):  # type: ignore[no-untyped-def]
    c.dial_in()
    c.press("2" if spanish else "1")
    return c.press("0")


@pytest.mark.parametrize("spanish", [False, True], ids=["en", "es"])
def test_taskrouter_gets_the_context_as_task_attributes_and_nothing_sensitive(
    demo_runtime, fake_rasa, spanish
):
    fake_rasa.script = transfer
    c = Caller(app_with(demo_runtime, fake_rasa, agent_queue=WORKFLOW).test_client(), TOKEN)
    with time_machine.travel(OPEN_HOURS, tick=False):
        root = ask_for_agent(c, spanish=spanish)
    enqueue = root.find("Enqueue")
    assert enqueue.get("workflowSid") == WORKFLOW
    assert parse_qs(urlsplit(enqueue.get("waitUrl")).query) == {
        "locale": ["es" if spanish else "en"]
    }
    assert enqueue.get("action").startswith("/voice/gather?turn=")
    attributes = json.loads(enqueue.find("Task").text)
    assert set(attributes) == TASK_KEYS
    assert attributes == {
        "type": "payment_line",
        "channel": "voice",
        "call_sid": c.sid,
        "language": "es" if spanish else "en",
        "verified": True,
        "account_last4": "0004",
        "asked": ["pay_bill", "faq/late_payment"],
        "stopped_in": "pay_form.payment_amount",
        "reason": "caller_asked",
    }
    twiml = etree.tostring(root).decode()
    assert not any(secret in twiml for secret in SECRETS)


def test_a_plain_queue_name_still_enqueues_by_name_with_the_wait_url(demo_runtime, fake_rasa):
    fake_rasa.script = transfer
    c = Caller(app_with(demo_runtime, fake_rasa, agent_queue="billing").test_client(), TOKEN)
    with time_machine.travel(OPEN_HOURS, tick=False):
        root = ask_for_agent(c)
    assert root.find("Enqueue").text == "billing" and root.find("Enqueue/Task") is None
    assert root.find("Enqueue").get("waitUrl") == "/voice/queue/wait?locale=en"


def test_the_agent_line_gets_a_whisper_url_that_says_the_context(caller, fake_rasa):
    fake_rasa.script = transfer
    with time_machine.travel(OPEN_HOURS, tick=False):
        root = ask_for_agent(caller)
    number = root.find("Dial/Number")
    assert number.text == "+18776236765"
    whisper_url = number.get("url")
    assert parse_qs(urlsplit(whisper_url).query) == {"call": [caller.sid]}
    # Twilio fetches it for the agent's leg (its own CallSid), signed like any webhook.
    agent_leg = Caller(caller.client, TOKEN, sid="CA" + "9" * 32)
    response = agent_leg.post(whisper_url, {"CallStatus": "in-progress"})
    assert response.status_code == 200
    said = spoken(parse(response.data))
    assert "Verified, account ending in 0 0 0 4." in said
    assert "Asked about: paying the bill, late payment." in said
    assert "Stopped at: a payment, the amount." in said
    assert "The caller asked for an agent." in said
    assert not any(secret in said.replace(" ", "") for secret in SECRETS)
    assert agent_leg.post(whisper_url, {}, signed=False).status_code == 403


def test_the_whisper_tells_the_agent_the_caller_speaks_spanish(caller, fake_rasa):
    fake_rasa.script = lambda message, meta: [bot("transfer_to_agent", expect="agent")]
    with time_machine.travel(OPEN_HOURS, tick=False):
        root = ask_for_agent(caller, spanish=True)
    said = spoken(parse(caller.post(root.find("Dial/Number").get("url"), {}).data))
    assert "Not verified." in said and "The caller speaks Spanish." in said


def test_the_ivrs_own_reason_wins_over_rasas(caller, fake_rasa):
    fake_rasa.script = transfer
    with time_machine.travel(OPEN_HOURS, tick=False):
        caller.dial_in()
        caller.press("1")
        caller.silence()
        caller.silence()
        root = caller.press("0")
    said = spoken(parse(caller.post(root.find("Dial/Number").get("url"), {}).data))
    assert "The caller stopped answering." in said


@pytest.mark.parametrize(
    ("form", "heard"),
    [
        ({"QueuePosition": "1", "CurrentQueueSize": "4", "AvgQueueTime": "90"}, "next in line"),
        (
            {"QueuePosition": "3", "CurrentQueueSize": "5", "AvgQueueTime": "150"},
            "number 3 in line. The estimated wait is about 3 minutes.",
        ),
        ({"QueuePosition": "2", "CurrentQueueSize": "2", "AvgQueueTime": "0"}, "number 2 in"),
    ],
)
def test_the_wait_url_says_the_position_and_the_estimated_wait(caller, form, heard):
    response = caller.post("/voice/queue/wait?locale=en", form)
    root = parse(response.data)
    assert heard in spoken(root)
    assert root.find("Play").text.endswith(".mp3")
    assert "estimated" not in spoken(root) or form["AvgQueueTime"] != "0"


def test_the_wait_url_speaks_spanish_and_checks_the_signature(caller):
    form = {"QueuePosition": "4", "CurrentQueueSize": "4", "AvgQueueTime": "30"}
    root = parse(caller.post("/voice/queue/wait?locale=es", form).data)
    assert "número 4 en la fila" in spoken(root) and "un minuto" in spoken(root)
    assert root.find("Say").get("language") == "es-US"
    assert caller.post("/voice/queue/wait", form, signed=False).status_code == 403


def test_the_estimate_follows_littles_law_and_says_at_least_a_minute():
    assert estimated_minutes(3, 5, 150) == 3
    assert estimated_minutes(1, 10, 20) == 1
    assert estimated_minutes(6, 3, 600) == 40
    assert estimated_minutes(0, 3, 60) is None and estimated_minutes(2, 2, 0) is None


def test_a_full_queue_offers_a_callback_instead_of_silence(demo_runtime, fake_rasa):
    fake_rasa.script = transfer
    c = Caller(app_with(demo_runtime, fake_rasa, agent_queue=WORKFLOW).test_client(), TOKEN)
    with time_machine.travel(OPEN_HOURS, tick=False):
        root = ask_for_agent(c)
        after = c._answer(root.find("Enqueue").get("action"), {"QueueResult": "queue-full"})
    assert "could not reach an agent" in spoken(after) and "press 7" in spoken(after)


def test_a_finished_agent_call_ends_politely(caller, fake_rasa):
    fake_rasa.script = transfer
    with time_machine.travel(OPEN_HOURS, tick=False):
        root = ask_for_agent(caller)
        after = caller._answer(root.find("Dial").get("action"), {"DialCallStatus": "completed"})
    assert after.find("Hangup") is not None


# --- after hours ---------------------------------------------------------------------------


def closed(caller, *, spanish=False):  # type: ignore[no-untyped-def]
    return ask_for_agent(caller, spanish=spanish)


def callbacks_of(app, phone):  # type: ignore[no-untyped-def]
    with app.extensions["billing"].uow() as uow:
        return uow.session.scalars(
            select(CallbackRequest).where(CallbackRequest.phone == phone)
        ).all()


@pytest.mark.parametrize("spanish", [False, True], ids=["en", "es"])
def test_after_hours_a_callback_is_stored_once_per_number_and_day(app, fake_rasa, spanish):
    fake_rasa.script = transfer
    with time_machine.travel(AFTER_HOURS, tick=False):
        first = Caller(app.test_client(), TOKEN, phone="+16175550188")
        root = closed(first, spanish=spanish)
        assert "7" in spoken(root) and root.find("Dial") is None
        first.press("7")
        assert ("mañana" if spanish else "morning") in first.heard
        first.press("1")
        assert ("termina en 0 1 8 8" if spanish else "ending in 0 1 8 8") in first.heard
        again = Caller(app.test_client(), TOKEN, phone="+16175550188")
        closed(again, spanish=spanish)
        again.press("7")
        again.press("2")
        assert ("Ya pidió" if spanish else "already asked") in again.heard
    [stored] = callbacks_of(app, "+16175550188")
    assert stored.window == "morning" and stored.locale == ("es" if spanish else "en")
    assert stored.callback_on.isoformat() == "2026-12-02"  # Tuesday evening: Wednesday
    context = json.loads(stored.context)
    assert context["account_last4"] == "0004" and context["asked"] == [
        "pay_bill",
        "faq/late_payment",
    ]
    assert not any(secret in stored.context for secret in SECRETS)


def test_a_withheld_caller_id_keys_in_the_number_to_call(app, fake_rasa):
    fake_rasa.script = transfer
    with time_machine.travel(AFTER_HOURS, tick=False):
        c = Caller(app.test_client(), TOKEN, phone="anonymous")
        closed(c)
        c.press("7")
        assert "10-digit phone number" in c.heard
        c.press("123")
        assert "not a 10-digit" in c.heard
        c.press("6175550177")
        c.press("3")
    assert [r.window for r in callbacks_of(app, "+16175550177")] == ["any"]


def test_staff_list_the_callbacks_and_mark_them_done(app, fake_rasa, capsys, monkeypatch):
    fake_rasa.script = transfer
    with time_machine.travel(AFTER_HOURS, tick=False):
        c = Caller(app.test_client(), TOKEN, phone="+16175550166")
        closed(c)
        c.press("7")
        c.press("2")
    settings = app.extensions["billing"].settings
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BANK_DATA_KEY_FILE", str(settings.bank_data_key_path))
    assert cli.main(["callbacks", "--on", "2026-12-02"]) == 0
    listed = capsys.readouterr().out
    line = next(row for row in listed.splitlines() if "+16175550166" in row)
    assert "afternoon" in line and "verified ...0004" in line and "pay_bill" in line
    request_id = line.split()[0].lstrip("#")
    assert cli.main(["callbacks", "done", request_id]) == 0
    assert cli.main(["callbacks"]) == 0
    assert "+16175550166" not in capsys.readouterr().out.split("marked done")[-1]


def test_after_hours_a_text_brings_the_hours_and_the_portal_link_once_a_day(app, caller, fake_rasa):
    fake_rasa.script = transfer
    with time_machine.travel(AFTER_HOURS, tick=False):
        caller.phone = "+16175550155"
        closed(caller)
        caller.press("8")
        assert "We sent you a text message" in caller.heard
        caller.press("0")  # closed again: the same choices
        caller.press("8")
        assert "could not send" in caller.heard
    with app.extensions["billing"].uow() as uow:
        sent = uow.session.scalars(
            select(SmsMessage).where(SmsMessage.to_number == "+16175550155")
        ).all()
        assert len(sent) == 1 and "MAhealthconnector.org" in sent[0].body
        assert "8 AM-6 PM" in sent[0].body
        assert uow.session.scalar(select(func.count()).select_from(CallbackRequest)) == 0


def test_after_hours_the_menu_keys_still_work(caller, fake_rasa):
    fake_rasa.script = lambda message, meta: [bot("anything_else", expect="yes_no")]
    with time_machine.travel(AFTER_HOURS, tick=False):
        caller.dial_in()
        caller.press("1")
        fake_rasa.script = transfer
        caller.press("0")
        fake_rasa.script = lambda message, meta: [bot("anything_else", expect="yes_no")]
        caller.press("1")
    assert fake_rasa.turns[-1][1] == "/check_balance"
