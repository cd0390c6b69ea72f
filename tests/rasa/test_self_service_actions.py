"""The self-service actions with real trackers over the demo database (Tuesday 1 December 2026, 10 AM
Eastern; Linda Chen drafts on day 21 and owes January's 512.40): the edges a conversation through
Rasa rarely reaches — a NACHA file cut between the read-back and the yes, a forged pause, another
account named, a forged identity."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.autopay_pause import ActionPrepareAutopayPause, ActionSubmitAutopayPause
from actions.autopay_resume import ActionPrepareAutopayResume
from actions.cancel_payment import (
    ActionAskPaymentCancelConfirmed,
    ActionPreparePaymentCancel,
    ActionSubmitPaymentCancel,
    ValidatePaymentCancelForm,
)
from actions.payment_status import ActionPaymentStatus
from billing_core.backoffice.nacha import run_origination
from billing_core.billing_calendar import eastern_date
from billing_core.models import Authorization, AutopayEnrollment, Payment
from tests.backoffice.helpers import pay
from tests.rasa.conftest import make_tracker, msg_ids, payloads, slot_events

LINDA = "1000000004"
VERIFIED = {"verified": True, "account_number": LINDA, "member_name": "Linda Chen"}


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    return dispatcher, asyncio.run(action.run(dispatcher, tracker, {}))


def now():
    return datetime.now(UTC)


def linda_pays(demo, amount: str, key: str) -> str:
    return pay(demo, LINDA, f"bm_demo_{LINDA}", amount, now(), key)


def read_back(skip: str | None = None):
    """The cancel form's question: the payment on offer, and the wording kept for the record."""
    tracker = make_tracker(
        slots={
            **VERIFIED,
            "payment_cancel_skip": skip,
            "requested_slot": "payment_cancel_confirmed",
        },
        active_loop="payment_cancel_form",
    )
    dispatcher, events = run(ActionAskPaymentCancelConfirmed(), tracker)
    return payloads(dispatcher)[0], slot_events(events)["authorization_params_json"]


def answered(slot: str, answer: str, record: str, **slots):
    yes = answer == "yes"
    return make_tracker(
        slots={**VERIFIED, slot: answer, "authorization_params_json": record, **slots},
        text=answer,
        intent="affirm" if yes else "deny",
    )


def test_a_file_cut_between_the_read_back_and_the_yes_is_told_and_an_agent_offered(demo, tmp_path):
    confirmation = linda_pays(demo, "100.00", "cut-between")
    _, prep = run(ActionPreparePaymentCancel(), make_tracker(slots=VERIFIED))
    assert slot_events(prep)["task_ready"] is True
    offer, record = read_back()
    assert offer["confirmation_number"] == confirmation and offer["expect"] == "yes_no"
    run_origination(demo.uow, now=now(), file_date=eastern_date(now()), out_dir=tmp_path)
    dispatcher, events = run(
        ActionSubmitPaymentCancel(), answered("payment_cancel_confirmed", "yes", record)
    )
    assert msg_ids(dispatcher) == ["payment_cancel_too_late"]
    assert slot_events(events)["agent_offered"] is True
    with demo.uow() as uow:
        payment = uow.session.scalars(
            select(Payment).where(Payment.confirmation_number == confirmation)
        ).one()
        assert payment.status == "pending"
        kinds = uow.session.scalars(
            select(Authorization.kind).where(Authorization.account_id == payment.account_id)
        ).all()
        assert "payment_cancel" not in kinds  # the record went with the refused cancel


def test_a_no_offers_the_next_payment_and_a_no_to_the_last_keeps_them_all(demo):
    older = linda_pays(demo, "100.00", "older")
    newer = linda_pays(demo, "50.00", "newer")
    first, record = read_back()
    assert first["confirmation_number"] == newer and first["amount"] == "50.00"
    form = {"requested_slot": "payment_cancel_confirmed"}
    no = make_tracker(
        slots={**VERIFIED, **form}, text="no", intent="deny", active_loop="payment_cancel_form"
    )
    dispatcher = CollectingDispatcher()
    result = asyncio.run(
        ValidatePaymentCancelForm().validate_payment_cancel_confirmed("no", dispatcher, no, {})
    )
    assert result == {"payment_cancel_confirmed": None, "payment_cancel_skip": "1"}
    second, _ = read_back(skip="1")
    assert second["confirmation_number"] == older
    last_no = make_tracker(
        slots={**VERIFIED, **form, "payment_cancel_skip": "1"},
        text="no",
        intent="deny",
        active_loop="payment_cancel_form",
    )
    result = asyncio.run(
        ValidatePaymentCancelForm().validate_payment_cancel_confirmed(
            "no", CollectingDispatcher(), last_no, {}
        )
    )
    assert result == {"payment_cancel_confirmed": "no"}
    dispatcher, _ = run(
        ActionSubmitPaymentCancel(), answered("payment_cancel_confirmed", "no", record)
    )
    assert msg_ids(dispatcher) == ["payment_cancel_kept", "anything_else"]


