"""Before money moves: read the authorization, get an explicit yes, record what was agreed to.

The ask action reads the authorization wording (`read_authorization`) and keeps the message id and
parameters in the `authorization_params_json` slot. The submit action, after the form's explicit
yes (`confirmed`), renders those exact words again (`Consent.of`) and records them with the money
movement in one billing_core transaction (`Consent.record`, then `submit`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import Context, Outcome, anything_else, call_billing, consent_input, say
from actions.identity import verified_account
from billing_core import payments
from billing_core.unit_of_work import UnitOfWork
from messages.render import render

T = TypeVar("T")
AUTHORIZATION_SLOT = "authorization_params_json"


def read_authorization(
    dispatcher: CollectingDispatcher, msg: str, params: dict[str, Any], **flags: Any
) -> list[EventType]:
    """Say the authorization (an explicit yes or no is expected) and keep exactly what was said."""
    say(dispatcher, msg, **params, expect="yes_no", **flags)
    record = {"msg": msg, "params": params}
    return [SlotSet(AUTHORIZATION_SLOT, json.dumps(record))]


def confirmed(dispatcher: CollectingDispatcher, tracker: Tracker, slot: str, declined: str) -> bool:
    """Whether the member said yes; if not, say `declined` and offer more help."""
    if tracker.get_slot(slot) == "yes":
        return True
    say(dispatcher, declined)
    anything_else(dispatcher, tracker)
    return False


@dataclass(frozen=True)
class Consent:
    """What the member agreed to, where and how: the authorization record's contents."""

    ctx: Context
    account_number: str
    msg: str  # the authorization's message id
    script_text: str
    consent_input: str

    @classmethod
    def of(cls, tracker: Tracker) -> Consent:
        ctx = Context.of(tracker)
        record = json.loads(tracker.get_slot(AUTHORIZATION_SLOT) or "{}")
        account_number = verified_account(tracker) or ""
        how = consent_input(tracker, ctx.channel)

        script_text = render(  # the exact words the member heard or read
            record["msg"], record["params"], locale=ctx.locale, channel=ctx.channel
        )
        return cls(ctx, account_number, record["msg"], script_text, how)

    def record(self, uow: UnitOfWork, *, kind: str, script_version: str, now: datetime) -> int:
        """Record the authorization (billing_core.payments); its id goes with the money movement."""
        return payments.record_authorization(
            uow,
            self.account_number,
            kind=kind,
            channel=self.ctx.channel,
            reference=self.ctx.sender_id,
            script_version=script_version,
            script_text=self.script_text,
            consent_input=self.consent_input,
            now=now,
        )


async def submit(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    where: str,
    work: Callable[[UnitOfWork], T],
) -> Outcome[T]:
    """Run the confirmed money movement; a refusal the member was told of ends with more help."""
    got = await call_billing(dispatcher, where, work)
    if got.failure == "billing":
        anything_else(dispatcher, tracker)
    return got
