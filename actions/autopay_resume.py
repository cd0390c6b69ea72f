"""AutoPay resume: undo a one-draft pause, on every channel, confirmed.

Resuming means the skipped bill is drafted after all, so the member hears which bill and agrees
explicitly; the yes is recorded with the words read, and the written copy goes by text or letter
(billing_core.autopay_pause.resume_after_pause).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.autopay_pause import said_not_active
from actions.common import YES_NO_BUTTONS, anything_else, call_billing, say, say_system_error
from actions.consent import AUTHORIZATION_SLOT, Consent, confirmed, read_authorization, submit
from actions.forms import explicit_yes_no, reset, task_ready
from actions.identity import acting_for, verified_account
from billing_core import autopay
from billing_core.autopay_pause import resume_after_pause, resume_plan
from billing_core.billing_calendar import eastern_date, utcnow

RESUME_SCRIPT_VERSION = "autopay-resume-2026.1"
RESUME_FORM_SLOTS = ("autopay_resume_confirmed", AUTHORIZATION_SLOT, "task_ready")


class ActionPrepareAutopayResume(Action):
    def name(self) -> str:
        return "action_prepare_autopay_resume"

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
        if got.value.status != "paused":
            say(dispatcher, "error_autopay_not_paused")
            return task_ready(False)
        return task_ready(True, tracker, clear=RESUME_FORM_SLOTS)


class ActionAskAutopayResumeConfirmed(Action):
    def name(self) -> str:
        return "action_ask_autopay_resume_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        account = verified_account(tracker) or ""
        got = await call_billing(
            dispatcher,
            self.name(),
            lambda uow: resume_plan(uow, account, now=utcnow()),
            explain=False,
        )
        if not got.ok:
            return []
        if got.value is None:  # the pause ended while we were talking
            say(dispatcher, "error_autopay_not_paused")
            return []
        plan = got.value
        params = {
            "member_name": tracker.get_slot("member_name"),
            "bank_kind": plan.bank_kind,
            "last4": plan.last4,
            "due_date": plan.due_date.isoformat(),
            "auth_date": eastern_date(utcnow()).isoformat(),
        }
        return read_authorization(
            dispatcher, "autopay_resume_confirm", params, buttons=YES_NO_BUTTONS
        )


class ValidateAutopayResumeForm(FormValidationAction):
    def name(self) -> str:
        return "validate_autopay_resume_form"

    async def validate_autopay_resume_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return explicit_yes_no(
            value, dispatcher, tracker, "autopay_resume_form", "autopay_resume_confirmed"
        )


class ActionSubmitAutopayResume(Action):
    def name(self) -> str:
        return "action_submit_autopay_resume"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        events = reset(RESUME_FORM_SLOTS)
        acting = acting_for(dispatcher, tracker)
        if acting.account is None:
            return events + acting.events
        if not confirmed(
            dispatcher, tracker, "autopay_resume_confirmed", declined="autopay_not_changed"
        ):
            return events
        try:
            consent = Consent.of(tracker)
        except (KeyError, TypeError, ValueError):  # no wording was read in this conversation
            say_system_error(dispatcher, self.name())
            return events

        def work(uow):
            now = utcnow()
            auth_id = consent.record(
                uow, kind="autopay_resume", script_version=RESUME_SCRIPT_VERSION, now=now
            )
            return resume_after_pause(
                uow, consent.account_number, authorization_id=auth_id, now=now
            )

        got = await submit(dispatcher, tracker, self.name(), work)
        if not got.ok:
            return events
        status = got.value
        if status.next_draft_date is None:
            say(dispatcher, "autopay_resumed_nothing_due")
        else:
            say(
                dispatcher,
                "autopay_resumed" if status.next_draft_amount else "autopay_resumed_no_amount",
                next_draft_amount=status.next_draft_amount,
                next_draft_date=status.next_draft_date,
            )
        anything_else(dispatcher, tracker)
        return events
