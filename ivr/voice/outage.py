"""When Rasa or its action server is down: an apology and a keypad menu served from billing_core.

Balance and due date still work (account number and ZIP code keyed in, verified with the same
lockout as everywhere else), and an agent is offered.
"""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from billing_core import accounts, balances, errors
from ivr.voice.call import Call
from ivr.voice.goto import Agent, Missed, Outcome
from ivr.voice.twiml import KEYPAD_TIMEOUT, GatherSpec, Prompt

MENU_SPEC = GatherSpec(keypad_only=True, num_digits=1)
ACCOUNT_SPEC = GatherSpec(
    keypad_only=True, num_digits=10, finish_on_key="#", timeout=KEYPAD_TIMEOUT
)
ZIP_SPEC = GatherSpec(keypad_only=True, num_digits=5, finish_on_key="#", timeout=KEYPAD_TIMEOUT)


def enter(call: Call, lead: Prompt = ()) -> VoiceResponse:
    call.state["outage"] = True
    call.state.pop("bank", None)
    return menu(call, [*lead, ("voice_outage_apology", {})])


def menu(call: Call, lead: Prompt = ()) -> VoiceResponse:
    return call.ask([("voice_outage_menu", {})], MENU_SPEC, step="outage_menu", lead=lead)


def on_menu(call: Call) -> Outcome:
    if call.digits == "0":
        return Agent()
    if call.digits not in ("1", "2"):
        return Missed("voice_reprompt_no_match")
    call.state["misses"] = 0
    call.state["outage_want"] = call.digits
    if call.state.get("outage_account"):
        return answer(call)
    return call.ask([("voice_outage_account", {})], ACCOUNT_SPEC, step="outage_account")


def on_account(call: Call) -> Outcome:
    if not call.digits.isdigit():
        return Missed("voice_reprompt_no_match")
    call.state["outage_try"] = call.digits
    return call.ask([("voice_outage_zip", {})], ZIP_SPEC, step="outage_zip")


def on_zip(call: Call) -> VoiceResponse:
    number = call.state.pop("outage_try", "")
    try:
        with call.runtime.uow() as uow:
            summary = accounts.verify_caller(
                uow,
                number,
                zip_code=call.digits,
                phone=call.state.get("phone"),
                channel="voice",
                reference=call.sid,
                now=call.now,
            )
    except errors.VerificationLocked:
        return menu(call, [("voice_outage_locked", {})])
    except errors.VerificationFailed:
        return call.ask(
            [("voice_outage_account", {})],
            ACCOUNT_SPEC,
            step="outage_account",
            lead=[("voice_outage_verify_failed", {})],
        )
    call.state["outage_account"] = summary.account_number
    return answer(call)


def answer(call: Call) -> VoiceResponse:
    with call.runtime.uow() as uow:
        balance = balances.get_balance(uow, call.state["outage_account"], now=call.now)
    said: list[tuple[str, dict]] = []
    if call.state.pop("outage_want", "1") == "1":
        said.append(("voice_outage_balance", {"amount": str(balance.amount_due)}))
        if balance.past_due > 0:
            said.append(("voice_outage_past_due", {"past_amount": str(balance.past_due)}))
    if balance.next_due_at and balance.next_amount > 0:
        said.append(
            (
                "voice_outage_due",
                {
                    "next_amount": str(balance.next_amount),
                    "due_at": balance.next_due_at.isoformat(),
                },
            )
        )
    elif len(said) == 0 or balance.amount_due <= 0:
        said.append(("voice_outage_no_bill", {}))
    return menu(call, said)


STEPS = {
    "outage_menu": on_menu,
    "outage_account": on_account,
    "outage_zip": on_zip,
}
