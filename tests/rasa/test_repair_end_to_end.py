"""Repair phrases inside the forms and the agent's context, through the real Rasa and action servers."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from billing_core import payment_methods
from billing_core.models import Account, AutopayEnrollment, Payment
from tests.rasa.self_service_members import Conversation, new_member, pay_by_phone

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

_ids = itertools.count()
VOICE = {"channel": "voice"}
BANK_QUESTIONS = {"ask_new_bank_account", "ask_use_bank_on_file"}
CONTEXT_KEYS = {"verified", "account_last4", "asked", "stopped_in", "reason"}


def conversation(prefix: str) -> str:
    return f"{prefix}-repair-{next(_ids)}"


def ids(payloads):  # type: ignore[no-untyped-def]
    return [p["msg"] for p in payloads]


def new_bank_reference(rasa_stack, account_number: str) -> str:  # type: ignore[no-untyped-def]
    """What the IVR does with the bank numbers it collects: store them, keep the reference."""
    rt = rasa_stack.runtime()
    with rt.uow() as uow:
        ref = payment_methods.add_bank_method(
            uow,
            account_number,
            routing_number="111000025",
            bank_account_number="555000111",
            kind="checking",
            channel="voice",
            now=datetime.now(UTC),
        )
    rt.engine.dispose()
    return ref.reference


def payments_of(rasa_stack, who: str) -> list:  # type: ignore[no-untyped-def]
    rt = rasa_stack.runtime()
    with rt.uow() as uow:
        mine = select(Payment).where(Payment.idempotency_key.like(f"rasa:voice:{who}:%"))
        found = uow.session.scalars(mine).all()
    rt.engine.dispose()
    return found


def active_loop(rasa_stack, who: str):  # type: ignore[no-untyped-def]
    return (json.loads(rasa_stack.tracker(f"voice:{who}")).get("active_loop") or {}).get("name")


def test_repeat_go_back_and_start_over_inside_the_pay_form_take_no_payment(rasa_stack):
    who = conversation("CA")
    rasa_stack.send(who, "i want to pay my bill", **VOICE)
    rasa_stack.send(who, "1000000002", **VOICE)
    assert ids(rasa_stack.send(who, "01840", **VOICE)) == ["verified", "ask_payment_amount"]
    # "Repeat that" asks the question again: never "Sorry, I didn't get an amount".
    assert ids(rasa_stack.send(who, "can you repeat that", **VOICE)) == ["ask_payment_amount"]
    assert ids(rasa_stack.send(who, "fifty dollars", **VOICE))[0] in BANK_QUESTIONS
    # "Go back" at the bank question: the amount again.
    assert ids(rasa_stack.send(who, "wait go back", **VOICE)) == ["ask_payment_amount"]
    assert ids(rasa_stack.send(who, "twenty dollars", **VOICE))[0] in BANK_QUESTIONS
    ref = new_bank_reference(rasa_stack, "1000000002")  # no other test pays by bank for Carlos
    inform = f'/inform{{"bank_method_ref":"{ref}","bank_last4":"0111","bank_kind":"checking"}}'
    script = rasa_stack.send(who, inform, **VOICE)
    assert ids(script) == ["tel_authorization"] and script[0]["amount"] == "20.00"
    # "Go back" at the authorization: the bank question again, then on to the authorization.
    assert ids(rasa_stack.send(who, "go back", **VOICE))[0] in BANK_QUESTIONS
    assert ids(rasa_stack.send(who, inform, **VOICE)) == ["tel_authorization"]
    # "Start over" at the authorization leaves the form: the menu, and no payment.
    answer = rasa_stack.send(who, "start over", **VOICE)
    assert ids(answer) == ["start_over"] and answer[0]["expect"] == "menu"
    assert active_loop(rasa_stack, who) is None
    assert "payment_confirmation" not in ids(rasa_stack.send(who, "yes", **VOICE))
    assert payments_of(rasa_stack, who) == []
    # The caller is still verified; a new payment starts from its first question.
    assert ids(rasa_stack.send(who, "/pay_bill", **VOICE)) == ["ask_payment_amount"]
    # "Go back" at the first question: there is none, so the menu.
    assert ids(rasa_stack.send(who, "go back", **VOICE)) == ["start_over"]
    assert active_loop(rasa_stack, who) is None


def test_main_menu_and_go_back_in_spanish_inside_verification(rasa_stack):
    who = conversation("CA-es")
    es = {"channel": "voice", "locale": "es"}
    assert ids(rasa_stack.send(who, "quiero pagar mi factura", **es)) == ["ask_account_number"]
    assert ids(rasa_stack.send(who, "1000000002", **es)) == ["ask_zip_code"]
    assert ids(rasa_stack.send(who, "repita por favor", **es)) == ["ask_zip_code"]
    assert ids(rasa_stack.send(who, "regrese por favor", **es)) == ["ask_account_number"]
    assert ids(rasa_stack.send(who, "1000000002", **es)) == ["ask_zip_code"]
    answer = rasa_stack.send(who, "menú principal", **es)
    assert ids(answer) == ["start_over"]
    assert active_loop(rasa_stack, who) is None


@pytest.mark.parametrize(
    ("channel", "phone"), [("web", None), ("sms", "+16175550101")], ids=["web", "sms"]
)
def test_repair_phrases_work_by_chat_and_text(rasa_stack, channel, phone):
    who = conversation(channel)
    where = {"channel": channel, "phone": phone}
    assert ids(rasa_stack.send(who, "whats my balance", **where)) == ["ask_account_number"]
    assert ids(rasa_stack.send(who, "say that again", **where)) == ["ask_account_number"]
    assert ids(rasa_stack.send(who, "1000000001", **where)) == ["ask_zip_code"]
    assert ids(rasa_stack.send(who, "go back", **where)) == ["ask_account_number"]
    answer = rasa_stack.send(who, "main menu", **where)
    assert ids(answer) == ["start_over"]
    assert {"title_msg": "button_agent", "payload": "/talk_to_agent"} in answer[0]["buttons"]
    agent = rasa_stack.send(who, "agent", **where)
    assert ids(agent)[0] in ("transfer_to_agent", "agent_closed")
    assert not CONTEXT_KEYS & set(agent[0])  # only the phone hands a call over with context


def test_go_back_and_repeat_in_the_autopay_forms(rasa_stack):
    who = conversation("CA-autopay")
    rasa_stack.send(who, "sign me up for autopay", **VOICE)
    rasa_stack.send(who, "2000000001", **VOICE)
    assert ids(rasa_stack.send(who, "01930", **VOICE)) == ["verified", "ask_draft_day"]
    assert ids(rasa_stack.send(who, "the tenth", **VOICE))[0] in BANK_QUESTIONS
    assert ids(rasa_stack.send(who, "go back", **VOICE)) == ["ask_draft_day"]
    assert ids(rasa_stack.send(who, "what did you say", **VOICE)) == ["ask_draft_day"]
    assert ids(rasa_stack.send(who, "start from the beginning", **VOICE)) == ["start_over"]
    assert active_loop(rasa_stack, who) is None


def test_on_the_phone_the_agent_request_carries_the_context_and_nothing_sensitive(rasa_stack):
    who = conversation("CA-agent")
    voice = {"channel": "voice", "phone": "+19785550105"}  # Cape Ann Bakery's phone
    rasa_stack.send(who, "i need to make a payment", **voice)
    rasa_stack.send(who, "2000000001", **voice)
    assert ids(rasa_stack.send(who, "01930", **voice)) == ["verified", "ask_payment_amount"]
    answer = rasa_stack.send(who, "can i talk to an agent", **voice)
    assert ids(answer)[0] in ("transfer_to_agent", "agent_closed")
    context = {k: v for k, v in answer[0].items() if k in CONTEXT_KEYS}
    assert context == {
        "verified": True,
        "account_last4": "0001",
        "asked": ["pay_bill"],
        "stopped_in": "pay_form.payment_amount",
        "reason": "caller_asked",
    }
    said = json.dumps(answer)
    assert not any(s in said for s in ("01930", "2000000001", "+19785550105"))


def test_an_unverified_caller_who_was_not_understood_is_handed_over_as_such(rasa_stack):
    who = conversation("CA-fallback")
    rasa_stack.send(who, "/nlu_fallback", **VOICE)
    rasa_stack.send(who, "/nlu_fallback", **VOICE)
    answer = rasa_stack.send(who, "yes", **VOICE)
    assert answer[0]["verified"] is False and answer[0]["asked"] == []
    assert answer[0]["reason"] == "not_understood"
    assert "account_last4" not in answer[0] and "stopped_in" not in answer[0]


def test_the_ivrs_slash_messages_rewind_and_leave_the_form_too(rasa_stack):
    """What the IVR sends for "go back" / "start over" said at its own prompts (the bank entry)."""
    who = conversation("CA-slash")
    rasa_stack.send(who, "/pay_bill", **VOICE)
    rasa_stack.send(who, '/inform{"account_number":"1000000002"}', **VOICE)
    rasa_stack.send(who, '/inform{"zip_code":"01840"}', **VOICE)
    assert ids(rasa_stack.send(who, '/inform{"amount":"10.00"}', **VOICE))[0] in BANK_QUESTIONS
    assert ids(rasa_stack.send(who, "/go_back", **VOICE)) == ["ask_payment_amount"]
    assert ids(rasa_stack.send(who, "/start_over", **VOICE)) == ["start_over"]
    assert active_loop(rasa_stack, who) is None


def test_repeat_go_back_and_start_over_in_the_self_service_forms_change_nothing(rasa_stack):
    """Forms added after the pay form have no repair rule of their own either (none has)."""
    member = new_member(rasa_stack, autopay_day=12)
    confirmation = pay_by_phone(rasa_stack, member, "80.00")
    talk = Conversation(rasa_stack, member, "voice")
    asked = talk.verify("cancel the payment i just made")
    assert ids(asked) == ["verified", "payment_cancel_confirm"]
    again = talk.say("can you repeat that")
    assert again == asked[1:] and again[0]["confirmation_number"] == confirmation
    # Its only question: "go back" has nowhere to go but the menu.
    assert ids(talk.say("go back")) == ["start_over"]
    assert active_loop(rasa_stack, talk.sender) is None
    pause = talk.say("i need to skip autopay this month")
    assert ids(pause)[-1].startswith("autopay_pause_confirm")
    assert talk.say("say that again")[-1] == pause[-1]
    assert ids(talk.say("main menu")) == ["start_over"]
    assert active_loop(rasa_stack, talk.sender) is None
    rt = rasa_stack.runtime()
    with rt.uow() as uow:
        paid = uow.session.scalars(
            select(Payment).where(Payment.confirmation_number == confirmation)
        ).one()
        enrollment = uow.session.scalars(
            select(AutopayEnrollment)
            .join(Account, Account.id == AutopayEnrollment.account_id)
            .where(Account.account_number == member.number)
        ).one()
        assert paid.status == "pending" and enrollment.skip_month is None
    rt.engine.dispose()
