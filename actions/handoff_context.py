"""What a phone agent is told when the assistant hands a call over (the IVR's warm hand-off).

Only facts about the conversation, never what the caller said or keyed: whether the caller is
verified and the last 4 digits of that account, which tasks they asked for (intent names), the form
question where they left the assistant, and why. No slot value is copied: a ZIP code, a date of
birth or a bank detail cannot reach the agent's screen or Twilio's task attributes from here.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.identity import verified_account

# Intents about the conversation itself, not a task the caller came for.
MECHANICS = frozenset(
    {
        "greet",
        "goodbye",
        "affirm",
        "deny",
        "repeat",
        "help",
        "go_back",
        "start_over",
        "out_of_scope",
        "inform",
        "nlu_fallback",
        "talk_to_agent",
    }
)
MAX_ASKED = 5


def _intent(event: dict[str, Any]) -> str | None:
    parse = event.get("parse_data") or {}
    name = (parse.get("intent") or {}).get("name")
    if name == "faq":
        selected = ((parse.get("response_selector") or {}).get("faq") or {}).get("response") or {}
        return selected.get("intent_response_key") or "faq"
    return name


def asked(tracker: Tracker) -> list[str]:
    """The tasks this conversation asked for, first to last, each once (the last few)."""
    seen: dict[str, None] = {}
    for event in tracker.events:
        if event.get("event") == "user":
            name = _intent(event)
            if name and name not in MECHANICS:
                seen.pop(name, None)
                seen[name] = None
    return list(seen)[-MAX_ASKED:]


def stopped_in(tracker: Tracker) -> str | None:
    """`form.question` the caller was answering when they asked for an agent, if in a form.

    The rule that leaves the form has already deactivated it, so this reads the events before
    the caller's latest message."""
    events = tracker.events
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=0)
    form: str | None = None
    requested: str | None = None
    for event in reversed(events[:last_user]):
        kind = event.get("event")
        if kind == "slot" and event.get("name") == "requested_slot" and requested is None:
            requested = event.get("value") or ""
        elif kind == "active_loop":
            form = event.get("name")
            break
    if not form:
        return None
    return f"{form}.{requested}" if requested else form


def reason(tracker: Tracker) -> str:
    if tracker.get_slot("verification_stopped") == "locked":
        return "verification_locked"
    if tracker.get_slot("agent_offered"):
        return "not_understood"
    return "caller_asked"


def handoff_context(tracker: Tracker) -> dict[str, Any]:
    """The payload params the IVR turns into TaskRouter attributes or the agent's whisper."""
    account = verified_account(tracker)
    return {
        "verified": account is not None,
        "account_last4": account[-4:] if account else None,
        "asked": asked(tracker),
        "stopped_in": stopped_in(tracker),
        "reason": reason(tracker),
    }
