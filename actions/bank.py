"""Choosing the bank account for a payment or AutoPay: the one on file, or a new one the channel collects.

Bank numbers never reach Rasa: the channel stores a new account through billing_core and answers with
an opaque reference plus the last 4 digits, which are checked here against the account's methods.
For a one-time payment with the card policy on, the channel may offer a card instead (`cards_allowed`
in the request); a card comes back the same way, as a reference of kind "card". AutoPay never takes
a card.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import billing
from actions.common import intent_of, latest_text, say, say_system_error
from actions.identity import verified_account
from actions.parsing import NEW_ACCOUNT_WORDS, mentions_any
from billing_core import payment_methods


async def methods_on_file(
    account_number: str, include_cards: bool = False
) -> list[payment_methods.BankMethodRef]:
    return await billing.call(
        lambda uow: payment_methods.list_bank_methods(
            uow, account_number, include_cards=include_cards
        )
    )


class ActionAskBankMethodRef(Action):
    def name(self) -> str:
        return "action_ask_bank_method_ref"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        account_number = verified_account(tracker) or ""
        try:
            methods = (
                [] if tracker.get_slot("want_new_bank") else await methods_on_file(account_number)
            )
        except Exception:
            say_system_error(dispatcher, self.name())
            methods = []
        if methods:
            on_file = methods[0]
            say(
                dispatcher,
                "ask_use_bank_on_file",
                bank_kind=on_file.kind,
                last4=on_file.last4,
                expect="yes_no",
                instructions_included=True,  # the voice wording says "say yes or press 1"
                buttons=[
                    {"title_msg": "button_yes", "payload": "/affirm"},
                    {"title_msg": "button_new_bank_account", "payload": "/deny"},
                ],
            )
        else:
            # The IVR collects the numbers itself and stores them for this account.
            cards = tracker.active_loop_name == "pay_form" and bool(
                tracker.get_slot("card_payments_enabled")
            )
            say(
                dispatcher,
                "ask_new_bank_account",
                expect="bank_account",
                account_number=account_number,
                cards_allowed=cards or None,
                card_fee_amount=tracker.get_slot("card_fee_amount") if cards else None,
            )
        return []


class BankChoiceValidation:
    """Mixin for the forms that need a bank account (pay_form, autopay_enroll_form)."""

    takes_cards = False  # a card the channel collected is a valid answer (one-time payments)

    async def validate_bank_method_ref(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        if value is None:  # a reset, not an answer
            return {"bank_method_ref": None}
        account_number = verified_account(tracker) or ""
        try:
            known = await methods_on_file(account_number, include_cards=self.takes_cards)
        except Exception:
            say_system_error(dispatcher, "validate_bank_method_ref")
            return {"bank_method_ref": None}
        by_ref = {m.reference: m for m in known}
        methods = [m for m in known if m.kind != payment_methods.CARD]  # "the account on file"
        text = str(value or "")
        if text.startswith("bm_"):
            chosen = by_ref.get(text)
            if chosen is None:
                say(dispatcher, "error_payment_method_not_found")
                return {"bank_method_ref": None}
            return self._chosen(chosen)
        intent = intent_of(tracker)
        wants_new = intent == "deny" or mentions_any(latest_text(tracker), NEW_ACCOUNT_WORDS)
        if (
            methods
            and not tracker.get_slot("want_new_bank")
            and not wants_new
            and (intent == "affirm" or intent == "inform" or latest_text(tracker).strip() == "1")
        ):
            return self._chosen(methods[0])
        if wants_new or not methods:
            return {"bank_method_ref": None, "want_new_bank": True}
        say(dispatcher, "bank_choice_not_understood")
        return {"bank_method_ref": None}

    @staticmethod
    def _chosen(method: payment_methods.BankMethodRef) -> dict[str, Any]:
        # Kind and last 4 come from the database, not from what the channel said.
        return {
            "bank_method_ref": method.reference,
            "bank_kind": method.kind,
            "bank_last4": method.last4,
            "want_new_bank": False,
        }
