"""Custom actions with rasa-sdk's CollectingDispatcher and real trackers over a real demo database."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.account import ActionAutopayStatus, ActionCheckBalance, ActionDueDate
from actions.autopay import (
    ActionAskAutopayConfirmed,
    ActionPrepareAutopayCancel,
    ActionPrepareAutopayEnroll,
    ActionSubmitAutopayCancel,
    ActionSubmitAutopayEnroll,
    ValidateAutopayEnrollForm,
)
from actions.bank import ActionAskBankMethodRef
from actions.conversation import ActionClarify, ActionRepeat, ActionTransferToAgent
from actions.payment import (
    ActionAskPaymentConfirmed,
    ActionPreparePayment,
    ActionSubmitPayment,
    ValidatePayForm,
)
from actions.session import ActionSessionStart
from actions.verify import ValidateVerifyForm
from billing_core import autopay, payment_methods
from billing_core.backoffice.models import AccountStanding, MemberNotification
from billing_core.models import Account, Authorization, Payment
from messages.render import render
from tests.rasa.conftest import demo_for_actions, make_tracker, msg_ids, payloads, slot_events

VERIFIED = {"verified": True, "account_number": "1000000004", "member_name": "Linda Chen"}
VERIFY_DOMAIN = {
    "forms": {"verify_form": {"required_slots": ["account_number", "zip_code", "date_of_birth"]}}
}


def run(action, tracker, domain=None):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain or {}))
    return dispatcher, events


def validate(action, method, value, tracker):
    dispatcher = CollectingDispatcher()
    result = asyncio.run(getattr(action, method)(value, dispatcher, tracker, {}))
    return dispatcher, result


def form_turn(form, requested_slot, slots, text, intent="inform", metadata=None):
    """A tracker as a form's validation action sees it when the member answers its question."""
    return make_tracker(
        slots={**slots, "requested_slot": requested_slot},
        text=text,
        intent=intent,
        active_loop=form,
        metadata=metadata,
    )


def verify_turn(slots, text, value_slot="zip_code", metadata=None):
    """A verify_form validation run, as Rasa sends it after extracting one slot."""
    events = [
        {"event": "user", "text": text, "timestamp": 1.0},
        {"event": "slot", "name": value_slot, "value": text},
    ]
    tracker = make_tracker(
        slots={**slots, value_slot: text},
        text=text,
        intent="inform",
        events=events,
        active_loop="verify_form",
        metadata=metadata,
    )
    return run(ValidateVerifyForm(), tracker, VERIFY_DOMAIN)


# --- session start -------------------------------------------------------------------------


def test_a_voice_call_never_prefills_the_account_from_caller_id(demo):
    """Caller ID can be spoofed: every caller is asked the same first question
    (billing_core.caller_id_verification), so the account is not prefilled."""
    tracker = make_tracker(
        sender_id="voice:CA0001",
        slots={
            "session_started_metadata": {
                "channel": "voice",
                "locale": "es",
                "phone": "+15085550104",
                "caller_account": "1000000004",
            }
        },
    )
    _, events = run(ActionSessionStart(), tracker)
    slots = slot_events(events)
    assert "account_number" not in slots and "caller_account" not in slots
    assert slots["phone"] == "+15085550104"
    assert slots["locale"] == "es" and slots["channel"] == "voice"
    assert slots["card_payments_enabled"] is False
    assert events[-1]["name"] == "action_listen"


def test_a_texting_number_verified_on_one_account_prefills_it_too(demo):
    tracker = make_tracker(
        sender_id="sms:CA0001",
        slots={
            "session_started_metadata": {
                "channel": "sms",
                "locale": "en",
                "caller_account": "1000000004",
            }
        },
    )
    _, events = run(ActionSessionStart(), tracker)
    assert slot_events(events)["account_number"] == "1000000004"


def test_a_caller_account_is_ignored_in_the_web_chat(demo):
    tracker = make_tracker(
        sender_id="web:CA0001",
        slots={
            "session_started_metadata": {
                "channel": "web",
                "locale": "en",
                "caller_account": "1000000004",
            }
        },
    )
    _, events = run(ActionSessionStart(), tracker)
    assert "account_number" not in slot_events(events)


