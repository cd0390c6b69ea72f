"""Inbound texts and delivery callbacks through the Flask app, signed like Twilio signs them."""

from __future__ import annotations

from decimal import Decimal
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from billing_core.models import ContactPhone
from billing_core.secrets import DEVELOPMENT_VALUES
from ivr.rasa_client import BotMessage, sms_sender_id
from ivr.sms import consent
from ivr.sms.models import SmsMessage, SmsReminder
from ivr.sms.payment_confirmation import send_payment_confirmation
from ivr.sms.reminder_settings import ReminderSettings
from ivr.sms.reminders import run_reminders
from tests.app_settings import use_channels
from tests.sms.conftest import RecordingTransport, SimulatedCrash, add_member, sign
from tests.sms.test_reminders import SEVEN_DAYS_BEFORE, TWO_DAYS_BEFORE

SENDER_ID_KEY = DEVELOPMENT_VALUES["SENDER_ID_KEY"]

STRANGER = "+12025550199"


def reply_text(response) -> str | None:
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    root = ElementTree.fromstring(response.data)
    messages = [m.text for m in root.iter("Message")]
    assert len(messages) <= 1
    return messages[0] if messages else None


def text(post_signed, phone: str, body: str) -> str | None:
    return reply_text(
        post_signed("/sms/inbound", {"From": phone, "To": "+18776236765", "Body": body})
    )


# --- signatures ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/sms/inbound", "/sms/status"])
def test_unsigned_or_forged_requests_are_refused_with_403(client, path):
    params = {"From": STRANGER, "Body": "HELP", "MessageSid": "SM1", "MessageStatus": "sent"}
    assert client.post(path, data=params).status_code == 403
    forged = sign(path, params, token="not-the-token")
    assert client.post(path, data=params, headers=forged).status_code == 403
    tampered = sign(path, {**params, "Body": "STOP"})
    assert client.post(path, data=params, headers=tampered).status_code == 403


# --- keywords --------------------------------------------------------------------------------------


def test_help_answers_with_the_service_name_phone_number_and_how_to_stop(post_signed):
    reply = text(post_signed, STRANGER, "help")
    assert "Health Connector" in reply and "1-877-623-6765" in reply and "STOP" in reply


def test_ayuda_answers_in_spanish(post_signed):
    reply = text(post_signed, STRANGER, "Ayuda")
    assert reply.startswith("Health Connector, pagos de primas.") and "1-877-623-6765" in reply


@pytest.mark.parametrize(
    "word", ["STOP", "stop", "Unsubscribe", "END", "quit", "cancel", "STOPALL", "revoke", "optout"]
)
def test_every_stop_keyword_opts_out_at_once_and_confirms(runtime, post_signed, word):
    member = add_member(runtime)
    reply = text(post_signed, member.phone, word)
    assert reply == (
        "Health Connector: you will not get any more texts from us. Reply START to get them again."
    )
    with runtime.uow() as uow:
        assert consent.is_opted_out(uow, member.phone)


@pytest.mark.parametrize("word", ["ALTO", "parar"])
def test_spanish_stop_keywords_opt_out_and_confirm_in_spanish(runtime, post_signed, word):
    member = add_member(runtime)
    assert text(post_signed, member.phone, word).startswith("Health Connector: ya no le enviaremos")
    with runtime.uow() as uow:
        assert consent.is_opted_out(uow, member.phone)


def test_with_twilio_advanced_opt_out_the_app_records_stop_but_does_not_reply_twice(
    app, runtime, post_signed
):
    use_channels(app, sms_opt_out_reply="twilio")
    member = add_member(runtime)
    assert text(post_signed, member.phone, "STOP") is None
    with runtime.uow() as uow:
        assert consent.is_opted_out(uow, member.phone)


def test_stop_then_reminder_is_not_sent_and_start_brings_reminders_back(runtime, post_signed):
    member = add_member(runtime)
    text(post_signed, member.phone, "STOP")
    settings = ReminderSettings(rate=0)
    transport = RecordingTransport()
    run_reminders(runtime, transport, settings=settings, now=SEVEN_DAYS_BEFORE)
    assert transport.sent == []
    assert text(post_signed, member.phone, "START").startswith("Health Connector: you will get")
    with runtime.uow() as uow:
        phone = uow.session.get(ContactPhone, member.phone_id)
        assert phone.opted_out_at is None and phone.sms_opt_in
    run_reminders(runtime, transport, settings=settings, now=TWO_DAYS_BEFORE)
    assert [s.to for s in transport.sent] == [member.phone]


