"""AutoPay: enroll or change (draft day, bank account) by phone, cancel on any channel, each confirmed.

Chat and text members who want to set up or change AutoPay hear what they owe and where to do it
(`autopay_elsewhere`): those channels never ask for bank details. A recurring debit authorized by
phone (TEL) needs a written copy: billing_core.autopay records it in the notice outbox (by text to
members who opted in, by letter otherwise) in the same transaction as the enrollment or change.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.account import autopay_lookup, balance_lookup, say_balance
from actions.bank import BankChoiceValidation
from actions.common import (
    Context,
    Outcome,
    anything_else,
    call_billing,
    say,
    takes_bank_payments,
)
from actions.consent import Consent, confirmed, read_authorization, submit
from actions.forms import answers_the_form, explicit_yes_no, reset, task_ready
from actions.identity import acting_for, verified_account
from actions.parsing import parse_draft_day
from billing_core import autopay
from billing_core.billing_calendar import eastern_date, utcnow
from billing_core.settings import CUSTOMER_SERVICE_PHONE

AUTOPAY_SCRIPT_VERSION = "tel-recurring-2026.1"
CANCEL_SCRIPT_VERSION = "autopay-cancel-2026.1"

ENROLL_FORM_SLOTS = (
    "draft_day",
    "bank_method_ref",
    "bank_kind",
    "bank_last4",
    "autopay_confirmed",
    "want_new_bank",
    "authorization_params_json",
)
PREPARE_ENROLL_SLOTS = (*ENROLL_FORM_SLOTS, "task_ready")
CANCEL_FORM_SLOTS = ("autopay_cancel_confirmed", "authorization_params_json", "task_ready")


async def current_status(
    dispatcher: CollectingDispatcher, tracker: Tracker, where: str, *, explain: bool = True
) -> Outcome[autopay.AutopayStatus]:
    """The conversation's account's AutoPay status; on failure the member has been told."""
    lookup = autopay_lookup(verified_account(tracker) or "")
    return await call_billing(dispatcher, where, lookup, explain=explain)


def _is_enrolled(status: autopay.AutopayStatus) -> bool:
    return status.status in ("active", "paused")


class ActionPrepareAutopayEnroll(Action):
    """Opens the enroll/change form by phone; by chat or text, says where to set up AutoPay."""

    def name(self) -> str:
        return "action_prepare_autopay_enroll"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        if takes_bank_payments(Context.of(tracker)):
            return task_ready(True, tracker, clear=PREPARE_ENROLL_SLOTS)
        account_number = verified_account(tracker)
        if account_number:
            got = await call_billing(dispatcher, self.name(), balance_lookup(account_number))
            if got.ok:
                say_balance(dispatcher, got.value)
        say(dispatcher, "autopay_elsewhere", phone=CUSTOMER_SERVICE_PHONE)
        return task_ready(False, tracker, clear=PREPARE_ENROLL_SLOTS)


class ActionAskDraftDay(Action):
    def name(self) -> str:
        return "action_ask_draft_day"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        got = await current_status(dispatcher, tracker, self.name(), explain=False)
        if not got.ok:
            return []
        if _is_enrolled(got.value):
            say(
                dispatcher,
                "ask_draft_day_change",
                draft_day=got.value.draft_day,
                expect="digits",
                max_digits=2,
            )
        else:
            say(dispatcher, "ask_draft_day", expect="digits", max_digits=2)
        return []


class ActionAskAutopayConfirmed(Action):
    """Reads the recurring debit authorization (frequency, draft day, account, how to revoke)."""

    def name(self) -> str:
        return "action_ask_autopay_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        params = {
            "draft_day": tracker.get_slot("draft_day"),
            "member_name": tracker.get_slot("member_name"),
            "auth_date": eastern_date(utcnow()).isoformat(),
            "bank_kind": tracker.get_slot("bank_kind"),
            "last4": tracker.get_slot("bank_last4"),
            "phone": CUSTOMER_SERVICE_PHONE,
        }
        return read_authorization(dispatcher, "autopay_authorization", params)


class ValidateAutopayEnrollForm(BankChoiceValidation, FormValidationAction):
    def name(self) -> str:
        return "validate_autopay_enroll_form"

    async def validate_draft_day(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        if value is None:  # a reset, not an answer
            return {"draft_day": None}
        if not answers_the_form(tracker, "autopay_enroll_form", "draft_day"):
            return {"draft_day": None}  # not an answer to "which day?": ask it
        day = parse_draft_day(str(value or ""), Context.of(tracker).locale)
        if day is None or not 1 <= day <= autopay.LAST_DRAFT_DAY:
            say(dispatcher, "error_invalid_draft_day")
            return {"draft_day": None}
        return {"draft_day": str(day)}

    async def validate_autopay_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return explicit_yes_no(
            value, dispatcher, tracker, "autopay_enroll_form", "autopay_confirmed"
        )


class ActionSubmitAutopayEnroll(Action):
    """Enrolls, or changes an existing enrollment, after an explicit yes."""

    def name(self) -> str:
        return "action_submit_autopay_enroll"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        events = reset(ENROLL_FORM_SLOTS)
        acting = acting_for(dispatcher, tracker)
        if acting.account is None:
            return events + acting.events
        if not confirmed(dispatcher, tracker, "autopay_confirmed", declined="autopay_not_changed"):
            return events
        draft_day = int(tracker.get_slot("draft_day"))
        bank_ref = tracker.get_slot("bank_method_ref")
        consent = Consent.of(tracker)
        account_number = consent.account_number

        def work(uow):
            now = utcnow()
            status = autopay.autopay_status(uow, account_number, now=now)
            changing = _is_enrolled(status)
            auth_id = consent.record(
                uow,
                kind="autopay_change" if changing else "autopay_enroll",
                script_version=AUTOPAY_SCRIPT_VERSION,
                now=now,
            )
            if changing:
                result = autopay.change_autopay(
                    uow,
                    account_number,
                    authorization_id=auth_id,
                    now=now,
                    draft_day=draft_day,
                    bank_method_reference=bank_ref,
                )
            else:
                result = autopay.enroll_autopay(
                    uow,
                    account_number,
                    bank_method_reference=bank_ref,
                    draft_day=draft_day,
                    authorization_id=auth_id,
                    now=now,
                )
            return changing, result

        got = await submit(dispatcher, tracker, self.name(), work)
        if not got.ok:
            return events
        changing, status = got.value
        say(
            dispatcher,
            "autopay_changed" if changing else "autopay_enrolled",
            draft_day=status.draft_day,
            bank_kind=status.bank_kind,
            last4=status.last4,
        )
        anything_else(dispatcher, tracker)
        return events


class ActionPrepareAutopayCancel(Action):
    def name(self) -> str:
        return "action_prepare_autopay_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        got = await current_status(dispatcher, tracker, self.name())
        if not got.ok:
            return task_ready(False)
        if not _is_enrolled(got.value):
            say(dispatcher, "error_autopay_not_enrolled")
            return task_ready(False)
        return task_ready(True, tracker, clear=CANCEL_FORM_SLOTS)


class ActionAskAutopayCancelConfirmed(Action):
    def name(self) -> str:
        return "action_ask_autopay_cancel_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        got = await current_status(dispatcher, tracker, self.name(), explain=False)
        if not got.ok:
            return []
        status = got.value
        params = {
            "draft_day": status.draft_day,
            "bank_kind": status.bank_kind,
            "last4": status.last4,
            "member_name": tracker.get_slot("member_name"),
            "auth_date": eastern_date(utcnow()).isoformat(),
        }
        return read_authorization(dispatcher, "autopay_cancel_confirm", params)


class ValidateAutopayCancelForm(FormValidationAction):
    def name(self) -> str:
        return "validate_autopay_cancel_form"

    async def validate_autopay_cancel_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return explicit_yes_no(
            value, dispatcher, tracker, "autopay_cancel_form", "autopay_cancel_confirmed"
        )


class ActionSubmitAutopayCancel(Action):
    def name(self) -> str:
        return "action_submit_autopay_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        events = reset(CANCEL_FORM_SLOTS)
        acting = acting_for(dispatcher, tracker)
        if acting.account is None:
            return events + acting.events
        if not confirmed(
            dispatcher, tracker, "autopay_cancel_confirmed", declined="autopay_not_changed"
        ):
            return events
        consent = Consent.of(tracker)
        account_number = consent.account_number

        def work(uow):
            now = utcnow()
            auth_id = consent.record(
                uow, kind="autopay_cancel", script_version=CANCEL_SCRIPT_VERSION, now=now
            )
            return autopay.cancel_autopay(uow, account_number, authorization_id=auth_id, now=now)

        if not (await submit(dispatcher, tracker, self.name(), work)).ok:
            return events
        say(dispatcher, "autopay_cancelled")
        anything_else(dispatcher, tracker)
        return events
