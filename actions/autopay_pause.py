"""AutoPay pause for one draft, on every channel (no bank details are needed), confirmed.

Before the member agrees they hear which draft will not be made, the bill they must then pay
themselves, when drafts start again and the cut-off (3 business days before the draft); when a
nearer draft is past its cut-off or already made, they hear that first. The submit pauses exactly
the draft that was read out (billing_core.autopay_pause refuses if the cut-off passed meanwhile),
records the member's yes with the words read, and the written copy goes by text or letter.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import YES_NO_BUTTONS, anything_else, call_billing, say, say_system_error
from actions.consent import AUTHORIZATION_SLOT, Consent, confirmed, read_authorization, submit
from actions.forms import explicit_yes_no, reset, task_ready
from actions.identity import acting_for, verified_account
from billing_core import autopay
from billing_core.autopay_pause import pause_for_one_draft, pause_plan
from billing_core.billing_calendar import add_months, due_at, eastern_date, first_of_month, utcnow

PAUSE_SCRIPT_VERSION = "autopay-pause-2026.1"
PAUSE_FORM_SLOTS = ("autopay_pause_confirmed", AUTHORIZATION_SLOT, "task_ready")


def agreed_params(tracker: Tracker) -> dict[str, Any]:
    """The parameters of the wording the member just agreed to (read_authorization kept them)."""
    return json.loads(tracker.get_slot(AUTHORIZATION_SLOT) or "{}").get("params") or {}


def said_not_active(dispatcher: CollectingDispatcher, status: autopay.AutopayStatus) -> bool:
    """Tell the member why there is no draft to pause or resume; False when AutoPay drafts."""
    if status.status == "suspended":
        say(dispatcher, "autopay_is_suspended")
    elif status.status not in ("active", "paused"):
        say(
            dispatcher,
            "autopay_not_enrolled",
            buttons=[{"title_msg": "button_enroll_autopay", "payload": "/enroll_autopay"}],
        )
    else:
        return False
    return True


class ActionPrepareAutopayPause(Action):
    def name(self) -> str:
        return "action_prepare_autopay_pause"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        acting = acting_for(dispatcher, tracker)
        if acting.account is None:
            return [*task_ready(False), *acting.events]
        account = acting.account
        got = await call_billing(
            dispatcher,
            self.name(),
            lambda uow: autopay.autopay_status(uow, account, now=utcnow()),
        )
        if not got.ok or said_not_active(dispatcher, got.value):
            return task_ready(False)
        if got.value.status == "paused" and got.value.paused_month is not None:
            due = eastern_date(due_at(got.value.paused_month))
            say(dispatcher, "autopay_already_paused", due_date=due)
            return task_ready(False)
        return task_ready(True, tracker, clear=PAUSE_FORM_SLOTS)


class ActionAskAutopayPauseConfirmed(Action):
    """Says which draft a pause skips and its cut-off, then asks for an explicit yes."""

    def name(self) -> str:
        return "action_ask_autopay_pause_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        account = verified_account(tracker) or ""
        got = await call_billing(
            dispatcher,
            self.name(),
            lambda uow: pause_plan(uow, account, now=utcnow()),
            explain=False,
        )
        if not got.ok:
            return []
        plan = got.value
        if plan.missed_reason == "past_cutoff":
            say(
                dispatcher,
                "autopay_pause_missed_cutoff",
                missed_draft_date=plan.missed_draft_date,
                missed_cutoff_date=plan.missed_cutoff_date,
            )
        elif plan.missed_reason == "already_drafted":
            say(
                dispatcher, "autopay_pause_missed_drafted", missed_draft_date=plan.missed_draft_date
            )
        params = {
            "member_name": tracker.get_slot("member_name"),
            "bank_kind": plan.bank_kind,
            "last4": plan.last4,
            "skip_draft_date": plan.skip_draft_date.isoformat(),
            "due_date": plan.due_date.isoformat(),
            "resume_draft_date": plan.resume_draft_date.isoformat(),
            "cutoff_date": plan.cutoff_date.isoformat(),
            "auth_date": eastern_date(utcnow()).isoformat(),
        }
        msg = "autopay_pause_confirm"
        if plan.skip_amount:
            msg, params["skip_amount"] = "autopay_pause_confirm_amount", str(plan.skip_amount)
        return read_authorization(dispatcher, msg, params, buttons=YES_NO_BUTTONS)


class ValidateAutopayPauseForm(FormValidationAction):
    def name(self) -> str:
        return "validate_autopay_pause_form"

    async def validate_autopay_pause_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return explicit_yes_no(
            value, dispatcher, tracker, "autopay_pause_form", "autopay_pause_confirmed"
        )


class ActionSubmitAutopayPause(Action):
    def name(self) -> str:
        return "action_submit_autopay_pause"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        events = reset(PAUSE_FORM_SLOTS)
        acting = acting_for(dispatcher, tracker)
        if acting.account is None:
            return events + acting.events
        if not confirmed(
            dispatcher, tracker, "autopay_pause_confirmed", declined="autopay_not_changed"
        ):
            return events
        try:
            consent = Consent.of(tracker)
            draft_on = date.fromisoformat(str(agreed_params(tracker).get("skip_draft_date")))
        except (KeyError, TypeError, ValueError):  # no wording was read in this conversation
            say_system_error(dispatcher, self.name())
            return events
        skip_month = add_months(first_of_month(draft_on), 1)  # a draft pays next month's bill

        def work(uow):
            now = utcnow()
            auth_id = consent.record(
                uow, kind="autopay_pause", script_version=PAUSE_SCRIPT_VERSION, now=now
            )
            return pause_for_one_draft(
                uow,
                consent.account_number,
                skip_month=skip_month,
                authorization_id=auth_id,
                now=now,
            )

        got = await submit(dispatcher, tracker, self.name(), work)
        if not got.ok:
            return events
        plan = got.value
        say(
            dispatcher,
            "autopay_paused_done",
            skip_draft_date=plan.skip_draft_date,
            due_date=plan.due_date,
            resume_draft_date=plan.resume_draft_date,
        )
        anything_else(dispatcher, tracker)
        return events
