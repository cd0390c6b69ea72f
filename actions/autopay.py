"""AutoPay: enroll or change (draft day, bank account) by phone, cancel on any channel, each confirmed.

Chat and text members who want to set up or change AutoPay hear what they owe and where to do it
(`autopay_elsewhere`): those channels never ask for bank details. A recurring debit authorized by
phone (TEL) needs a written copy: billing_core.autopay records it in the notice outbox (by text to
members who opted in, by letter otherwise) in the same transaction as the enrollment or change.
"""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import billing
from actions.account import say_balance
from actions.bank import BankChoiceValidation
from actions.common import (
    CUSTOMER_SERVICE_PHONE,
    Context,
    anything_else,
    consent_input,
    say,
    say_error,
    say_system_error,
    takes_bank_payments,
    yes_or_no,
)
from actions.parsing import parse_draft_day
from actions.payment import answers_the_form, reset
from billing_core import autopay, balances, errors, payments
from billing_core.billing_calendar import eastern_date, utcnow

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


async def current_status(account_number: str) -> autopay.AutopayStatus:
    return await billing.call(lambda uow: autopay.autopay_status(uow, account_number, now=utcnow()))


def _is_enrolled(status: autopay.AutopayStatus) -> bool:
    return status.status in ("active", "paused")


def _answers(tracker: Tracker, form: str, slot: str) -> bool:
    """Consent counts only as the answer to the question just asked by this form."""
    return (tracker.active_loop or {}).get("name") == form and tracker.get_slot(
        "requested_slot"
    ) == slot


def _render(record: dict[str, Any], ctx: Context) -> str:
    from ivr.render import render  # the exact words the member heard or read

    return render(record["msg"], record["params"], locale=ctx.locale, channel=ctx.channel)


class ActionPrepareAutopayEnroll(Action):
    """Opens the enroll/change form by phone; by chat or text, says where to set up AutoPay."""

    def name(self) -> str:
        return "action_prepare_autopay_enroll"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        if takes_bank_payments(Context.of(tracker)):
            return [*reset(PREPARE_ENROLL_SLOTS, tracker), SlotSet("task_ready", True)]
        account_number = tracker.get_slot("account_number")
        if tracker.get_slot("verified") and account_number:
            try:
                bal = await billing.call(
                    lambda uow: balances.get_balance(uow, account_number, now=utcnow())
                )
            except errors.BillingError as exc:
                say_error(dispatcher, exc)
            except Exception:
                say_system_error(dispatcher, self.name())
            else:
                say_balance(dispatcher, bal)
        say(dispatcher, "autopay_elsewhere", phone=CUSTOMER_SERVICE_PHONE)
        return [*reset(PREPARE_ENROLL_SLOTS, tracker), SlotSet("task_ready", False)]


