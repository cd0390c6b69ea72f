"""Form mechanics shared by the pay, AutoPay enroll and AutoPay cancel forms.

Clearing form slots, the prepare actions' `task_ready` verdict, and deciding whether the latest
message answers the question a form has just asked (an amount, a draft day, an explicit yes/no).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import intent_of, say, yes_or_no


def reset(slots: tuple[str, ...], tracker: Tracker | None = None) -> list[EventType]:
    """Clear form slots; given the tracker, only those that hold a value."""
    return [
        SlotSet(name, None)
        for name in slots
        if tracker is None or tracker.get_slot(name) is not None
    ]


def task_ready(
    ready: bool, tracker: Tracker | None = None, clear: tuple[str, ...] = ()
) -> list[EventType]:
    """A prepare action's verdict (does the form open?), after clearing `clear` (those set)."""
    return [*reset(clear, tracker), SlotSet("task_ready", ready)]


def answers_the_form(tracker: Tracker, form: str, slot: str) -> bool:
    """Whether the latest message answers this form's question for `slot`.

    A form validates every candidate value, including those prefilled when it is activated. Right
    after verification the latest message is the ZIP code or birth date: it must not be judged as
    an amount or a yes/no. Values for a slot the form has not asked yet are dropped silently;
    the form then asks its own question. An entity sent with the request itself (e.g. the
    "pay the full balance" button's `/inform{"amount": ...}`) still counts.
    """
    if (tracker.active_loop or {}).get("name") != form:
        return False  # being activated: whatever is in the latest message answered something else
    if tracker.get_slot("requested_slot") == slot:
        return True
    return intent_of(tracker) == "inform"


def asked_just_now(tracker: Tracker, form: str, slot: str) -> bool:
    """Whether this form is running and its question for `slot` is the one just asked."""
    return (tracker.active_loop or {}).get("name") == form and tracker.get_slot(
        "requested_slot"
    ) == slot


def explicit_yes_no(
    value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, form: str, slot: str
) -> dict[str, Any]:
    """Validate a confirmation slot: "yes", "no", or None (asked again).

    Consent counts only as the answer to the question just read by this form, never as a value
    carried over from another question; an answer that is neither yes nor no is said to be so."""
    if value is None:  # a reset, not an answer
        return {slot: None}
    if not asked_just_now(tracker, form, slot):
        return {slot: None}
    answer = yes_or_no(tracker)
    if answer is None:
        say(dispatcher, "yes_no_not_understood")
    return {slot: answer}