def test_the_card_policy_setting_reaches_the_conversation(sqlite_template, tmp_path, clock):
    with demo_for_actions(sqlite_template, tmp_path, card_payments_enabled=True):
        _, events = run(ActionSessionStart(), make_tracker(slots={"session_started_metadata": {}}))
    assert slot_events(events)["card_payments_enabled"] is True
    assert slot_events(events)["card_fee_amount"] == "2.95"


# --- verification --------------------------------------------------------------------------


def test_account_number_and_zip_code_verify_the_caller(demo):
    dispatcher, events = verify_turn({"account_number": "1000000004"}, "oh two seven four oh")
    slots = slot_events(events)
    assert slots["verified"] is True
    assert slots["member_name"] == "Linda Chen"
    assert slots["requested_slot"] is None  # the form is done
    assert msg_ids(dispatcher) == ["verified"]


def test_a_spoken_birth_date_at_the_zip_prompt_also_verifies(demo):
    _dispatcher, events = verify_turn(
        {"account_number": "1000000001"}, "april twelfth nineteen eighty five"
    )
    assert slot_events(events)["verified"] is True


def test_a_spoken_account_number_is_accepted(demo):
    _dispatcher, events = verify_turn(
        {},
        "um my account number is one zero zero zero zero zero zero zero zero one",
        value_slot="account_number",
    )
    slots = slot_events(events)
    assert slots["account_number"] == "1000000001"
    assert slots["requested_slot"] == "zip_code"


def test_wrong_details_say_how_many_tries_are_left_and_ask_again(demo):
    dispatcher, events = verify_turn({"account_number": "1000000004"}, "02108")
    slots = slot_events(events)
    assert payloads(dispatcher) == [{"msg": "error_verification_failed", "tries_left": 2}]
    assert slots["account_number"] is None and slots["zip_code"] is None
    assert slots["requested_slot"] == "account_number"
    assert not slots.get("verified")


def test_the_last_try_is_said_in_the_singular(demo, monkeypatch):
    verify_turn({"account_number": "1000000004"}, "02108")
    dispatcher, _ = verify_turn({"account_number": "1000000004"}, "02108")
    assert payloads(dispatcher) == [{"msg": "error_verification_failed_one", "tries_left": 1}]
    for locale, words in (("en", "one try left"), ("es", "Le queda un intento")):
        for channel in ("voice", "sms", "web"):
            text = render(
                "error_verification_failed_one", {"tries_left": 1}, locale=locale, channel=channel
            )
            assert words in text and "tries" not in text and "intentos" not in text


def test_three_failures_lock_verification_and_end_the_form(demo):
    for _ in range(2):
        verify_turn({"account_number": "1000000004"}, "02108")
    dispatcher, events = verify_turn({"account_number": "1000000004"}, "02108")
    slots = slot_events(events)
    assert msg_ids(dispatcher) == ["error_verification_locked"]
    assert "locked_until_at" in payloads(dispatcher)[0]
    assert slots["verification_stopped"] == "locked"
    assert slots["verification_locked_until"]
    assert slots["requested_slot"] is None


def _locked_conversation_tracker(locked_until):
    return make_tracker(
        slots={"verification_stopped": "locked", "verification_locked_until": locked_until},
        text="what's my balance",
        intent="check_balance",
    )


def test_a_locked_conversation_stays_locked_until_the_lock_expires(demo, clock):
    for _ in range(3):
        _, events = verify_turn({"account_number": "1000000004"}, "02108")
    until = slot_events(events)["verification_locked_until"]

    dispatcher, events = run(
        ValidateVerifyForm(), _locked_conversation_tracker(until), VERIFY_DOMAIN
    )
    assert msg_ids(dispatcher) == ["verification_still_locked"]
    assert slot_events(events) == {"requested_slot": None}

    clock.shift(16 * 60)  # the 15-minute lock is over: ask again, billing_core decides
    dispatcher, events = run(
        ValidateVerifyForm(), _locked_conversation_tracker(until), VERIFY_DOMAIN
    )
    slots = slot_events(events)
    assert msg_ids(dispatcher) == []
    assert slots["verification_stopped"] is None and slots["verification_locked_until"] is None
    assert slots["requested_slot"] == "account_number"
    _, events = verify_turn({"account_number": "1000000004"}, "02740")
    assert slot_events(events)["verified"] is True


