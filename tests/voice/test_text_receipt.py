"""After a payment by phone the caller can have the confirmation texted to the number they call from."""

from __future__ import annotations

from sqlalchemy import select

from ivr.sms.models import SmsMessage
from tests.fake_rasa import bot
from tests.voice.helpers import spoken


def confirmed_payment(message, meta):
    if message == "/pay_bill":
        return [
            bot(
                "payment_confirmation",
                amount="50.00",
                last4="4321",
                effective_date="2026-12-01",
                confirmation_number="1234567890",
            ),
            bot("anything_else", expect="yes_no"),
        ]
    return [bot("goodbye", expect="end")]


def texts(runtime):
    with runtime.uow() as uow:
        return uow.session.scalars(select(SmsMessage)).all()


def test_the_caller_who_presses_1_gets_the_confirmation_by_text(caller, fake_rasa, demo_runtime):
    fake_rasa.script = confirmed_payment
    caller.phone = "+16175550144"
    caller.dial_in()
    caller.press("1")
    root = caller.press("3")
    assert "confirmation number is 1 2 3 4 5 6 7 8 9 0" in spoken(root)
    assert "by text message at the number you are calling from, press 1" in spoken(root)
    root = caller.press("1")
    assert "We sent you the confirmation by text message." in spoken(root)
    assert "anything else" in spoken(root).lower()  # Rasa's follow-up question comes back
    sent = texts(demo_runtime)
    assert [(m.to_number, m.purpose) for m in sent] == [("+16175550144", "confirmation")]
    assert "$50.00" in sent[0].body and "1234567890" in sent[0].body
    caller.press("2")
    assert len(texts(demo_runtime)) == 1


def test_the_caller_who_declines_gets_no_text_and_the_conversation_goes_on(
    caller, fake_rasa, demo_runtime
):
    fake_rasa.script = confirmed_payment
    caller.phone = "+16175550145"
    caller.dial_in()
    caller.press("1")
    caller.press("3")
    root = caller.press("2")
    assert "anything else" in spoken(root).lower()
    assert texts(demo_runtime) == []


def test_no_text_is_offered_when_the_caller_id_is_withheld(caller, fake_rasa):
    fake_rasa.script = confirmed_payment
    caller.phone = "anonymous"
    caller.dial_in()
    caller.press("1")
    root = caller.press("3")
    assert "text message" not in spoken(root)
