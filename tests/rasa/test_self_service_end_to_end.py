"""Payment status and cancelling a payment, end to end: the real Rasa server and action server over
the session's database, by voice, text and chat, in English and Spanish (AutoPay pause and resume:
test_self_service_autopay_end_to_end.py). Each test has a member of its own
(tests/rasa/self_service_members.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from billing_core.models import Authorization, Payment
from tests.rasa.self_service_members import (
    YES,
    Conversation,
    bank_returned,
    cut_nacha_file,
    ids,
    mailed_check,
    new_member,
    pay_by_phone,
    today,
)

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

# --- payment status ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "locale", "question"),
    [("web", "en", "did my payment go through"), ("voice", "es", "ya se procesó mi pago")],
)
def test_a_pending_payment_after_the_general_rule_and_a_yes_to_look_it_up(
    rasa_stack, channel, locale, question
):
    member = new_member(rasa_stack, language=locale)
    pay_by_phone(rasa_stack, member, "240.00")
    talk = Conversation(rasa_stack, member, channel, locale)
    assert ids(talk.say(question)) == ["faq/payment_posting", "payment_status_offer_lookup"]
    assert ids(talk.say(YES[locale])) == ["ask_account_number"]
    assert ids(talk.say(member.number)) == ["ask_zip_code"]
    answer = talk.say(member.zip_code)
    assert ids(answer) == [
        "verified",
        "payment_status_scheduled",
        "payment_status_can_cancel",
        "anything_else",
    ]
    status = answer[1]
    assert (status["amount"], status["payment_channel"], status["payment_date"]) == (
        "240.00",
        "voice",
        today().isoformat(),
    )
    assert date.fromisoformat(status["final_date"]) > today()


def test_a_posted_check_by_text_from_the_members_own_phone(rasa_stack):
    member = new_member(rasa_stack)
    mailed_check(rasa_stack, member, "240.00", today() - timedelta(days=3))
    talk = Conversation(rasa_stack, member, "sms")
    assert ids(talk.say("did u get my check")) == [
        "faq/payment_posting",
        "payment_status_offer_lookup",
    ]
    assert ids(talk.say("yes")) == ["ask_zip_code"]  # the phone named the account
    answer = talk.say(member.zip_code)
    assert ids(answer) == ["verified", "payment_status_posted", "anything_else"]
    assert answer[1]["payment_channel"] == "mail"
    assert answer[1]["payment_date"] == today().isoformat()  # credited when it was imported


@pytest.mark.parametrize(("channel", "locale"), [("voice", "en"), ("web", "es")])
def test_a_returned_payment_says_why_and_when_it_is_tried_again(rasa_stack, channel, locale):
    member = new_member(rasa_stack, language=locale)
    confirmation = pay_by_phone(rasa_stack, member, "240.00")
    returned_on = bank_returned(rasa_stack, confirmation, "R01")
    talk = Conversation(rasa_stack, member, channel, locale)
    talk.verify("check my balance" if locale == "en" else "cuánto debo")
    question = "was my payment returned" if locale == "en" else "por qué me devolvieron el pago"
    answer = talk.say(question)  # verified now: the answer comes at once
    assert ids(answer) == ["payment_status_returned", "payment_next_retry", "anything_else"]
    assert answer[0]["return_reason"] == "insufficient_funds"
    assert answer[0]["returned_date"] == returned_on.isoformat()
    assert date.fromisoformat(answer[1]["retry_date"]) > returned_on


# --- cancelling a one-time payment -------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "locale", "ask"),
    [
        ("voice", "en", "cancel the payment i just made"),
        ("sms", "es", "quiero cancelar el pago que hice hoy"),
        ("web", "en", "i want to cancel a payment"),
    ],
)
def test_a_payment_not_yet_sent_is_cancelled_with_its_confirmation_number_read_back(
    rasa_stack, channel, locale, ask
):
    member = new_member(rasa_stack, language=locale)
    confirmation = pay_by_phone(rasa_stack, member, "120.00")
    talk = Conversation(rasa_stack, member, channel, locale)
    answer = talk.verify(ask)
    assert ids(answer) == ["verified", "payment_cancel_confirm"]
    assert answer[1]["confirmation_number"] == confirmation and answer[1]["amount"] == "120.00"
    done = talk.say(YES[locale])
    assert ids(done) == ["payment_cancel_done", "anything_else"]
    assert done[0]["confirmation_number"] == confirmation  # read back again once cancelled
    rt = rasa_stack.runtime()
    with rt.uow() as uow:
        payment = uow.session.scalars(
            select(Payment).where(Payment.confirmation_number == confirmation)
        ).one()
        assert payment.status == "cancelled"
        auth = uow.session.scalars(
            select(Authorization).where(
                Authorization.account_id == payment.account_id,
                Authorization.kind == "payment_cancel",
            )
        ).one()
        assert auth.channel == channel and auth.reference == f"{channel}:{talk.sender}"
    rt.engine.dispose()


@pytest.mark.parametrize(("channel", "locale"), [("voice", "en"), ("web", "es")])
def test_after_the_cutoff_the_member_is_told_and_offered_an_agent(
    rasa_stack, tmp_path, channel, locale
):
    member = new_member(rasa_stack, language=locale)
    confirmation = pay_by_phone(rasa_stack, member, "240.00")
    cut_nacha_file(rasa_stack, tmp_path)
    talk = Conversation(rasa_stack, member, channel, locale)
    answer = talk.verify("cancel my payment" if locale == "en" else "anular mi pago")
    assert ids(answer) == ["verified", "payment_cancel_too_late"]
    assert answer[1]["expect"] == "yes_no" and answer[1]["payment_date"] == today().isoformat()
    assert ids(talk.say(YES[locale]))[0] in ("transfer_to_agent", "agent_closed")
    # By chat the conversation goes on after the transfer answer (no clarify loop, no silence).
    due = talk.say("when is my bill due" if locale == "en" else "cuándo vence mi factura")
    assert ids(due)[0].startswith("due_date_")  # the account's bill is paid: the general rule
    rt = rasa_stack.runtime()
    with rt.uow() as uow:
        status = uow.session.scalar(
            select(Payment.status).where(Payment.confirmation_number == confirmation)
        )
    rt.engine.dispose()
    assert status == "pending"