def test_after_the_lock_expires_billing_core_still_refuses_a_locked_account(demo, clock):
    for _ in range(3):
        verify_turn({"account_number": "1000000004"}, "02108")
    # The conversation's copy of the lock says it is over, but the account is still locked.
    earlier = "2026-12-01T14:00:00+00:00"
    dispatcher, events = run(
        ValidateVerifyForm(), _locked_conversation_tracker(earlier), VERIFY_DOMAIN
    )
    assert slot_events(events)["requested_slot"] == "account_number"
    dispatcher, events = verify_turn({"account_number": "1000000004"}, "02740")
    assert msg_ids(dispatcher) == ["error_verification_locked"]
    assert slot_events(events)["verification_stopped"] == "locked"


def test_by_text_only_a_phone_verified_on_the_account_gets_account_answers(demo):
    sms = {"channel": "sms", "locale": "en", "phone": "+16175550101"}  # Maria's phone
    dispatcher, events = verify_turn({"account_number": "1000000004"}, "02740", metadata=sms)
    assert msg_ids(dispatcher) == ["sms_account_not_available"]
    assert not slot_events(events).get("verified")
    dispatcher, events = verify_turn({"account_number": "1000000001"}, "02108", metadata=sms)
    assert slot_events(events)["verified"] is True


# --- balance, due date, AutoPay status -------------------------------------------------------


def test_balance_of_a_past_due_member(demo):
    slots = {"verified": True, "account_number": "1000000003"}
    dispatcher, _ = run(ActionCheckBalance(), make_tracker(slots=slots))
    first = payloads(dispatcher)[0]
    assert first == {"msg": "balance_past_due", "amount": "594.00", "past_due_amount": "396.00"}
    assert msg_ids(dispatcher)[-1] == "anything_else"


def test_balance_of_a_current_member_names_the_due_date(demo):
    dispatcher, _ = run(ActionCheckBalance(), make_tracker(slots=VERIFIED))
    assert payloads(dispatcher)[0] == {
        "msg": "balance_due",
        "amount": "512.40",
        "due_date": "2026-12-23",
    }


def test_balance_needs_a_verified_caller(demo):
    dispatcher, _ = run(ActionCheckBalance(), make_tracker(slots={"account_number": "1000000004"}))
    assert msg_ids(dispatcher) == ["verification_required"]


def test_due_date_without_verification_gives_the_general_rule(demo):
    dispatcher, _ = run(ActionDueDate(), make_tracker())
    assert payloads(dispatcher)[0] == {
        "msg": "due_date_general",
        "due_date": "2026-12-23",
        "coverage_date": "2027-01-01",
    }


def test_due_date_inside_a_form_does_not_ask_anything_else(demo):
    dispatcher, _ = run(ActionDueDate(), make_tracker(slots=VERIFIED, active_loop="pay_form"))
    assert msg_ids(dispatcher) == ["due_date_account"]


def test_autopay_status_of_an_enrolled_member(demo):
    dispatcher, _ = run(ActionAutopayStatus(), make_tracker(slots=VERIFIED))
    assert payloads(dispatcher)[0] == {
        "msg": "autopay_active",
        "draft_day": 21,
        "bank_kind": "checking",
        "last4": "6789",
        "next_draft_date": "2026-12-21",
        "next_draft_amount": "512.40",
    }


def test_autopay_status_of_a_member_not_enrolled_offers_enrollment(demo):
    slots = {"verified": True, "account_number": "1000000001"}
    dispatcher, _ = run(ActionAutopayStatus(), make_tracker(slots=slots))
    first = payloads(dispatcher)[0]
    assert first["msg"] == "autopay_not_enrolled"
    assert first["buttons"][0]["payload"] == "/enroll_autopay"