class ActionAskDraftDay(Action):
    def name(self) -> str:
        return "action_ask_draft_day"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        try:
            status = await current_status(tracker.get_slot("account_number"))
        except Exception:
            say_system_error(dispatcher, self.name())
            return []
        if _is_enrolled(status):
            say(
                dispatcher,
                "ask_draft_day_change",
                draft_day=status.draft_day,
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
        say(dispatcher, "autopay_authorization", **params, expect="yes_no")
        record = {"msg": "autopay_authorization", "params": params}
        return [SlotSet("authorization_params_json", json.dumps(record))]


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
        if value is None:  # a reset, not an answer
            return {"autopay_confirmed": None}
        if not _answers(tracker, "autopay_enroll_form", "autopay_confirmed"):
            return {"autopay_confirmed": None}
        answer = yes_or_no(tracker)
        if answer is None:
            say(dispatcher, "yes_no_not_understood")
        return {"autopay_confirmed": answer}


class ActionSubmitAutopayEnroll(Action):
    """Enrolls, or changes an existing enrollment, after an explicit yes."""

    def name(self) -> str:
        return "action_submit_autopay_enroll"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        events = reset(ENROLL_FORM_SLOTS)
        if tracker.get_slot("autopay_confirmed") != "yes":
            say(dispatcher, "autopay_not_changed")
            anything_else(dispatcher, tracker)
            return events
        ctx = Context.of(tracker)
        record = json.loads(tracker.get_slot("authorization_params_json") or "{}")
        account_number = tracker.get_slot("account_number")
        draft_day = int(tracker.get_slot("draft_day"))
        bank_ref = tracker.get_slot("bank_method_ref")
        consent = consent_input(tracker, ctx.channel)
        script_text = _render(record, ctx)

        def work(uow):
            now = utcnow()
            status = autopay.autopay_status(uow, account_number, now=now)
            changing = _is_enrolled(status)
            auth_id = payments.record_authorization(
                uow,
                account_number,
                kind="autopay_change" if changing else "autopay_enroll",
                channel=ctx.channel,
                reference=ctx.sender_id,
                script_version=AUTOPAY_SCRIPT_VERSION,
                script_text=script_text,
                consent_input=consent,
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

        try:
            changing, status = await billing.call(work)
        except errors.BillingError as exc:
            say_error(dispatcher, exc)
            anything_else(dispatcher, tracker)
            return events
        except Exception:
            say_system_error(dispatcher, self.name())
            return events
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
        try:
            status = await current_status(tracker.get_slot("account_number"))
        except errors.BillingError as exc:
            say_error(dispatcher, exc)
            return [SlotSet("task_ready", False)]
        except Exception:
            say_system_error(dispatcher, self.name())
            return [SlotSet("task_ready", False)]
        if not _is_enrolled(status):
            say(dispatcher, "error_autopay_not_enrolled")
            return [SlotSet("task_ready", False)]
        return [*reset(CANCEL_FORM_SLOTS, tracker), SlotSet("task_ready", True)]


class ActionAskAutopayCancelConfirmed(Action):
    def name(self) -> str:
        return "action_ask_autopay_cancel_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        try:
            status = await current_status(tracker.get_slot("account_number"))
        except Exception:
            say_system_error(dispatcher, self.name())
            return []
        params = {
            "draft_day": status.draft_day,
            "bank_kind": status.bank_kind,
            "last4": status.last4,
            "member_name": tracker.get_slot("member_name"),
            "auth_date": eastern_date(utcnow()).isoformat(),
        }
        say(dispatcher, "autopay_cancel_confirm", **params, expect="yes_no")
        record = {"msg": "autopay_cancel_confirm", "params": params}
        return [SlotSet("authorization_params_json", json.dumps(record))]


class ValidateAutopayCancelForm(FormValidationAction):
    def name(self) -> str:
        return "validate_autopay_cancel_form"

    async def validate_autopay_cancel_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        if value is None:  # a reset, not an answer
            return {"autopay_cancel_confirmed": None}
        if not _answers(tracker, "autopay_cancel_form", "autopay_cancel_confirmed"):
            return {"autopay_cancel_confirmed": None}
        answer = yes_or_no(tracker)
        if answer is None:
            say(dispatcher, "yes_no_not_understood")
        return {"autopay_cancel_confirmed": answer}


class ActionSubmitAutopayCancel(Action):
    def name(self) -> str:
        return "action_submit_autopay_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        events = reset(CANCEL_FORM_SLOTS)
        if tracker.get_slot("autopay_cancel_confirmed") != "yes":
            say(dispatcher, "autopay_not_changed")
            anything_else(dispatcher, tracker)
            return events
        ctx = Context.of(tracker)
        record = json.loads(tracker.get_slot("authorization_params_json") or "{}")
        account_number = tracker.get_slot("account_number")
        consent = consent_input(tracker, ctx.channel)
        script_text = _render(record, ctx)

        def work(uow):
            now = utcnow()
            auth_id = payments.record_authorization(
                uow,
                account_number,
                kind="autopay_cancel",
                channel=ctx.channel,
                reference=ctx.sender_id,
                script_version=CANCEL_SCRIPT_VERSION,
                script_text=script_text,
                consent_input=consent,
                now=now,
            )
            return autopay.cancel_autopay(uow, account_number, authorization_id=auth_id, now=now)

        try:
            await billing.call(work)
        except errors.BillingError as exc:
            say_error(dispatcher, exc)
            anything_else(dispatcher, tracker)
            return events
        except Exception:
            say_system_error(dispatcher, self.name())
            return events
        say(dispatcher, "autopay_cancelled")
        anything_else(dispatcher, tracker)
        return events
