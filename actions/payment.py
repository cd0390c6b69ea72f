"""Paying a bill: amount, bank account, the authorization wording, the payment (phone only).

Channels. Only the voice channel takes payments here (`actions.common.BANK_PAYMENT_CHANNELS`):
web chat and SMS never ask for bank numbers. When a chat or text member wants to pay, the
assistant says what they owe (they are verified by then) and points them to the online portal,
guest payment ("Locate Account" with the account number on the bill) or the phone line, with the
message id `pay_elsewhere` (`pay_elsewhere@sms` by text).

Payload flags the channels rely on:
- `expect: yes_no` asks for an explicit yes or no. The IVR appends its own "Press 1 for yes, 2 for
  no" unless the payload also carries `"instructions_included": true`, which means the message's
  voice wording already tells the caller what to say or press (`tel_authorization`,
  `ask_use_bank_on_file`): the prompt is then spoken as is, never doubled.
- `expect: bank_account` (`ask_new_bank_account`) carries `account_number`, the Health Connector
  account the IVR stores the new bank details for (billing_core.payment_methods.add_bank_method); the
  IVR answers with an opaque `bank_method_ref` and the last 4 digits only.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.account import balance_lookup, say_balance
from actions.bank import BankChoiceValidation
from actions.common import (
    Context,
    anything_else,
    call_billing,
    idempotency_key,
    latest_text,
    say,
    takes_bank_payments,
)
from actions.consent import Consent, confirmed, read_authorization, submit
from actions.forms import answers_the_form, explicit_yes_no, reset, task_ready
from actions.identity import acting_for
from actions.parsing import FULL_BALANCE_WORDS, mentions_any, parse_amount
from billing_core import payment_methods, payments
from billing_core.billing_calendar import eastern_date, utcnow
from billing_core.settings import CUSTOMER_SERVICE_PHONE

# Bump when the wording of an authorization changes: the record names the version it showed.
TEL_SCRIPT_VERSION = "tel-one-time-2026.1"
CARD_SCRIPT_VERSION = "card-one-time-2026.1"
# What each authorization message records: (authorization kind, script version).
AUTHORIZATIONS = {
    "tel_authorization": ("one_time_debit", TEL_SCRIPT_VERSION),
    "card_authorization": ("one_time_card", CARD_SCRIPT_VERSION),
}

PAY_FORM_SLOTS = (
    "payment_amount",
    "bank_method_ref",
    "bank_kind",
    "bank_last4",
    "payment_confirmed",
    "want_new_bank",
    "authorization_params_json",
    "task_ready",
)


class ActionPreparePayment(Action):
    """Looks up what is owed; the pay form opens only when there is something to pay, by phone.

    By chat or text, the member hears what they owe and where to pay instead (`pay_elsewhere`).
    """

    def name(self) -> str:
        return "action_prepare_payment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        acting = acting_for(dispatcher, tracker)
        if acting.account is None:
            return [*task_ready(False), *acting.events]
        got = await call_billing(dispatcher, self.name(), balance_lookup(acting.account))
        if not got.ok:
            return task_ready(False)
        bal = got.value
        if bal.amount_due <= 0:
            say(dispatcher, "error_nothing_owed")
            return task_ready(False)
        if not takes_bank_payments(Context.of(tracker)):
            say_balance(dispatcher, bal)
            say(dispatcher, "pay_elsewhere", phone=CUSTOMER_SERVICE_PHONE)
            return task_ready(False, tracker, clear=PAY_FORM_SLOTS)
        return [
            *reset(PAY_FORM_SLOTS, tracker),
            SlotSet("amount_due", str(bal.amount_due)),
            SlotSet("task_ready", True),
        ]


class ActionAskPaymentAmount(Action):
    def name(self) -> str:
        return "action_ask_payment_amount"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        due = tracker.get_slot("amount_due")
        say(
            dispatcher,
            "ask_payment_amount",
            balance_amount=due,
            expect="digits",
            max_digits=7,
            buttons=[
                {
                    "title_msg": "button_full_balance",
                    "payload": "/inform" + json.dumps({"amount": due}, separators=(",", ":")),
                }
            ],
        )
        return []


class ActionAskPaymentConfirmed(Action):
    """Reads the one-time authorization and keeps exactly what was said: the TEL wording for a bank
    account, or for a card the charge with its convenience fee, before the member agrees."""

    def name(self) -> str:
        return "action_ask_payment_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        today = eastern_date(utcnow())
        params = {
            "amount": tracker.get_slot("payment_amount"),
            "member_name": tracker.get_slot("member_name"),
            "auth_date": today.isoformat(),
            "last4": tracker.get_slot("bank_last4"),
            "phone": CUSTOMER_SERVICE_PHONE,
        }
        if tracker.get_slot("bank_kind") == payment_methods.CARD:
            msg = "card_authorization"
            fee = Decimal(tracker.get_slot("card_fee_amount") or "0")
            total = Decimal(tracker.get_slot("payment_amount") or "0") + fee
            params.update(fee_amount=str(fee), total_amount=str(total))
        else:
            msg = "tel_authorization"
            params.update(debit_date=today.isoformat(), bank_kind=tracker.get_slot("bank_kind"))
        # The voice wording ends with "say yes or press 1 ... say no or press 2": see the module
        # docstring for `instructions_included`.
        return read_authorization(dispatcher, msg, params, instructions_included=True)


class ValidatePayForm(BankChoiceValidation, FormValidationAction):
    takes_cards = True

    def name(self) -> str:
        return "validate_pay_form"

    async def validate_payment_amount(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        if value is None:  # a reset, not an answer
            return {"payment_amount": None}
        if not answers_the_form(tracker, "pay_form", "payment_amount"):
            return {"payment_amount": None}  # not an answer to "how much?": ask it
        ctx = Context.of(tracker)
        due = Decimal(tracker.get_slot("amount_due") or "0")
        text = str(value or "")
        amount = parse_amount(text, ctx.locale)
        if amount is None and mentions_any(latest_text(tracker) or text, FULL_BALANCE_WORDS):
            amount = due
        if amount is None:
            say(dispatcher, "amount_not_understood")
            return {"payment_amount": None}
        if amount <= 0:
            say(dispatcher, "error_invalid_amount")
            return {"payment_amount": None}
        if amount > due:
            say(dispatcher, "error_amount_exceeds_balance", owed_amount=str(due))
            return {"payment_amount": None}
        return {"payment_amount": str(amount)}

    async def validate_payment_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return explicit_yes_no(value, dispatcher, tracker, "pay_form", "payment_confirmed")


class ActionSubmitPayment(Action):
    """Records the authorization and takes the payment in one transaction."""

    def name(self) -> str:
        return "action_submit_payment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        events = reset(PAY_FORM_SLOTS)
        acting = acting_for(dispatcher, tracker)
        if acting.account is None:
            return events + acting.events
        if not confirmed(dispatcher, tracker, "payment_confirmed", declined="payment_cancelled"):
            return events
        amount = tracker.get_slot("payment_amount")
        bank_ref = tracker.get_slot("bank_method_ref")
        key = idempotency_key(tracker, "payment")
        consent = Consent.of(tracker)
        kind, version = AUTHORIZATIONS[consent.msg]

        def work(uow):
            now = utcnow()
            auth_id = consent.record(uow, kind=kind, script_version=version, now=now)
            return payments.take_payment(
                uow,
                consent.account_number,
                amount=amount,
                channel=consent.ctx.channel,
                idempotency_key=key,
                authorization_id=auth_id,
                now=now,
                bank_method_reference=bank_ref,
                reference=consent.ctx.sender_id,
            )

        got = await submit(dispatcher, tracker, self.name(), work)
        if not got.ok:
            return events
        receipt = got.value
        say(
            dispatcher,
            "payment_confirmation_card" if receipt.method == "card" else "payment_confirmation",
            amount=receipt.amount,
            fee_amount=receipt.fee if receipt.fee else None,
            confirmation_number=receipt.confirmation_number,
            effective_date=receipt.effective_date,
            last4=receipt.last4,
        )
        anything_else(dispatcher, tracker)
        return events