# --- paying ----------------------------------------------------------------------------------


def test_prepare_payment_opens_the_form_only_when_something_is_owed(demo):
    _, events = run(ActionPreparePayment(), make_tracker(slots=VERIFIED))
    assert slot_events(events)["task_ready"] is True
    assert slot_events(events)["amount_due"] == "512.40"


WEB = {"channel": "web", "locale": "en"}
SMS = {"channel": "sms", "locale": "en", "phone": "+15085550104"}


@pytest.mark.parametrize("metadata", [WEB, SMS], ids=["web", "sms"])
def test_chat_and_text_say_what_is_owed_and_where_to_pay_never_ask_for_bank_numbers(demo, metadata):
    tracker = make_tracker(
        slots=VERIFIED, text="i want to pay", intent="pay_bill", metadata=metadata
    )
    dispatcher, events = run(ActionPreparePayment(), tracker)
    assert msg_ids(dispatcher) == ["balance_due", "last_payment", "pay_elsewhere"]
    assert payloads(dispatcher)[0]["amount"] == "512.40"
    assert slot_events(events)["task_ready"] is False  # the pay form does not open
    for locale in ("en", "es"):
        text = render(
            "pay_elsewhere", payloads(dispatcher)[-1], locale=locale, channel=metadata["channel"]
        )
        assert "MAhealthconnector.org" in text or "MAHealthConnector.org" in text
        assert "Locate Account" in text and "1-877-623-6765" in text
        assert "routing" not in text.lower() and "ruta" not in text.lower()


@pytest.mark.parametrize("metadata", [WEB, SMS], ids=["web", "sms"])
def test_chat_and_text_point_autopay_enrollment_elsewhere(demo, metadata):
    tracker = make_tracker(
        slots=VERIFIED, text="sign me up", intent="enroll_autopay", metadata=metadata
    )
    dispatcher, events = run(ActionPrepareAutopayEnroll(), tracker)
    assert msg_ids(dispatcher)[-1] == "autopay_elsewhere"
    assert msg_ids(dispatcher)[0] == "balance_due"
    assert slot_events(events)["task_ready"] is False


def test_by_phone_autopay_enrollment_opens_the_form(demo):
    dispatcher, events = run(ActionPrepareAutopayEnroll(), make_tracker(slots=VERIFIED))
    assert msg_ids(dispatcher) == []
    assert slot_events(events)["task_ready"] is True


def test_the_payment_methods_answer_is_worded_for_each_channel():
    for locale in ("en", "es"):
        web = render("faq/payment_methods", {}, locale=locale, channel="web")
        sms = render("faq/payment_methods", {}, locale=locale, channel="sms")
        voice = render("faq/payment_methods", {}, locale=locale, channel="voice")
        assert "1-877-623-6765" in web and "1-877-623-6765" in sms
        assert "Locate Account" in web and "Locate Account" in sms
        for text in (web, sms, voice):
            assert "or chat" not in text and "o chat" not in text
    assert "this chat does not take payments" in render(
        "faq/payment_methods", {}, locale="en", channel="web"
    )
    assert "right here by phone" in render("faq/payment_methods", {}, locale="en", channel="voice")
    assert "reply PAY" not in render("faq/phone_payment", {}, locale="en", channel="sms")


PAY_DOMAIN = {
    "forms": {
        "pay_form": {"required_slots": ["payment_amount", "bank_method_ref", "payment_confirmed"]}
    }
}