def test_an_opted_out_number_gets_no_reply_except_to_start_or_help(runtime, post_signed, fake_rasa):
    member = add_member(runtime)
    text(post_signed, member.phone, "STOP")
    assert text(post_signed, member.phone, "what is my balance") is None
    assert fake_rasa.turns == []
    assert "1-877-623-6765" in text(post_signed, member.phone, "HELP")
    assert text(post_signed, member.phone, "YES").startswith("Health Connector: you will get")


def test_yes_is_an_ordinary_answer_when_the_number_never_opted_out(runtime, post_signed, fake_rasa):
    member = add_member(runtime)
    fake_rasa.replies = [BotMessage("sms_help", {})]
    text(post_signed, member.phone, "yes")
    assert fake_rasa.turns[0][1] == "yes"


# --- conversation through Rasa ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "intent"),
    [("BAL", "/check_balance"), ("due", "/ask_due_date"), ("AutoPay", "/ask_autopay_status")],
)
def test_shortcut_keywords_from_a_verified_phone_go_to_rasa_as_intents(
    runtime, post_signed, fake_rasa, word, intent
):
    member = add_member(runtime, language="es")
    fake_rasa.replies = [
        BotMessage("sms_payment_confirmation", {"amount": "198.00", "confirmation_number": "123"})
    ]
    reply = text(post_signed, member.phone, word)
    sender, message, metadata = fake_rasa.turns[0]
    # The conversation id is a keyed hash of the number, never the number itself.
    assert (sender, message) == (sms_sender_id(member.phone, SENDER_ID_KEY), intent)
    assert member.phone not in sender
    assert metadata == {
        "channel": "sms",
        "locale": "es",
        "phone": member.phone,
        "caller_account": member.account_number,  # the verified number names its account
    }
    assert reply == (
        "Health Connector: recibimos su pago de $198.00. Comprobante de pago 123. "
        "Responda STOP para cancelar."
    )


def test_shortcuts_from_an_unverified_phone_get_no_account_data_and_skip_rasa(
    runtime, post_signed, fake_rasa
):
    member = add_member(runtime, verified=False)
    reply = text(post_signed, member.phone, "BAL")
    assert fake_rasa.turns == []
    assert reply.startswith("To get account details by text, text us from the phone number")


def test_free_text_from_an_unknown_phone_gets_faq_answers_but_never_account_data(
    post_signed, fake_rasa
):
    fake_rasa.replies = [
        BotMessage("sms_payment_confirmation", {"amount": "198.00", "confirmation_number": "1"}),
        BotMessage("sms_how_to_pay", {}),
    ]
    reply = text(post_signed, STRANGER, "how much do I owe")
    assert fake_rasa.turns[0][2]["phone"] == STRANGER
    assert "$198.00" not in reply
    assert reply.startswith("Pay at MAhealthconnector.org")
    assert "text us from the phone number on your account" in reply


def test_pay_explains_how_to_pay_and_never_asks_for_bank_numbers(post_signed, fake_rasa):
    reply = text(post_signed, STRANGER, "PAY")
    assert "1-877-623-6765" in reply and "never text bank account numbers" in reply
    assert fake_rasa.turns == []


def test_bank_numbers_texted_in_are_never_passed_to_rasa(post_signed, fake_rasa):
    reply = text(post_signed, STRANGER, "my account is 000123456789 routing 021000021")
    assert fake_rasa.turns == []
    assert "never text bank account numbers" in reply


def test_a_rasa_prompt_for_bank_details_becomes_the_how_to_pay_text(
    runtime, post_signed, fake_rasa
):
    member = add_member(runtime)
    fake_rasa.replies = [BotMessage("ask_routing_number", {})]
    assert text(post_signed, member.phone, "I want to pay").startswith("Pay at MAhealthconnector")


def test_when_rasa_is_down_the_member_gets_a_polite_text_with_the_phone_number(
    post_signed, fake_rasa
):
    fake_rasa.down = True
    assert text(post_signed, STRANGER, "hello") == (
        "Sorry, we can't answer right now. Please call 1-877-623-6765, Mon-Fri 8 AM-6 PM."
    )


def test_an_unexpected_error_still_answers_with_twiml_not_a_500(app, post_signed):
    def broken():
        raise RuntimeError("database is gone")

    app.extensions["billing"].uow = broken
    assert "1-877-623-6765" in text(post_signed, STRANGER, "HELP")


