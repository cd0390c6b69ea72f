"""Cancelling a pending one-time payment (the revocation the TEL script promises), confirmed.

Offered on every channel: a cancel moves no money and needs no bank details, like cancelling
AutoPay; the member is verified (by text, only from a phone verified on the account) and says an
explicit yes to the payment read back with its confirmation number, and the yes is recorded with
those words (kind `payment_cancel`). Payments not yet sent to the bank are offered newest first; a
"no" moves on to the next one. A payment already sent (its NACHA file cut, or the processor has
it) can no longer be cancelled: the member is told so and offered an agent, before or, if the file
is cut in between, after their yes (billing_core.cancellation checks again under the row lock).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import billing
from actions.autopay_pause import agreed_params
from actions.common import (
    YES_NO_BUTTONS,
    Context,
    anything_else,
    call_billing,
    say,
    say_error,
    say_system_error,
)
from actions.consent import AUTHORIZATION_SLOT, Consent, confirmed, read_authorization
from actions.forms import explicit_yes_no, reset, task_ready
from actions.identity import acting_for, verified_account
from billing_core import errors
from billing_core.billing_calendar import eastern_date, utcnow
from billing_core.cancellable_payments import cancel_options
from billing_core.cancellation import cancel_payment

CANCEL_SCRIPT_VERSION = "payment-cancel-2026.1"
SKIP_SLOT = "payment_cancel_skip"  # how many offered payments the member said "no" to
CANCEL_FORM_SLOTS = ("payment_cancel_confirmed", SKIP_SLOT, AUTHORIZATION_SLOT, "task_ready")


def options_for(account: str):  # type: ignore[no-untyped-def]
    return lambda uow: cancel_options(uow, account, now=utcnow())


def offer_agent(dispatcher: CollectingDispatcher, amount: Any, made_on: Any) -> list[EventType]:
    say(
        dispatcher,
        "payment_cancel_too_late",
        amount=amount,
        payment_date=made_on,
        expect="yes_no",
        buttons=YES_NO_BUTTONS,
    )
    return [SlotSet("agent_offered", True)]


class ActionPreparePaymentCancel(Action):
    def name(self) -> str:
        return "action_prepare_payment_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        acting = acting_for(dispatcher, tracker)
        if acting.account is None:
            return [*task_ready(False), SlotSet("agent_offered", False), *acting.events]
        got = await call_billing(dispatcher, self.name(), options_for(acting.account))
        if not got.ok:
            return [*task_ready(False), SlotSet("agent_offered", False)]
        options = got.value
        if options.cancellable:
            if len(options.cancellable) > 1:
                say(dispatcher, "payment_cancel_several", count=len(options.cancellable))
            return [
                *task_ready(True, tracker, clear=CANCEL_FORM_SLOTS),
                SlotSet("agent_offered", False),
            ]
        if options.already_sent is not None:
            sent = options.already_sent
            return [*task_ready(False), *offer_agent(dispatcher, sent.amount, sent.made_on)]
        say(dispatcher, "payment_cancel_none")
        return [*task_ready(False), SlotSet("agent_offered", False)]


class ActionAskPaymentCancelConfirmed(Action):
    """Reads back the payment on offer (amount, account, date, confirmation number)."""

    def name(self) -> str:
        return "action_ask_payment_cancel_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        got = await call_billing(
            dispatcher, self.name(), options_for(verified_account(tracker) or ""), explain=False
        )
        if not got.ok:
            return []
        offers = got.value.cancellable
        if not offers:  # sent to the bank while we were talking
            say(dispatcher, "payment_cancel_none")
            return [ActiveLoop(None), SlotSet("requested_slot", None)]
        offer = offers[min(int(tracker.get_slot(SKIP_SLOT) or 0), len(offers) - 1)]
        params = {
            "member_name": tracker.get_slot("member_name"),
            "amount": str(offer.amount),
            "last4": offer.last4,
            "payment_date": offer.made_on.isoformat(),
            "confirmation_number": offer.confirmation_number,
            "auth_date": eastern_date(utcnow()).isoformat(),
        }
        msg = "payment_cancel_confirm_card" if offer.method == "card" else "payment_cancel_confirm"
        return read_authorization(dispatcher, msg, params, buttons=YES_NO_BUTTONS)


class ValidatePaymentCancelForm(FormValidationAction):
    def name(self) -> str:
        return "validate_payment_cancel_form"

    async def validate_payment_cancel_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        slot = "payment_cancel_confirmed"
        answer = explicit_yes_no(value, dispatcher, tracker, "payment_cancel_form", slot)
        if answer[slot] != "no":
            return answer
        account = verified_account(tracker) or ""
        try:
            offers = (await billing.call(options_for(account))).cancellable
        except Exception:
            return answer  # the "no" stands: nothing is cancelled
        skip = int(tracker.get_slot(SKIP_SLOT) or 0) + 1
        if skip < len(offers):
            return {slot: None, SKIP_SLOT: str(skip)}  # offer the next one
        return answer


class ActionSubmitPaymentCancel(Action):
    def name(self) -> str:
        return "action_submit_payment_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        events = reset(CANCEL_FORM_SLOTS)
        acting = acting_for(dispatcher, tracker)
        if acting.account is None:
            return events + acting.events
        if not confirmed(dispatcher, tracker, "payment_cancel_confirmed", "payment_cancel_kept"):
            return events
        agreed = agreed_params(tracker)
        try:
            consent = Consent.of(tracker)
            confirmation = str(agreed["confirmation_number"])
        except (KeyError, TypeError, ValueError):  # no payment was read in this conversation
            say_system_error(dispatcher, self.name())
            return events
        ctx = Context.of(tracker)

        def work(uow):
            now = utcnow()
            consent.record(
                uow, kind="payment_cancel", script_version=CANCEL_SCRIPT_VERSION, now=now
            )
            return cancel_payment(
                uow,
                consent.account_number,
                confirmation,
                channel=ctx.channel,
                reference=ctx.sender_id,
                now=now,
            )

        try:
            receipt = await billing.call(work)
        except errors.PaymentAlreadySent:
            return events + offer_agent(
                dispatcher, agreed.get("amount"), agreed.get("payment_date")
            )
        except errors.BillingError as exc:
            say_error(dispatcher, exc)
            anything_else(dispatcher, tracker)
            return events
        except Exception:
            say_system_error(dispatcher, self.name())
            return events
        say(
            dispatcher,
            "payment_cancel_done",
            amount=receipt.amount,
            confirmation_number=receipt.confirmation_number,
        )
        anything_else(dispatcher, tracker)
        return events