def test_after_verification_the_pay_form_just_asks_for_the_amount(demo):
    """Activation right after a correct ZIP: the ZIP is no amount and no yes/no answer."""
    events = [
        {"event": "user", "text": "02740", "timestamp": 1.0},
        {"event": "action", "name": "pay_form"},
        {"event": "slot", "name": "payment_amount", "value": "02740"},
        {"event": "slot", "name": "payment_confirmed", "value": "02740"},
    ]
    tracker = make_tracker(
        slots={
            **VERIFIED,
            "amount_due": "512.40",
            "payment_amount": "02740",
            "payment_confirmed": "02740",
        },
        text="02740",
        intent="inform",
        events=events,
    )
    dispatcher, events = run(ValidatePayForm(), tracker, PAY_DOMAIN)
    assert msg_ids(dispatcher) == []  # no "didn't get an amount", no "need a yes or a no"
    slots = slot_events(events)
    assert slots["payment_amount"] is None and slots["payment_confirmed"] is None


def test_a_yes_counts_as_consent_only_as_the_answer_to_the_authorization(demo):
    early = form_turn("pay_form", "payment_amount", VERIFIED, "yes", "affirm")
    dispatcher, result = validate(ValidatePayForm(), "validate_payment_confirmed", "yes", early)
    assert result == {"payment_confirmed": None} and msg_ids(dispatcher) == []
    asked = form_turn("pay_form", "payment_confirmed", VERIFIED, "yes", "affirm")
    _, result = validate(ValidatePayForm(), "validate_payment_confirmed", "yes", asked)
    assert result == {"payment_confirmed": "yes"}


@pytest.mark.parametrize(
    ("said", "locale", "expected"),
    [
        ("two hundred dollars", "en", "200.00"),
        ("one ninety eight fifty", "en", "198.50"),
        ("$198.50", "en", "198.50"),
        ("ciento cincuenta", "es", "150.00"),
        ("the full balance", "en", "512.40"),
        ("el saldo completo", "es", "512.40"),
    ],
)
def test_amounts_are_understood_however_they_are_said(demo, said, locale, expected):
    tracker = form_turn(
        "pay_form",
        "payment_amount",
        {**VERIFIED, "amount_due": "512.40"},
        said,
        metadata={"channel": "voice", "locale": locale},
    )
    _, result = validate(ValidatePayForm(), "validate_payment_amount", said, tracker)
    assert result == {"payment_amount": expected}


def test_an_amount_above_the_balance_is_refused_with_the_limit(demo):
    tracker = form_turn("pay_form", "payment_amount", {**VERIFIED, "amount_due": "512.40"}, "600")
    dispatcher, result = validate(ValidatePayForm(), "validate_payment_amount", "600", tracker)
    assert result == {"payment_amount": None}
    assert payloads(dispatcher) == [
        {"msg": "error_amount_exceeds_balance", "owed_amount": "512.40"}
    ]


def test_the_bank_account_on_file_is_offered_and_chosen_with_yes(demo):
    dispatcher, _ = run(ActionAskBankMethodRef(), make_tracker(slots=VERIFIED))
    assert payloads(dispatcher)[0]["msg"] == "ask_use_bank_on_file"
    assert payloads(dispatcher)[0]["instructions_included"] is True  # "say yes or press 1"
    assert payloads(dispatcher)[0]["last4"] == "6789"
    tracker = make_tracker(slots=VERIFIED, text="yes", intent="affirm")
    _, result = validate(ValidatePayForm(), "validate_bank_method_ref", "yes", tracker)
    assert result["bank_method_ref"] == "bm_demo_1000000004"
    assert result["bank_last4"] == "6789"


def test_no_bank_account_on_file_asks_the_channel_to_collect_one(demo):
    slots = {"verified": True, "account_number": "1000000001"}
    dispatcher, _ = run(ActionAskBankMethodRef(), make_tracker(slots=slots))
    # The IVR stores the numbers it collects for this account: it needs no tracker lookup.
    assert payloads(dispatcher) == [
        {"msg": "ask_new_bank_account", "expect": "bank_account", "account_number": "1000000001"}
    ]


def test_a_bank_reference_from_another_account_is_refused(demo):
    slots = {"verified": True, "account_number": "1000000001"}
    tracker = make_tracker(slots=slots, text="/inform", intent="inform")
    dispatcher, result = validate(
        ValidatePayForm(), "validate_bank_method_ref", "bm_demo_1000000004", tracker
    )
    assert result == {"bank_method_ref": None}
    assert msg_ids(dispatcher) == ["error_payment_method_not_found"]


