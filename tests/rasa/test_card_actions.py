"""With the card policy on: a card is offered for one-time payments only, and its fee is part of the
authorization the member agrees to."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from actions.autopay import ValidateAutopayEnrollForm
from actions.bank import ActionAskBankMethodRef
from actions.payment import ActionAskPaymentConfirmed, ActionSubmitPayment, ValidatePayForm
from billing_core import payment_methods
from billing_core.models import Authorization, Payment
from billing_core.runtime import BillingRuntime
from messages.render import render
from tests.rasa.conftest import demo_for_actions, make_tracker, msg_ids, payloads, slot_events
from tests.rasa.test_actions import run, validate

MARIA = {"verified": True, "account_number": "1000000001", "member_name": "Maria Silva"}
CARD_POLICY = {"card_payments_enabled": True, "card_fee_amount": "2.95"}


@pytest.fixture
def card_demo(
    sqlite_template: Path, tmp_path: Path, clock: time_machine.Traveller
) -> Iterator[BillingRuntime]:
    settings = {"card_payments_enabled": True, "card_convenience_fee": Decimal("2.95")}
    with demo_for_actions(sqlite_template, tmp_path, **settings) as rt:
        yield rt


@pytest.fixture
def card(card_demo) -> str:
    with card_demo.uow() as uow:
        return payment_methods.add_card(
            uow,
            "1000000001",
            token="ctok_1",
            connector="Default",
            last4="1111",
            channel="voice",
            now=datetime.now(UTC),
        ).reference


def test_the_channel_may_offer_a_card_for_a_payment_but_not_for_autopay(card_demo):
    slots = {**MARIA, **CARD_POLICY}
    paying, _ = run(ActionAskBankMethodRef(), make_tracker(slots=slots, active_loop="pay_form"))
    assert payloads(paying) == [
        {
            "msg": "ask_new_bank_account",
            "expect": "bank_account",
            "account_number": "1000000001",
            "cards_allowed": True,
            "card_fee_amount": "2.95",
        }
    ]
    enrolling, _ = run(
        ActionAskBankMethodRef(), make_tracker(slots=slots, active_loop="autopay_enroll_form")
    )
    assert "cards_allowed" not in payloads(enrolling)[0]
    policy_off, _ = run(
        ActionAskBankMethodRef(),
        make_tracker(slots={**MARIA, "card_payments_enabled": False}, active_loop="pay_form"),
    )
    assert "cards_allowed" not in payloads(policy_off)[0]


def test_a_card_reference_is_a_payment_method_but_never_an_autopay_account(card_demo, card):
    tracker = make_tracker(slots=MARIA, text="/inform", intent="inform")
    _, result = validate(ValidatePayForm(), "validate_bank_method_ref", card, tracker)
    assert (result["bank_method_ref"], result["bank_kind"], result["bank_last4"]) == (
        card,
        "card",
        "1111",
    )
    dispatcher, result = validate(
        ValidateAutopayEnrollForm(), "validate_bank_method_ref", card, tracker
    )
    assert result["bank_method_ref"] is None
    assert msg_ids(dispatcher) == ["error_payment_method_not_found"]


def test_the_card_authorization_names_the_fee_and_the_payment_carries_it(card_demo, card):
    slots = {
        **MARIA,
        **CARD_POLICY,
        "payment_amount": "100.00",
        "bank_method_ref": card,
        "bank_kind": "card",
        "bank_last4": "1111",
    }
    asked, ask_events = run(ActionAskPaymentConfirmed(), make_tracker(slots=slots))
    script = payloads(asked)[0]
    assert script["msg"] == "card_authorization" and script["expect"] == "yes_no"
    assert (script["amount"], script["fee_amount"], script["total_amount"]) == (
        "100.00",
        "2.95",
        "102.95",
    )
    spoken = render("card_authorization", script, locale="en", channel="voice")
    assert "convenience fee of 2 dollars and 95 cents" in spoken
    assert spoken.count("press 1") == 1
    assert "cargo por servicio de 2 dólares" in render(
        "card_authorization", script, locale="es", channel="voice"
    )

    tracker = make_tracker(
        slots={**slots, "payment_confirmed": "yes", **slot_events(ask_events)},
        text="yes",
        intent="affirm",
    )
    dispatcher, _ = run(ActionSubmitPayment(), tracker)
    receipt = payloads(dispatcher)[0]
    assert receipt["msg"] == "payment_confirmation_card"
    assert (receipt["amount"], receipt["fee_amount"], receipt["last4"]) == (
        "100.00",
        "2.95",
        "1111",
    )
    with card_demo.uow() as uow:
        payment = uow.session.scalars(
            select(Payment).where(Payment.confirmation_number == receipt["confirmation_number"])
        ).one()
        auth = uow.session.get(Authorization, payment.authorization_id)
    assert (payment.method, payment.fee, payment.sec_code) == ("card", Decimal("2.95"), None)
    assert auth.kind == "one_time_card" and auth.script_version.startswith("card-")
    assert "convenience fee" in auth.script_text
