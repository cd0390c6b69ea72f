"""Whole conversations through the real Rasa server, the action server and a demo database."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from billing_core import payment_methods
from billing_core.backoffice.models import AccountStanding, MemberNotification
from billing_core.billing_calendar import utcnow
from billing_core.delinquency import delinquency_state
from billing_core.models import Account, Authorization, Payment

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

_ids = itertools.count()


def conversation(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def add_bank_account(rasa_stack, account_number: str, number: str) -> str:
    """What the channel does with the bank numbers it collects itself: store, keep the reference."""
    rt = rasa_stack.runtime()
    with rt.uow() as uow:
        ref = payment_methods.add_bank_method(
            uow,
            account_number,
            routing_number="111000025",
            bank_account_number=number,
            kind="savings" if number.endswith("4321") else "checking",
            channel="voice",
            now=datetime.now(UTC),
        )
    rt.engine.dispose()
    return ref.reference


def ids(payloads):
    return [p["msg"] for p in payloads]


def test_verify_then_balance_on_the_web(rasa_stack):
    who = conversation("web-balance")
    assert ids(rasa_stack.send(who, "what's my balance")) == ["ask_account_number"]
    assert ids(rasa_stack.send(who, '/inform{"account_number":"1000000004"}')) == ["ask_zip_code"]
    answer = rasa_stack.send(who, "02740")
    assert ids(answer) == ["verified", "balance_due", "last_payment", "anything_else"]
    assert answer[1]["amount"] == "512.40"
    assert ids(rasa_stack.send(who, "no thanks")) == ["goodbye"]


def test_pay_the_full_balance_by_phone_with_the_account_on_file(rasa_stack):
    who = conversation("CA-pay")
    voice = {"channel": "voice", "caller_account": "1000000004", "phone": "+15085550104"}
    # Calling from the phone on the account: the ZIP code answers the first question.
    assert ids(rasa_stack.send(who, "um i want to pay my bill", **voice)) == ["ask_account_number"]
    answer = rasa_stack.send(who, "oh two seven four oh", **voice)
    assert ids(answer) == ["verified", "ask_payment_amount"]
    assert answer[1]["buttons"][0]["payload"] == '/inform{"amount":"512.40"}'
    answer = rasa_stack.send(who, "the full balance", **voice)
    assert ids(answer) == ["ask_use_bank_on_file"]
    assert answer[0]["last4"] == "6789"
    script = rasa_stack.send(who, "yes", **voice)
    assert ids(script) == ["tel_authorization"]
    assert script[0]["amount"] == "512.40" and script[0]["member_name"] == "Linda Chen"
    done = rasa_stack.send(who, "yes i authorize it", **voice)
    assert ids(done) == ["payment_confirmation", "anything_else"]
    number = done[0]["confirmation_number"]
    rt = rasa_stack.runtime()
    with rt.uow() as uow:
        payment = uow.session.scalars(
            select(Payment).where(Payment.confirmation_number == number)
        ).one()
        auth = uow.session.get(Authorization, payment.authorization_id)
        assert auth.channel == "voice" and auth.reference == f"voice:{who}"
        assert "512 dollars and 40 cents" in auth.script_text
        assert "6 7 8 9" in auth.script_text
    rt.engine.dispose()
    log = rasa_stack.log_text()
    assert "000123456789" not in log  # the demo bank account number never reaches Rasa


VOICE = {"channel": "voice"}


def test_a_due_date_question_and_a_faq_in_the_middle_of_a_payment(rasa_stack):
    who = conversation("CA-digress")
    rasa_stack.send(who, "pay my bill", **VOICE)
    rasa_stack.send(who, "1000000003", **VOICE)
    assert ids(rasa_stack.send(who, "01103", **VOICE)) == ["verified", "ask_payment_amount"]
    assert ids(rasa_stack.send(who, "when is my bill due", **VOICE)) == [
        "due_date_account",
        "past_due_now",
        "ask_payment_amount",
    ]
    answer = rasa_stack.send(who, "can i pay with a credit card", **VOICE)
    assert ids(answer) == ["faq/card_payments", "ask_payment_amount"]
    assert ids(rasa_stack.send(who, "two hundred dollars", **VOICE)) == ["ask_new_bank_account"]


@pytest.mark.parametrize(
    "zip_answer", ["02108", '/inform{"zip_code":"02108"}', "april twelfth nineteen eighty five"]
)
def test_after_the_zip_code_the_pay_form_simply_asks_for_the_amount(rasa_stack, zip_answer):
    who = conversation("CA-zip-then-amount")
    rasa_stack.send(who, "i want to pay my bill", **VOICE)
    rasa_stack.send(who, "1000000001", **VOICE)
    answer = rasa_stack.send(who, zip_answer, **VOICE)
    # Not "Sorry, I didn't get an amount." nor "Sorry, I need a yes or a no." first.
    assert ids(answer) == ["verified", "ask_payment_amount"]


def test_a_new_bank_account_comes_back_as_a_reference_from_the_channel(rasa_stack):
    who = conversation("CA-newbank")
    rasa_stack.send(who, "i want to make a payment", **VOICE)
    rasa_stack.send(who, "1000000001", **VOICE)
    rasa_stack.send(who, "02108", **VOICE)
    answer = rasa_stack.send(who, "$50", **VOICE)
    if ids(answer) == ["ask_use_bank_on_file"]:  # a call earlier in the session saved one
        answer = rasa_stack.send(who, "/deny", **VOICE)
    # The IVR collects and stores the numbers for this account itself.
    assert answer == [
        {"msg": "ask_new_bank_account", "expect": "bank_account", "account_number": "1000000001"}
    ]
    ref = add_bank_account(rasa_stack, "1000000001", "987654321")
    inform = f'/inform{{"bank_method_ref":"{ref}","bank_last4":"4321","bank_kind":"savings"}}'
    script = rasa_stack.send(who, inform, **VOICE)
    assert ids(script) == ["tel_authorization"] and script[0]["last4"] == "4321"
    assert script[0]["instructions_included"] is True
    done = rasa_stack.send(who, "/affirm", **VOICE)
    assert ids(done) == ["payment_confirmation", "anything_else"]


def test_declining_the_authorization_takes_no_payment(rasa_stack):
    who = conversation("CA-decline")
    rasa_stack.send(who, "make a payment", **VOICE)
    rasa_stack.send(who, '/inform{"account_number":"2000000001"}', **VOICE)
    rasa_stack.send(who, '/inform{"zip_code":"01930"}', **VOICE)
    answer = rasa_stack.send(who, '/inform{"amount":"100.00"}', **VOICE)
    assert ids(answer) == ["ask_new_bank_account"]
    ref = add_bank_account(rasa_stack, "2000000001", "123456789")
    inform = f'/inform{{"bank_method_ref":"{ref}","bank_last4":"6789","bank_kind":"checking"}}'
    assert ids(rasa_stack.send(who, inform, **VOICE)) == ["tel_authorization"]
    assert ids(rasa_stack.send(who, "no", **VOICE)) == ["payment_cancelled", "anything_else"]
    rt = rasa_stack.runtime()
    with rt.uow() as uow:
        # Payment keys name the conversation as Rasa knows it: `rasa:voice:<sid>:…`
        # (actions.common), as the paying tests in tests/rasa/test_repair_end_to_end.py find them.
        mine = select(Payment).where(Payment.idempotency_key.like(f"rasa:voice:{who}:%"))
        assert uow.session.scalars(mine).all() == []
    rt.engine.dispose()


@pytest.mark.parametrize(
    ("channel", "phone"), [("web", None), ("sms", "+16175550101")], ids=["web", "sms"]
)
def test_paying_by_chat_or_text_says_what_is_owed_and_where_to_pay(rasa_stack, channel, phone):
    who = conversation(f"{channel}-pay")
    where = {"channel": channel, "phone": phone}
    assert ids(rasa_stack.send(who, "i want to pay", **where)) == ["ask_account_number"]
    rasa_stack.send(who, "1000000001", **where)
    answer = rasa_stack.send(who, "02108", **where)
    assert ids(answer)[0] == "verified"
    assert ids(answer)[1] in ("balance_due", "balance_past_due")
    assert ids(answer)[-2:] == ["pay_elsewhere", "anything_else"]
    assert not any("bank" in msg or "payment_amount" in msg for msg in ids(answer))
    # Once verified, asking again answers at once; AutoPay enrollment is pointed elsewhere too.
    assert ids(rasa_stack.send(who, "/pay_bill", **where))[-2:] == [
        "pay_elsewhere",
        "anything_else",
    ]
    assert ids(rasa_stack.send(who, "sign me up for autopay", **where))[-2:] == [
        "autopay_elsewhere",
        "anything_else",
    ]


def test_autopay_status_cancel_and_enroll(rasa_stack):
    who = conversation("CA-autopay")
    rasa_stack.send(who, "am i on autopay", **VOICE)
    rasa_stack.send(who, "1000000004", **VOICE)
    status = rasa_stack.send(who, "02740", **VOICE)
    # autopay_active, or autopay_active_nothing_due once another test paid this bill
    assert ids(status)[0] == "verified" and ids(status)[1].startswith("autopay_active")
    assert status[1]["draft_day"] == 21
    assert ids(rasa_stack.send(who, "cancel autopay", **VOICE)) == ["autopay_cancel_confirm"]
    assert ids(rasa_stack.send(who, "yes", **VOICE)) == ["autopay_cancelled", "anything_else"]
    assert ids(rasa_stack.send(who, "sign me up for autopay", **VOICE)) == ["ask_draft_day"]
    assert ids(rasa_stack.send(who, "the fifteenth", **VOICE)) == ["ask_use_bank_on_file"]
    assert ids(rasa_stack.send(who, "yes", **VOICE)) == ["autopay_authorization"]
    answer = rasa_stack.send(who, "yes", **VOICE)
    assert ids(answer) == ["autopay_enrolled", "anything_else"]
    assert answer[0]["draft_day"] == 15
    rt = rasa_stack.runtime()
    with rt.uow() as uow:
        due = uow.session.scalars(
            select(MemberNotification).where(MemberNotification.kind == "autopay_written_copy")
        ).all()
        assert 15 in [n.params["draft_day"] for n in due]
    rt.engine.dispose()


def test_a_spanish_caller_checks_the_balance(rasa_stack):
    who = conversation("CA-es")
    es = {"channel": "voice", "locale": "es"}
    assert ids(rasa_stack.send(who, "cuánto debo", **es)) == ["ask_account_number"]
    assert ids(rasa_stack.send(who, "uno cero cero cero cero cero cero cero cero dos", **es)) == [
        "ask_zip_code"
    ]
    answer = rasa_stack.send(who, "cero uno ocho cuatro cero", **es)
    assert ids(answer)[:2] == ["verified", "balance_due"]
    assert answer[1]["amount"] == "100.00"
    assert ids(rasa_stack.send(who, "cómo pago por correo postal", **es))[0].startswith("faq/")


def test_by_text_an_unknown_phone_gets_faq_answers_but_no_account_details(rasa_stack):
    who = conversation("sms")
    sms = {"channel": "sms", "phone": "+16175550999"}
    assert ids(rasa_stack.send(who, "bal", **sms)) == ["ask_account_number"]
    rasa_stack.send(who, "1000000001", **sms)
    answer = rasa_stack.send(who, "02108", **sms)
    assert ids(answer) == ["sms_account_not_available", "anything_else"]
    assert ids(rasa_stack.send(who, "do you take debit cards", **sms)) == ["faq/card_payments"]


def test_two_misses_in_a_row_offer_an_agent(rasa_stack):
    who = conversation("web-fallback")
    assert ids(rasa_stack.send(who, "/nlu_fallback")) == ["clarify"]
    offer = rasa_stack.send(who, "/nlu_fallback")
    assert ids(offer) == ["fallback_offer_agent"]
    assert {"title_msg": "button_agent", "payload": "/talk_to_agent"} in offer[0]["buttons"]
    assert ids(rasa_stack.send(who, "yes"))[0] in ("transfer_to_agent", "agent_closed")


def test_an_agent_request_in_the_middle_of_verification_leaves_the_form(rasa_stack):
    who = conversation("web-agent")
    rasa_stack.send(who, "check my balance")
    assert ids(rasa_stack.send(who, "let me talk to a person"))[0] in (
        "transfer_to_agent",
        "agent_closed",
    )
    assert ids(rasa_stack.send(who, "when is my payment due")) == [
        "due_date_general",
        "anything_else",
    ]


def test_what_happens_if_i_pay_late_uses_the_verified_accounts_real_state(rasa_stack):
    stranger = conversation("web-late-general")
    assert ids(rasa_stack.send(stranger, "what happens if i pay late")) == ["faq/late_payment"]

    who = conversation("web-late-james")  # James O'Brien: APTC, inside his grace period
    rasa_stack.send(who, "what's my balance")
    rasa_stack.send(who, '/inform{"account_number":"1000000003"}')
    rasa_stack.send(who, "01103")
    answer = rasa_stack.send(who, "what happens if i pay late")
    assert ids(answer)[0] == "faq/late_payment.grace"
    rt = rasa_stack.runtime()
    with rt.uow() as uow:
        state = delinquency_state(uow, "1000000003", on=utcnow())
    rt.engine.dispose()
    assert answer[0]["grace_end_date"] == state.grace_ends.isoformat()
    assert answer[0]["past_due_amount"] == str(state.past_due_amount)


def test_a_terminated_member_hears_the_termination_date_and_the_reinstatement_deadline(rasa_stack):
    rt = rasa_stack.runtime()
    today = utcnow().date()
    with rt.uow() as uow:  # what the delinquency job records when it terminates Linda's coverage
        account_id = uow.session.scalar(
            select(Account.id).where(Account.account_number == "1000000004")
        )
        uow.session.add(
            AccountStanding(
                account_id=account_id,
                state="terminated",
                reason="short_grace",
                past_due_amount=Decimal("0.00"),
                coverage_ends=date(2026, 11, 30),
                terminated_on=today,
                reinstate_by=today + timedelta(days=35),
                evaluated_on=today,
                since=today,
            )
        )
    try:
        who = conversation("web-late-linda")
        rasa_stack.send(who, "what's my balance")
        rasa_stack.send(who, '/inform{"account_number":"1000000004"}')
        rasa_stack.send(who, "02740")
        answer = rasa_stack.send(who, "what happens if i pay late")
        assert ids(answer)[0] == "faq/late_payment.terminated"
        assert answer[0]["coverage_end_date"] == "2026-11-30"
        assert answer[0]["reinstate_date"] == (today + timedelta(days=35)).isoformat()
    finally:
        with rt.uow() as uow:
            uow.session.delete(uow.session.get(AccountStanding, account_id))
        rt.engine.dispose()