def _confirmed_payment_slots(ask_events):
    return {
        **VERIFIED,
        "payment_amount": "512.40",
        "bank_method_ref": "bm_demo_1000000004",
        "bank_kind": "checking",
        "bank_last4": "6789",
        "payment_confirmed": "yes",
        **slot_events(ask_events),
    }


def test_a_confirmed_payment_records_the_exact_authorization_and_gives_a_confirmation(demo):
    slots = {
        **VERIFIED,
        "payment_amount": "512.40",
        "bank_kind": "checking",
        "bank_last4": "6789",
        "bank_method_ref": "bm_demo_1000000004",
    }
    asked, ask_events = run(ActionAskPaymentConfirmed(), make_tracker(slots=slots))
    script = payloads(asked)[0]
    assert script["msg"] == "tel_authorization" and script["expect"] == "yes_no"
    # The voice wording already says "say yes or press 1": the IVR must not add its own keys.
    assert script["instructions_included"] is True
    spoken = render("tel_authorization", script, locale="en", channel="voice")
    assert spoken.count("press 1") == 1
    assert script["amount"] == "512.40" and script["last4"] == "6789"
    assert script["phone"] == "1-877-623-6765" and script["debit_date"] == "2026-12-01"

    tracker = make_tracker(slots=_confirmed_payment_slots(ask_events), text="yes", intent="affirm")
    dispatcher, events = run(ActionSubmitPayment(), tracker)
    receipt = payloads(dispatcher)[0]
    assert receipt["msg"] == "payment_confirmation"
    assert receipt["amount"] == "512.40" and receipt["last4"] == "6789"
    assert len(receipt["confirmation_number"]) == 10
    assert slot_events(events)["payment_amount"] is None  # form slots reset

    params = {
        k: v for k, v in script.items() if k not in ("msg", "expect", "instructions_included")
    }
    with demo.uow() as uow:
        auth = uow.session.scalars(select(Authorization).order_by(Authorization.id.desc())).first()
        payment = uow.session.scalars(
            select(Payment).where(Payment.confirmation_number == receipt["confirmation_number"])
        ).one()
        assert auth.script_text == render("tel_authorization", params, locale="en", channel="voice")
        assert auth.kind == "one_time_debit" and auth.consent_input == "voice:said:yes"
        assert payment.authorization_id == auth.id and payment.sec_code == "TEL"
        assert payment.amount == Decimal("512.40")


def test_a_retried_submit_does_not_pay_twice(demo):
    slots = {
        **VERIFIED,
        "payment_amount": "100.00",
        "bank_kind": "checking",
        "bank_last4": "6789",
        "bank_method_ref": "bm_demo_1000000004",
    }
    _, ask_events = run(ActionAskPaymentConfirmed(), make_tracker(slots=slots))
    tracker = make_tracker(
        slots={**_confirmed_payment_slots(ask_events), "payment_amount": "100.00"},
        text="yes",
        intent="affirm",
    )
    first, _ = run(ActionSubmitPayment(), tracker)
    again, _ = run(ActionSubmitPayment(), tracker)
    assert payloads(first)[0]["confirmation_number"] == payloads(again)[0]["confirmation_number"]
    with demo.uow() as uow:
        assert (
            len(uow.session.scalars(select(Payment).where(Payment.channel == "voice")).all()) == 1
        )


def test_a_declined_authorization_takes_no_payment(demo):
    tracker = make_tracker(slots={**VERIFIED, "payment_confirmed": "no"}, text="no", intent="deny")
    dispatcher, _ = run(ActionSubmitPayment(), tracker)
    assert msg_ids(dispatcher)[0] == "payment_cancelled"
    with demo.uow() as uow:
        assert uow.session.scalars(select(Payment).where(Payment.channel == "voice")).all() == []


