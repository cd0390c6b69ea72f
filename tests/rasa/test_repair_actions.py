"""The repair actions and the hand-off context, one tracker at a time (no servers)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from ruamel.yaml import YAML  # rasa-sdk's own YAML library

from actions.conversation import ActionRepeat, ActionTransferToAgent
from actions.handoff_context import asked, handoff_context, stopped_in
from actions.repair import (
    FORM_QUESTIONS,
    FORM_SLOTS,
    ActionGoBack,
    ActionStartOver,
    question_index,
    step_back,
)
from tests.rasa.conftest import REPO, make_tracker, msg_ids, payloads, slot_events

LEAVE_THE_FORM = [ActiveLoop(None), SlotSet("requested_slot", None)]


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
    slots = {"requested_slot": asking, "payment_amount": "50.00", "pending_task": "pay_bill"}
    tracker = make_tracker(slots=slots, active_loop=form, intent="go_back")
    dispatcher, events = run(ActionGoBack(), tracker)
    if cleared is None:  # nowhere to go back to: the form is left for the menu, as "start over"
        assert msg_ids(dispatcher) == ["start_over"]
        assert events[:2] == LEAVE_THE_FORM
        assert slot_events(events[2:]) == {"payment_amount": None, "pending_task": None}
    else:  # the form, still active, asks the first question left unanswered
        assert msg_ids(dispatcher) == []
        assert events == [SlotSet(slot, None) for slot in back]


def test_going_back_outside_a_form_shows_the_menu():
    dispatcher, events = run(ActionGoBack(), make_tracker(intent="go_back"))
    assert msg_ids(dispatcher) == ["start_over"] and payloads(dispatcher)[0]["expect"] == "menu"
    assert events == [SlotSet("pending_task", None)]


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
    assert "verified" not in cleared and set(cleared) - {"pending_task"} <= set(FORM_SLOTS)
    assert not [e for e in events if e.get("event") != "slot"]  # no form to leave


def test_starting_over_inside_a_form_leaves_it_first():
    slots = {"verified": True, "requested_slot": "payment_confirmed", "payment_amount": "50.00"}
    tracker = make_tracker(slots=slots, active_loop="pay_form", intent="start_over")
    dispatcher, events = run(ActionStartOver(), tracker)
    assert msg_ids(dispatcher) == ["start_over"]
    assert events[:2] == LEAVE_THE_FORM  # what action_deactivate_loop returns
    assert slot_events(events[2:]) == {"payment_amount": None, "pending_task": None}


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


REPAIR_INTENTS = {"repeat": "action_repeat", "go_back": "action_go_back"}
REPAIR_INTENTS["start_over"] = "action_start_over"


def load_yaml(path: Path) -> dict:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def test_every_form_rejects_the_repair_phrases_and_has_known_questions():
    """A form added without this would take "go back" or "repeat that" as an answer (a mapping
    that does not exclude them), or go back to the menu from any of its questions (no questions
    in actions/repair.py)."""
    domain = load_yaml(REPO / "domain.yml")
    assert len(domain["forms"]) >= 7
    for form, spec in domain["forms"].items():
        assert form in FORM_QUESTIONS, f"add {form}'s questions to actions/repair.py"
        asked = [question_index(form, slot) for slot in spec["required_slots"]]
        assert None not in asked and asked == sorted(asked), f"{form}: {asked}"
        assert set(asked) == set(range(len(FORM_QUESTIONS[form]))), form
        for slot in spec["required_slots"]:
            for mapping in domain["slots"][slot]["mappings"]:
                # An entity mapping takes only an entity, which no repair phrase carries.
                assert mapping["type"] in ("from_text", "from_entity"), (slot, mapping)
                if mapping["type"] == "from_text":
                    assert set(REPAIR_INTENTS) <= set(mapping.get("not_intent", [])), slot


def test_repair_has_one_rule_per_phrase_and_none_per_form():
    """The form-agnostic rules (actions/repair.py): RulePolicy runs a form still active again
    after them. A rule for a repair phrase inside one form would not cover the next form."""
    rules = [
        rule
        for path in sorted((REPO / "nlu" / "train").glob("*.yml"))
        for rule in load_yaml(path).get("rules") or []
    ]
    repair = [r for r in rules if any(s.get("intent") in REPAIR_INTENTS for s in r["steps"])]
    assert sorted((r["steps"][0]["intent"], r["steps"][1]["action"]) for r in repair) == sorted(
        REPAIR_INTENTS.items()
    )
    assert all(len(r["steps"]) == 2 and not r.get("condition") for r in repair)
    assert not [r for r in rules if "went_back" in str(r)]
