"""Conversation mechanics: clarifying low-confidence turns, handing over to an agent, repeating."""

from __future__ import annotations

from datetime import datetime, time

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import MAIN_BUTTONS, Context, latest_text, say
from actions.handoff_context import handoff_context
from actions.identity import acting_for, named_accounts, verified_account
from billing_core.billing_calendar import EASTERN, utcnow
from billing_core.settings import CUSTOMER_SERVICE_PHONE

OPEN_AT, CLOSE_AT = time(8, 0), time(18, 0)


def call_center_open(now: datetime) -> bool:
    """8 AM to 6 PM Eastern on weekdays that are not Massachusetts holidays."""
    import holidays  # loaded on first transfer, not at import

    local = now.astimezone(EASTERN)
    if local.weekday() >= 5 or local.date() in holidays.US(subdiv="MA", years=local.year):
        return False
    return OPEN_AT <= local.time() < CLOSE_AT


def misses_in_a_row(tracker: Tracker) -> int:
    """How many of the latest user messages in a row the assistant did not understand."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if ((event.get("parse_data") or {}).get("intent") or {}).get("name") != "nlu_fallback":
            break
        count += 1
    return count


class ActionClarify(Action):
    """First miss: ask again with the options. Second miss in a row: offer a person."""

    def name(self) -> str:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        if misses_in_a_row(tracker) >= 2:
            say(
                dispatcher,
                "fallback_offer_agent",
                expect="yes_no",
                buttons=[
                    {"title_msg": "button_agent", "payload": "/talk_to_agent"},
                    {"title_msg": "button_menu", "payload": "/help"},
                ],
            )
            return [SlotSet("agent_offered", True)]
        say(dispatcher, "clarify", expect="menu", buttons=MAIN_BUTTONS)
        return [SlotSet("agent_offered", False)]


class ActionTransferToAgent(Action):
    def name(self) -> str:
        return "action_transfer_to_agent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        # On the phone the IVR hands the call over (or offers a callback after hours): it passes
        # this context to the agent. Texts and chats only hear where to call.
        context = handoff_context(tracker) if Context.of(tracker).channel == "voice" else {}
        if call_center_open(utcnow()):
            say(dispatcher, "transfer_to_agent", expect="agent", **context)
        else:
            say(
                dispatcher,
                "agent_closed",
                phone=CUSTOMER_SERVICE_PHONE,
                expect="menu",
                buttons=MAIN_BUTTONS,
                **context,
            )
        return [SlotSet("agent_offered", False)]


class ActionRepeat(Action):
    """Says again what the assistant said in its last turn; inside a form it says nothing, and the
    form (its rule runs it next) asks its current question again."""

    def name(self) -> str:
        return "action_repeat"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        if tracker.active_loop_name:
            return []
        events = tracker.events
        # Skip the current "repeat" message, then collect the bot turn before it.
        last_user = max(
            (i for i, e in enumerate(events) if e.get("event") == "user"), default=len(events)
        )
        payloads = []
        for event in reversed(events[:last_user]):
            if event.get("event") == "user":
                break
            if event.get("event") == "bot":
                custom = (event.get("data") or {}).get("custom")
                if custom:
                    payloads.append(custom)
        if not payloads:
            say(dispatcher, "repeat_nothing", expect="menu", buttons=MAIN_BUTTONS)
        for payload in reversed(payloads):
            dispatcher.utter_message(json_message=payload)
        return []


class ActionAnswerInform(Action):
    """A number or a date outside any form: the menu, unless it names an account other than the
    verified one, which is refused out loud (`acting_for`), never silently switched to."""

    def name(self) -> str:
        return "action_answer_inform"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        account = verified_account(tracker)
        if account and named_accounts(latest_text(tracker)) - {account}:
            return acting_for(dispatcher, tracker).events
        say(dispatcher, "help_menu", expect="menu", buttons=MAIN_BUTTONS)
        return []