def test_a_message_id_without_sms_wording_is_skipped_not_a_crash(post_signed, fake_rasa):
    fake_rasa.replies = [BotMessage("no_such_message", {})]
    assert text(post_signed, STRANGER, "hi").startswith("Sorry, we didn't understand.")


# --- delivery status callbacks ---------------------------------------------------------------------


def status(post_signed, sid: str, state: str, *, to: str = STRANGER, error: str = "", query=""):
    params = {"MessageSid": sid, "MessageStatus": state, "To": to}
    if error:
        params["ErrorCode"] = error
    response = post_signed("/sms/status" + query, params)
    assert response.status_code == 204
    return response


def message(runtime, sid: str) -> SmsMessage:
    with runtime.uow() as uow:
        return uow.session.scalars(select(SmsMessage).where(SmsMessage.sid == sid)).one()


def test_callbacks_out_of_order_never_overwrite_a_final_state(runtime, post_signed):
    sid = send_payment_confirmation(
        runtime, STRANGER, "en", Decimal("50.00"), "9000000001", transport=RecordingTransport()
    )
    status(post_signed, sid, "delivered")
    status(post_signed, sid, "sent")
    status(post_signed, sid, "queued")
    assert message(runtime, sid).status == "delivered"


def test_duplicate_callbacks_are_idempotent(runtime, post_signed):
    sid = send_payment_confirmation(
        runtime, STRANGER, "en", Decimal("50.00"), "9000000002", transport=RecordingTransport()
    )
    for _ in range(3):
        status(post_signed, sid, "sent")
    assert message(runtime, sid).status == "sent"
    status(post_signed, sid, "undelivered", error="30003")
    status(post_signed, sid, "undelivered", error="30003")
    row = message(runtime, sid)
    assert (row.status, row.error_code) == ("undelivered", 30003)


def test_a_callback_that_beats_the_send_record_is_kept_and_merged(runtime, post_signed):
    transport = RecordingTransport()
    status(post_signed, "SM" + "1".rjust(32, "0"), "delivered")  # the SID the fake will return
    sid = send_payment_confirmation(
        runtime, STRANGER, "en", Decimal("50.00"), "9000000003", transport=transport
    )
    row = message(runtime, sid)
    assert (row.status, row.purpose, row.dedupe_key) == (
        "delivered",
        "confirmation",
        "confirmation:9000000003",
    )


def test_error_21610_in_a_callback_marks_the_number_opted_out(runtime, post_signed):
    member = add_member(runtime)
    status(post_signed, "SMdead", "failed", to=member.phone, error="21610")
    with runtime.uow() as uow:
        assert consent.is_opted_out(uow, member.phone)
        assert uow.session.get(ContactPhone, member.phone_id).opted_out_at is not None


def test_a_status_callback_confirms_a_reminder_whose_runner_died_before_recording(
    runtime, post_signed
):
    add_member(runtime)
    transport = RecordingTransport(crash_at=1, crash_with=SimulatedCrash(), crash_after_accept=True)
    with pytest.raises(SimulatedCrash):
        run_reminders(runtime, transport, settings=ReminderSettings(rate=0), now=SEVEN_DAYS_BEFORE)
    with runtime.uow() as uow:
        reminder = uow.session.scalars(select(SmsReminder)).one()
    assert reminder.status == "sending"
    status(post_signed, "SMabc", "sent", query=f"?r={reminder.id}")
    with runtime.uow() as uow:
        reminder = uow.session.get(SmsReminder, reminder.id)
    assert (reminder.status, reminder.message_sid) == ("sent", "SMabc")


# --- payment confirmation (called by the voice channel) --------------------------------------------


def test_payment_confirmation_is_texted_once_per_confirmation_number(runtime):
    transport = RecordingTransport()
    args = (runtime, STRANGER, "es", Decimal("198.00"), "9000000042")
    assert send_payment_confirmation(*args, transport=transport) is not None
    assert send_payment_confirmation(*args, transport=transport) is None
    assert [s.body for s in transport.sent] == [
        "Health Connector: recibimos su pago de $198.00. Comprobante de pago 9000000042. "
        "Responda STOP para cancelar."
    ]


def test_no_payment_confirmation_to_a_number_that_opted_out(runtime, post_signed):
    text(post_signed, STRANGER, "STOP")
    transport = RecordingTransport()
    assert (
        send_payment_confirmation(
            runtime, STRANGER, "en", Decimal("1.00"), "9000000043", transport=transport
        )
        is None
    )
    assert transport.sent == []