def test_the_confirmation_question_needs_a_clear_yes_or_no(demo):
    tracker = form_turn("pay_form", "payment_confirmed", VERIFIED, "maybe later", "nlu_fallback")
    dispatcher, result = validate(ValidatePayForm(), "validate_payment_confirmed", "maybe", tracker)
    assert result == {"payment_confirmed": None}
    assert msg_ids(dispatcher) == ["yes_no_not_understood"]


# --- AutoPay ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "day"), [("the twenty first", "21"), ("el quince", "15"), ("3", "3")]
)
def test_draft_days_are_understood(demo, said, day):
    tracker = form_turn("autopay_enroll_form", "draft_day", VERIFIED, said)
    _, result = validate(ValidateAutopayEnrollForm(), "validate_draft_day", said, tracker)
    assert result == {"draft_day": day}


def test_a_draft_day_after_the_23rd_is_refused(demo):
    tracker = form_turn("autopay_enroll_form", "draft_day", VERIFIED, "the twenty fifth")
    dispatcher, result = validate(
        ValidateAutopayEnrollForm(), "validate_draft_day", "the twenty fifth", tracker
    )
    assert result == {"draft_day": None}
    assert msg_ids(dispatcher) == ["error_invalid_draft_day"]


def test_enrolling_in_autopay_with_a_new_bank_account(demo):
    with demo.uow() as uow:
        ref = payment_methods.add_bank_method(
            uow,
            "1000000001",
            routing_number="021000021",
            bank_account_number="55554444",
            kind="savings",
            channel="voice",
            now=datetime.now(UTC),
        ).reference
    slots = {
        "verified": True,
        "account_number": "1000000001",
        "member_name": "Maria Silva",
        "draft_day": "15",
        "bank_method_ref": ref,
        "bank_kind": "savings",
        "bank_last4": "4444",
    }
    asked, ask_events = run(ActionAskAutopayConfirmed(), make_tracker(slots=slots))
    assert payloads(asked)[0]["msg"] == "autopay_authorization"
    tracker = make_tracker(
        slots={**slots, **slot_events(ask_events), "autopay_confirmed": "yes"},
        text="/affirm",
        intent="affirm",
    )
    dispatcher, _ = run(ActionSubmitAutopayEnroll(), tracker)
    assert payloads(dispatcher)[0] == {
        "msg": "autopay_enrolled",
        "draft_day": 15,
        "bank_kind": "savings",
        "last4": "4444",
    }
    with demo.uow() as uow:
        status = autopay.autopay_status(uow, "1000000001", now=datetime.now(UTC))
        assert status.status == "active" and status.draft_day == 15
        auth = uow.session.scalars(select(Authorization).order_by(Authorization.id.desc())).first()
        assert auth.kind == "autopay_enroll" and auth.consent_input == "voice:button:/affirm"
        # Set up by phone: a written copy of the recurring authorization is due.
        due = uow.session.scalars(
            select(MemberNotification).where(MemberNotification.kind == "autopay_written_copy")
        ).one()
        assert due.dedupe_key == f"autopay_written_copy:{auth.id}"
        assert due.params["draft_day"] == 15


def test_changing_the_draft_day_of_an_existing_enrollment(demo):
    slots = {
        **VERIFIED,
        "draft_day": "10",
        "bank_method_ref": "bm_demo_1000000004",
        "bank_kind": "checking",
        "bank_last4": "6789",
    }
    _, ask_events = run(ActionAskAutopayConfirmed(), make_tracker(slots=slots))
    tracker = make_tracker(
        slots={**slots, **slot_events(ask_events), "autopay_confirmed": "yes"},
        text="yes",
        intent="affirm",
    )
    dispatcher, _ = run(ActionSubmitAutopayEnroll(), tracker)
    assert msg_ids(dispatcher)[0] == "autopay_changed"
    with demo.uow() as uow:
        due = uow.session.scalars(
            select(MemberNotification).where(MemberNotification.kind == "autopay_written_copy")
        ).one()
        assert due.params["draft_day"] == 10