def test_a_pause_of_a_draft_other_than_the_one_read_out_changes_nothing(demo):
    record = json.dumps(
        {
            "msg": "autopay_pause_confirm",
            "params": {
                "member_name": "Linda Chen",
                "bank_kind": "checking",
                "last4": "6789",
                "skip_draft_date": "2027-02-19",  # January's draft is the one a pause skips now
                "due_date": "2027-02-23",
                "resume_draft_date": "2027-03-19",
                "cutoff_date": "2027-02-16",
                "auth_date": "2026-12-01",
            },
        }
    )
    dispatcher, _ = run(
        ActionSubmitAutopayPause(), answered("autopay_pause_confirmed", "yes", record)
    )
    assert msg_ids(dispatcher) == ["error_autopay_pause_moved", "anything_else"]
    with demo.uow() as uow:
        enrollment = uow.session.scalars(select(AutopayEnrollment)).one()
        assert enrollment.skip_month is None


@pytest.mark.parametrize(
    ("action", "text"),
    [
        (ActionPaymentStatus(), "did the payment on account 1000000001 go through"),
        (ActionPreparePaymentCancel(), "cancel the payment on 1000000.001"),
        (
            ActionPrepareAutopayPause(),
            "pause autopay for account 10000 00001",
        ),
        (ActionPrepareAutopayResume(), '/resume_autopay{"account_number":"1000000001"}'),
    ],
)
def test_naming_another_account_is_refused_in_every_self_service_action(demo, action, text):
    dispatcher, events = run(action, make_tracker(slots=VERIFIED, text=text))
    assert msg_ids(dispatcher) == ["other_account_refused"]
    assert slot_events(events).get("task_ready") in (None, False)


def test_a_forged_identity_is_asked_to_verify_not_answered(demo):
    forged = {**VERIFIED, "identity": f"{LINDA}.voice.9999999999.{'0' * 64}"}
    dispatcher, events = run(ActionPaymentStatus(), make_tracker(slots=forged))
    assert msg_ids(dispatcher) == ["verification_required"]
    assert slot_events(events)["verified"] is False


def test_anyone_hears_the_posting_rule_and_is_offered_a_lookup_but_not_inside_verification(demo):
    dispatcher, events = run(ActionPaymentStatus(), make_tracker(text="did my payment go through"))
    assert msg_ids(dispatcher) == ["faq/payment_posting", "payment_status_offer_lookup"]
    assert slot_events(events)["payment_lookup_offered"] is True
    verifying = make_tracker(text="did my payment go through", active_loop="verify_form")
    dispatcher, events = run(ActionPaymentStatus(), verifying)
    assert msg_ids(dispatcher) == ["faq/payment_posting"]
    assert slot_events(events)["payment_lookup_offered"] is False


def test_a_member_whose_autopay_is_not_paused_hears_there_is_nothing_to_resume(demo):
    dispatcher, events = run(ActionPrepareAutopayResume(), make_tracker(slots=VERIFIED))
    assert msg_ids(dispatcher) == ["error_autopay_not_paused"]
    assert slot_events(events)["task_ready"] is False


def test_linda_hears_her_next_draft_in_the_payment_status(demo):
    dispatcher, _ = run(ActionPaymentStatus(), make_tracker(slots=VERIFIED))
    said = payloads(dispatcher)
    assert [p["msg"] for p in said][-2:] == ["payment_status_next_draft", "anything_else"]
    assert said[-2]["next_draft_amount"] == "512.40"
    assert said[-2]["next_draft_date"] == date(2026, 12, 21).isoformat()
