"""The self-service flows on a real call: Twilio's signed webhooks, the IVR's TwiML, the real Rasa
server and action server. The caller is recognized by caller ID, keys the ZIP code, hears the
payment read back digit by digit and presses 1 to agree, as a keypad-only caller would."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from billing_core.models import Account, AutopayEnrollment, Payment
from ivr.app import create_app
from ivr.config import ChannelSettings
from tests.rasa.self_service_members import new_member, pay_by_phone
from tests.voice.helpers import Caller

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

TOKEN = "self-service-phone-token"


@pytest.fixture
def gateway(rasa_stack) -> Flask:
    runtime = rasa_stack.runtime()
    channels = ChannelSettings(twilio_auth_token=TOKEN, rasa_url=rasa_stack.url)
    yield create_app({"TESTING": True}, runtime=runtime, channels=channels)
    runtime.engine.dispose()


def test_a_caller_cancels_a_payment_by_keypad_and_hears_its_confirmation_number(
    rasa_stack, gateway
):
    member = new_member(rasa_stack)
    confirmation = pay_by_phone(rasa_stack, member, "120.00")
    caller = Caller(gateway.test_client(), TOKEN, phone=member.phone)
    caller.dial_in()
    caller.press("1")  # English
    caller.say("i want to cancel the payment i made")
    assert "ZIP" in caller.heard  # caller ID named the account
    caller.press(member.zip_code)
    spoken_number = " ".join(confirmation)
    assert "120 dollars" in caller.heard and spoken_number in caller.heard
    assert "press 1" in caller.heard.lower()
    caller.press("1")
    assert "is cancelled" in caller.heard and spoken_number in caller.heard
    rt = rasa_stack.runtime()
    with rt.uow() as uow:
        status = uow.session.scalar(
            select(Payment.status).where(Payment.confirmation_number == confirmation)
        )
    rt.engine.dispose()
    assert status == "cancelled"


def test_a_spanish_caller_pauses_autopay_and_hears_the_cutoff(rasa_stack, gateway):
    member = new_member(rasa_stack, language="es", autopay_day=12)
    caller = Caller(gateway.test_client(), TOKEN, phone=member.phone)
    caller.dial_in()
    caller.press("2")  # español
    caller.say("quiero pausar el pago automático")
    caller.press(member.zip_code)
    assert "fecha límite" in caller.heard and "3 días hábiles" in caller.heard
    caller.press("1")
    assert "en pausa por un débito" in caller.heard
    rt = rasa_stack.runtime()
    with rt.uow() as uow:
        skip = uow.session.scalar(
            select(AutopayEnrollment.skip_month)
            .join(Account, Account.id == AutopayEnrollment.account_id)
            .where(Account.account_number == member.number)
        )
    rt.engine.dispose()
    assert skip is not None