def test_cancelling_autopay_after_an_explicit_yes(demo):
    _, prep = run(ActionPrepareAutopayCancel(), make_tracker(slots=VERIFIED))
    assert slot_events(prep)["task_ready"] is True
    record = {
        "msg": "autopay_cancel_confirm",
        "params": {
            "draft_day": 21,
            "bank_kind": "checking",
            "last4": "6789",
            "member_name": "Linda Chen",
            "auth_date": "2026-12-01",
        },
    }
    tracker = make_tracker(
        slots={
            **VERIFIED,
            "autopay_cancel_confirmed": "yes",
            "authorization_params_json": json.dumps(record),
        },
        text="yes",
        intent="affirm",
    )
    dispatcher, _ = run(ActionSubmitAutopayCancel(), tracker)
    assert msg_ids(dispatcher)[0] == "autopay_cancelled"
    with demo.uow() as uow:
        assert autopay.autopay_status(uow, "1000000004", now=datetime.now(UTC)).status == (
            "cancelled"
        )


def test_cancelling_autopay_when_not_enrolled_says_so(demo):
    slots = {"verified": True, "account_number": "1000000001"}
    dispatcher, events = run(ActionPrepareAutopayCancel(), make_tracker(slots=slots))
    assert msg_ids(dispatcher) == ["error_autopay_not_enrolled"]
    assert slot_events(events)["task_ready"] is False


# --- conversation mechanics ------------------------------------------------------------------


def _user(intent, ts):
    return {
        "event": "user",
        "text": "zzz",
        "timestamp": ts,
        "parse_data": {"intent": {"name": intent}},
    }


def test_one_miss_asks_to_clarify_and_two_in_a_row_offer_an_agent(demo):
    once = make_tracker(events=[_user("greet", 1), _user("nlu_fallback", 2)])
    dispatcher, events = run(ActionClarify(), once)
    assert msg_ids(dispatcher) == ["clarify"]
    assert slot_events(events)["agent_offered"] is False
    twice = make_tracker(
        events=[_user("nlu_fallback", 1), {"event": "bot"}, _user("nlu_fallback", 2)]
    )
    dispatcher, events = run(ActionClarify(), twice)
    assert payloads(dispatcher)[0]["msg"] == "fallback_offer_agent"
    assert slot_events(events)["agent_offered"] is True


def test_transfer_in_business_hours_and_after_hours(demo, clock):
    # By chat (on the phone the same answer also carries the hand-off context:
    # tests/rasa/test_repair_actions.py).
    chat = {"channel": "web", "locale": "en"}
    dispatcher, _ = run(ActionTransferToAgent(), make_tracker(metadata=chat))
    assert payloads(dispatcher) == [{"msg": "transfer_to_agent", "expect": "agent"}]
    clock.move_to(datetime(2026, 12, 5, 15, 0, tzinfo=UTC))  # Saturday
    dispatcher, _ = run(ActionTransferToAgent(), make_tracker())
    assert msg_ids(dispatcher) == ["agent_closed"]


def test_repeat_says_the_last_turn_again(demo):
    said = {"msg": "balance_due", "amount": "512.40", "due_date": "2026-12-23"}
    events = [
        {"event": "user", "text": "balance", "timestamp": 1},
        {"event": "bot", "data": {"custom": said}},
        {"event": "bot", "data": {"custom": {"msg": "anything_else", "expect": "yes_no"}}},
        {"event": "user", "text": "say that again", "timestamp": 2},
    ]
    dispatcher, _ = run(ActionRepeat(), make_tracker(events=events))
    assert msg_ids(dispatcher) == ["balance_due", "anything_else"]


def test_a_terminated_member_is_verified_with_the_recorded_termination_and_its_window(demo):
    today = datetime.now(UTC).date()
    with demo.uow() as uow:
        account_id = uow.session.scalar(
            select(Account.id).where(Account.account_number == "1000000001")
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
    _dispatcher, events = verify_turn({"account_number": "1000000001"}, "02108")
    slots = slot_events(events)
    assert slots["standing"] == "terminated"  # not "current", though the ledger reads current
    assert slots["standing_coverage_ends"] == "2026-11-30"
    assert slots["standing_reinstate_by"] == (today + timedelta(days=35)).isoformat()
