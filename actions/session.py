"""Starts a conversation: channel (from the sender id), locale and caller ID (from the gateway's
metadata), card policy."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.billing import runtime
from actions.common import channel_of


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        meta = tracker.get_slot("session_started_metadata") or {}
        channel = channel_of(tracker.sender_id)
        locale = "es" if str(meta.get("locale") or "en").lower().startswith("es") else "en"
        settings = runtime().settings  # read once, when the action server started
        events: list[EventType] = [
            SessionStarted(),
            SlotSet("channel", channel),
            SlotSet("locale", locale),
            SlotSet("phone", meta.get("phone") or None),
            SlotSet("card_payments_enabled", settings.card_payments_enabled),
            SlotSet("card_fee_amount", str(settings.card_convenience_fee)),
        ]
        caller_account = meta.get("caller_account")
        if channel == "sms" and caller_account:
            # The texting number is verified on one account: only the ZIP code or birth date is
            # asked (the answer goes to that phone only, so nothing is revealed to anyone else).
            # On a call, where caller ID can be spoofed, every caller hears the same first
            # question (billing_core.caller_id_verification).
            events += [
                SlotSet("caller_account", str(caller_account)),
                SlotSet("account_number", str(caller_account)),
            ]
        events.append(ActionExecuted("action_listen"))
        return events
