"""Keypad-only repair and the warm hand-off in whole calls: Flask app, real Rasa, real actions."""

from __future__ import annotations

import json

import pytest
import time_machine
from lxml import etree
from sqlalchemy import select

from billing_core.models import Payment
from ivr.app import create_app
from ivr.config import ChannelSettings
from ivr.voice.models import CallbackRequest
from tests.voice.conftest import AFTER_HOURS, OPEN_HOURS, TOKEN
from tests.voice.helpers import Caller, parse, spoken

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

WORKFLOW = "WW" + "fe98dc76" * 4
SENSITIVE = ("02740", "1968", "01-15", "6789")


def keyed_payment_start(c: Caller, account: str, zip_code: str) -> None:
    c.dial_in()
    c.press("1")
    c.press("3")
    c.press(account)
    c.press(zip_code)
    assert "amount" in c.heard


def test_a_keypad_only_caller_repeats_with_star_pays_with_star_and_reaches_an_agent_with_zero(
    e2e_caller, rasa_stack
):
    c = e2e_caller
    c.phone = "+16175550311"
    with time_machine.travel(OPEN_HOURS, tick=True):
        keyed_payment_start(c, "1000000003", "01103")
        question = c.heard.split("verified.")[-1].strip()
        assert question in spoken(c.press("*"))  # the amount question again
        c.press("5*25")  # * is the decimal point inside an amount: $5.25
        assert "checking" in c.heard or "ending in" in c.heard  # a new account, or the one on file
        root = c.press("0")  # at the bank question (the IVR's own, keypad only)
    number = root.find("Dial/Number")
    assert number is not None and number.text == "+18776236765"
    whisper = spoken(parse(c.post(number.get("url"), {"CallStatus": "in-progress"}).data))
    assert "Verified, account ending in 0 0 0 3." in whisper
    assert "paying the bill" in whisper and "The caller asked for an agent." in whisper
    # Rasa's bank question (an account on file) or the IVR's own keypad bank entry.
    assert (
        "Stopped at: a payment, the bank account." in whisper
        or "Stopped at: bank details entry." in whisper
    )
    assert not any(s in whisper.replace(" ", "") for s in ("01103", "1990", "1000000003"))
    tracker = json.loads(rasa_stack.tracker(f"voice:{c.sid}"))
    assert (tracker.get("active_loop") or {}).get("name") is None  # Rasa left the pay form
    with c.client.application.extensions["billing"].uow() as uow:
        mine = select(Payment).where(Payment.idempotency_key.like(f"rasa:voice:{c.sid}:%"))
        assert uow.session.scalars(mine).all() == []


def test_taskrouter_attributes_come_from_the_real_conversation(rasa_stack, e2e_app):
    runtime = e2e_app.extensions["billing"]
    app = create_app(
        {"TESTING": True},
        runtime=runtime,
        channels=ChannelSettings(
            twilio_auth_token=TOKEN, rasa_url=rasa_stack.url, agent_queue=WORKFLOW
        ),
    )
    c = Caller(app.test_client(), TOKEN, phone="+16175550312")
    with time_machine.travel(OPEN_HOURS, tick=True):
        c.dial_in()
        c.press("2")  # Spanish
        c.press("1")
        c.press("1000000004")
        c.press("02740")
        root = c.say("quiero hablar con un agente")
    task = root.find("Enqueue/Task")
    attributes = json.loads(task.text)
    assert attributes["language"] == "es" and attributes["verified"] is True
    assert attributes["account_last4"] == "0004" and "check_balance" in attributes["asked"]
    assert attributes["reason"] == "caller_asked" and attributes["call_sid"] == c.sid
    assert not any(s in etree.tostring(root).decode() for s in (*SENSITIVE, "1000000004"))


def test_after_hours_a_caller_asks_for_a_callback_once(e2e_app, e2e_caller):
    c = e2e_caller
    c.phone = "+16175550313"
    with time_machine.travel(AFTER_HOURS, tick=True):
        c.dial_in()
        c.press("1")
        c.say("i want to talk to a representative")
        assert "Monday through Friday" in c.heard and "press 7" in c.heard
        c.press("7")
        c.press("2")
        assert "between noon and 6 PM" in c.heard
        c.press("0")  # agents are still closed: the same choices
        c.press("7")
        c.press("1")
        assert "already asked" in c.heard
    with e2e_app.extensions["billing"].uow() as uow:
        stored = uow.session.scalars(
            select(CallbackRequest).where(CallbackRequest.phone == "+16175550313")
        ).all()
    assert [(r.window, r.locale) for r in stored] == [("afternoon", "en")]
    assert json.loads(stored[0].context)["verified"] is False
