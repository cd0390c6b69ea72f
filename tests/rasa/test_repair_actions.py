"""The repair actions and the hand-off context, one tracker at a time (no servers)."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import ActionRepeat, ActionTransferToAgent
from actions.handoff_context import asked, handoff_context, stopped_in
from actions.repair import FORM_QUESTIONS, FORM_SLOTS, ActionGoBack, ActionStartOver, step_back
from scripts.repair_rules import RULES, forms, rules_text
from tests.rasa.conftest import make_tracker, msg_ids, payloads, slot_events


def run(action, tracker):  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher, events


@pytest.mark.parametrize(
    ("form", "asking", "cleared"),
    [
        ("pay_form", "payment_amount", None),
        ("pay_form", "bank_method_ref", ["payment_amount", "bank_method_ref", "bank_kind"]),
        (
            "pay_form",
            "payment_confirmed",
            ["bank_method_ref", "want_new_bank", "payment_confirmed"],
        ),
        ("verify_form", "account_number", None),
        ("verify_form", "zip_code", ["account_number", "zip_code", "date_of_birth"]),
        ("verify_form", "date_of_birth", ["account_number", "zip_code", "date_of_birth"]),
        ("autopay_enroll_form", "bank_method_ref", ["draft_day", "bank_method_ref"]),
        ("autopay_cancel_form", "autopay_cancel_confirmed", None),
        ("a_form_added_later", "anything", None),
    ],
)
def test_going_back_clears_the_previous_answer_or_has_nowhere_to_go(form, asking, cleared):
    back = step_back(form, asking)
    if cleared is None:
        assert back is None
    else:
        assert set(cleared) <= set(back)
    tracker = make_tracker(slots={"requested_slot": asking}, active_loop=form, intent="go_back")
    dispatcher, events = run(ActionGoBack(), tracker)
    assert msg_ids(dispatcher) == []
    assert slot_events(events)["went_back"] is (cleared is not None)


def test_going_back_from_the_authorization_keeps_the_amount():
    assert "payment_amount" not in step_back("pay_form", "payment_confirmed")


def test_starting_over_clears_every_form_answer_but_not_the_verification():
    slots = {"verified": True, "account_number": "1000000001", "payment_amount": "50.00"}
    slots.update(bank_method_ref="bm_x", pending_task="pay_bill")
    dispatcher, events = run(ActionStartOver(), make_tracker(slots=slots, intent="start_over"))
    assert msg_ids(dispatcher) == ["start_over"] and payloads(dispatcher)[0]["expect"] == "menu"
    cleared = slot_events(events)
    assert cleared["payment_amount"] is None and cleared["bank_method_ref"] is None
    assert cleared["pending_task"] is None and "identity" not in cleared
    assert "verified" not in cleared and set(cleared) - {"pending_task", "went_back"} <= set(
        FORM_SLOTS
    )


def test_repeat_inside_a_form_leaves_the_question_to_the_form():
    events = [
        {"event": "bot", "data": {"custom": {"msg": "amount_not_understood"}}},
        {"event": "bot", "data": {"custom": {"msg": "ask_payment_amount"}}},
    ]
    inside = make_tracker(intent="repeat", active_loop="pay_form", events=events)
    assert msg_ids(run(ActionRepeat(), inside)[0]) == []
    outside = make_tracker(intent="repeat", events=[*events, {"event": "user", "text": "what"}])
    assert msg_ids(run(ActionRepeat(), outside)[0]) == [
        "amount_not_understood",
        "ask_payment_amount",
    ]


def user(intent: str, **extra):  # type: ignore[no-untyped-def]
    return {"event": "user", "parse_data": {"intent": {"name": intent}, **extra}}


def test_the_context_names_tasks_and_the_question_but_no_answer():
    events = [
        user("greet"),
        user("check_balance"),
        user("inform"),
        user(
            "faq",
            response_selector={"faq": {"response": {"intent_response_key": "faq/late_payment"}}},
        ),
        user("pay_bill"),
        {"event": "active_loop", "name": "pay_form"},
        {"event": "slot", "name": "requested_slot", "value": "payment_amount"},
        user("check_balance"),
        {"event": "slot", "name": "requested_slot", "value": "payment_amount"},
        user("talk_to_agent"),
        {"event": "active_loop", "name": None},
        {"event": "slot", "name": "requested_slot", "value": None},
    ]
    slots = {"verified": True, "account_number": "1000000004", "zip_code": "02740"}
    tracker = make_tracker(slots=slots, intent="talk_to_agent", events=events)
    assert asked(tracker) == ["faq/late_payment", "pay_bill", "check_balance"]
    assert stopped_in(tracker) == "pay_form.payment_amount"
    context = handoff_context(tracker)
    assert context == {
        "verified": True,
        "account_last4": "0004",
        "asked": ["faq/late_payment", "pay_bill", "check_balance"],
        "stopped_in": "pay_form.payment_amount",
        "reason": "caller_asked",
    }
    assert "02740" not in str(context)


def test_a_finished_form_is_not_where_the_caller_stopped():
    events = [
        {"event": "active_loop", "name": "verify_form"},
        {"event": "slot", "name": "requested_slot", "value": "zip_code"},
        {"event": "active_loop", "name": None},
        user("talk_to_agent"),
    ]
    assert stopped_in(make_tracker(intent="talk_to_agent", events=events)) is None


def test_locked_verification_and_an_offered_agent_are_the_reasons():
    locked = make_tracker(slots={"verification_stopped": "locked"}, intent="talk_to_agent")
    assert handoff_context(locked)["reason"] == "verification_locked"
    offered = make_tracker(slots={"agent_offered": True}, intent="affirm")
    assert handoff_context(offered) | {"verified": False} == {
        "verified": False,
        "account_last4": None,
        "asked": [],
        "stopped_in": None,
        "reason": "not_understood",
    }


@pytest.mark.parametrize("channel", ["web", "sms"])
def test_texts_and_chats_get_no_hand_off_context(channel, clock):
    tracker = make_tracker(intent="talk_to_agent", metadata={"channel": channel, "locale": "en"})
    said = payloads(run(ActionTransferToAgent(), tracker)[0])[0]
    assert not {"verified", "asked", "reason"} & set(said)


def test_the_phone_gets_the_hand_off_context(clock):
    tracker = make_tracker(intent="talk_to_agent", metadata={"channel": "voice", "locale": "en"})
    assert payloads(run(ActionTransferToAgent(), tracker)[0]) == [
        {
            "msg": "transfer_to_agent",
            "expect": "agent",
            "verified": False,
            "asked": [],
            "reason": "caller_asked",
        }
    ]


def test_every_form_has_its_repair_rules_and_known_questions():
    """A form added without them would take "go back" or "repeat that" as an answer."""
    assert RULES.read_text(encoding="utf-8") == rules_text(), "run scripts/repair_rules.py"
    assert set(forms()) <= set(FORM_QUESTIONS)
    assert len(forms()) >= 4
