"""Conversation repair inside and outside forms: "go back" and "start over" / "main menu".

"Repeat that" is `action_repeat` (actions/conversation.py): inside a form it says nothing and the
form asks its question again. "Go back" returns to the form's previous question by clearing the
answers from that question on; at a form's first question there is none, and the form is left
for the menu. "Start over" leaves any form and clears every form answer, so no half-made payment
or AutoPay change survives; verification stays (it is the same member on the same call).

Three form-agnostic rules in nlu/train/rules.yml run these actions at every question, with no rule
per form: inside a form the repair intents fill no slot (each from_text mapping excludes them), so
the form rejects the message and RulePolicy applies the general rule; when such a rule ends with
the loop still active, RulePolicy predicts the loop again instead of listening (its "general rule
inside a loop" case), so the form asks its current question. Leaving the form is done here, with
the events `action_deactivate_loop` returns, so the rules need no `active_loop` condition and the
dialogue state no extra slot.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import MAIN_BUTTONS, say

BANK_CHOICE = ("bank_method_ref", "bank_kind", "bank_last4", "want_new_bank")
# Each form's questions in the order it asks them, each with the slots its answer fills.
FORM_QUESTIONS: dict[str, tuple[tuple[str, ...], ...]] = {
    "verify_form": (("account_number",), ("zip_code", "date_of_birth")),
    "pay_form": (
        ("payment_amount",),
        BANK_CHOICE,
        ("payment_confirmed", "authorization_params_json"),
    ),
    "autopay_enroll_form": (
        ("draft_day",),
        BANK_CHOICE,
        ("autopay_confirmed", "authorization_params_json"),
    ),
    "autopay_cancel_form": (("autopay_cancel_confirmed", "authorization_params_json"),),
    # The self-service confirmations (issue 14, items 1-3): one question each.
    "autopay_pause_form": (("autopay_pause_confirmed", "authorization_params_json"),),
    "autopay_resume_form": (("autopay_resume_confirmed", "authorization_params_json"),),
    "payment_cancel_form": (("payment_cancel_confirmed", "authorization_params_json"),),
}
# Verification's own answers are dropped too: a half-given account number is not kept.
FORM_SLOTS = tuple(dict.fromkeys(s for form in FORM_QUESTIONS.values() for q in form for s in q))


def question_index(form: str, requested: str | None) -> int | None:
    """Which of the form's questions is being asked, or None for a form or slot not known here."""
    for index, slots in enumerate(FORM_QUESTIONS.get(form, ())):
        if requested in slots:
            return index
    return None


def step_back(form: str, requested: str | None) -> list[str] | None:
    """The slots to clear so that `form` asks its previous question; None when there is none."""
    index = question_index(form, requested)
    if not index:  # the first question, or one this module does not know: to the menu
        return None
    return [slot for slots in FORM_QUESTIONS[form][index - 1 :] for slot in slots]


def start_over(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Leave any form (as `action_deactivate_loop` does), show the menu, clear every form answer."""
    leave: list[EventType] = (
        [ActiveLoop(None), SlotSet("requested_slot", None)] if tracker.active_loop_name else []
    )
    say(dispatcher, "start_over", expect="menu", buttons=MAIN_BUTTONS)
    cleared = [SlotSet(slot, None) for slot in FORM_SLOTS if tracker.get_slot(slot) is not None]
    return [*leave, *cleared, SlotSet("pending_task", None)]


class ActionGoBack(Action):
    """Inside a form: clear the previous answer (RulePolicy then runs the form again, which asks
    for it). At a form's first question, or outside a form, there is none: start over."""

    def name(self) -> str:
        return "action_go_back"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        form = tracker.active_loop_name or ""
        cleared = step_back(form, tracker.get_slot("requested_slot"))
        if cleared is None:
            return start_over(dispatcher, tracker)
        return [SlotSet(slot, None) for slot in cleared]


class ActionStartOver(Action):
    """Back to the main menu from anywhere, leaving any form, with every form answer cleared."""

    def name(self) -> str:
        return "action_start_over"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        return start_over(dispatcher, tracker)
