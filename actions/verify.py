"""Verifying the caller: account number, then ZIP code or date of birth (billing_core.accounts)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import billing
from actions.common import Context, say, say_error, say_system_error
from actions.identity import IDENTITY_SLOT, issue
from actions.parsing import parse_account_number, parse_date_of_birth, parse_zip_code
from billing_core import accounts, errors
from billing_core.billing_calendar import utcnow
from billing_core.caller_id_verification import CallerIdNotMatched, verify_by_caller_id
from billing_core.standing import CallerStanding, caller_standing

# Set once caller ID + ZIP has been tried on this call: the account number is asked plainly after.
CALLER_ID_TRIED = "caller_id_tried"


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def standing_slots(standing: CallerStanding) -> dict[str, Any]:
    """The account's standing (a recorded termination wins), for the late-payment answer."""
    return {
        "standing": standing.state,
        "standing_past_due_amount": str(standing.past_due_amount),
        "standing_grace_ends": _iso(standing.grace_ends),
        "standing_coverage_ends": _iso(standing.coverage_ends),
        "standing_reinstate_by": _iso(standing.reinstate_by),
        "standing_coverage_line": standing.coverage_line,
    }


class ValidateVerifyForm(FormValidationAction):
    """Verification happens when the second answer arrives; the outcome is the `verified` slot."""

    def name(self) -> str:
        return "validate_verify_form"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        stopped = tracker.get_slot("verification_stopped")
        if stopped and self._stop_has_ended(tracker, stopped):
            # The lock has expired (or a system error has passed): try again, billing_core
            # decides whether the account is still locked.
            cleared = {"verification_stopped": None, "verification_locked_until": None}
            tracker.slots.update(cleared)
            events = await super().run(dispatcher, tracker, domain)
            return [SlotSet(name, value) for name, value in cleared.items()] + events
        if stopped:
            # Locked in this conversation (or an SMS phone not on the account): end at once.
            say(dispatcher, "verification_still_locked" if stopped == "locked" else stopped)
            return [SlotSet("requested_slot", None)]
        return await super().run(dispatcher, tracker, domain)

    @staticmethod
    def _stop_has_ended(tracker: Tracker, stopped: str) -> bool:
        if stopped == "system_error":
            return True
        if stopped != "locked":
            return False  # an SMS phone not verified on the account stays so
        until = tracker.get_slot("verification_locked_until")
        if not until:
            return True
        try:
            at = datetime.fromisoformat(str(until))
        except ValueError:
            return True
        return utcnow() >= (at if at.tzinfo else at.replace(tzinfo=UTC))

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        if tracker.get_slot("verified") or tracker.get_slot("verification_stopped"):
            return []
        second = "date_of_birth" if tracker.get_slot("date_of_birth") else "zip_code"
        return ["account_number", second]

    async def validate_account_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:  # a reset, not an answer
            return {"account_number": None}
        ctx = Context.of(tracker)
        number = parse_account_number(str(value), ctx.locale)
        if number is None and ctx.channel == "voice" and not tracker.get_slot(CALLER_ID_TRIED):
            # The first question on a call offers the ZIP code to callers from their own phone.
            zip_code = parse_zip_code(str(value), ctx.locale)
            if zip_code is not None:
                return await self._verify_by_caller_id(dispatcher, tracker, zip_code)
        if number is None:
            say(dispatcher, "account_number_not_understood")
            return {"account_number": None}
        # Whether the account exists is only revealed together with the second factor.
        return {"account_number": number}

    async def validate_zip_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:  # a reset, not an answer
            return {"zip_code": None}
        ctx = Context.of(tracker)
        zip_code = parse_zip_code(str(value), ctx.locale)
        if zip_code is not None:
            return await self._verify(dispatcher, tracker, zip_code=zip_code)
        birth = parse_date_of_birth(str(value), ctx.locale)
        if birth is not None:  # the member answered with a birth date instead: accept it
            return await self._verify(dispatcher, tracker, date_of_birth=birth)
        say(dispatcher, "zip_code_not_understood")
        return {"zip_code": None}

    async def validate_date_of_birth(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:  # a reset, not an answer
            return {"date_of_birth": None}
        birth = parse_date_of_birth(str(value), Context.of(tracker).locale)
        if birth is None:
            say(dispatcher, "date_of_birth_not_understood")
            return {"date_of_birth": None}
        return await self._verify(dispatcher, tracker, date_of_birth=birth)

    async def _verify(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        *,
        zip_code: str | None = None,
        date_of_birth: date | None = None,
    ) -> dict[str, Any]:
        ctx = Context.of(tracker)
        account_number = tracker.get_slot("account_number")
        if not account_number:
            return {"zip_code": None, "date_of_birth": None}

        def work(uow):
            summary = accounts.verify_caller(
                uow,
                account_number,
                zip_code=zip_code,
                date_of_birth=date_of_birth,
                phone=ctx.phone,
                channel=ctx.channel,
                reference=ctx.sender_id,
                client=ctx.client,
                now=utcnow(),
            )
            phone_ok = ctx.channel != "sms" or (
                ctx.phone is not None
                and accounts.phone_is_verified_for(uow, ctx.phone, account_number)
            )
            standing = caller_standing(uow, account_number, now=utcnow())
            return summary, phone_ok, standing

        try:
            summary, phone_ok, standing = await billing.call(work)
        except errors.VerificationLocked as exc:
            say_error(dispatcher, exc)
            return self._cleared(tracker) | {
                "verification_stopped": "locked",
                "verification_locked_until": exc.until.isoformat(),
            }
        except errors.VerificationFailed as exc:
            say_error(dispatcher, exc)
            return self._cleared(tracker)
        except Exception:
            say_system_error(dispatcher, "verify")
            return self._cleared(tracker) | {"verification_stopped": "system_error"}
        if not phone_ok:
            # By text, account answers go only to a phone number verified on that account.
            say(dispatcher, "sms_account_not_available")
            return self._cleared(tracker) | {"verification_stopped": "sms_account_not_available"}
        return self._verified(dispatcher, ctx, summary, standing)

    async def _verify_by_caller_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, zip_code: str
    ) -> dict[str, Any]:
        """Caller ID + ZIP (billing_core.caller_id_verification): offered once per call; any
        failure sounds the same, then the account number is asked as for everyone."""
        ctx = Context.of(tracker)

        def work(uow):
            summary = verify_by_caller_id(
                uow,
                ctx.phone,
                zip_code=zip_code,
                channel=ctx.channel,
                reference=ctx.sender_id,
                now=utcnow(),
            )
            return summary, caller_standing(uow, summary.account_number, now=utcnow())

        try:
            summary, standing = await billing.call(work)
        except CallerIdNotMatched:
            say(dispatcher, "caller_id_not_matched")
            return {"account_number": None, CALLER_ID_TRIED: True}
        except Exception:
            say_system_error(dispatcher, "verify")
            return self._cleared(tracker) | {"verification_stopped": "system_error"}
        return {"account_number": summary.account_number, CALLER_ID_TRIED: True} | self._verified(
            dispatcher, ctx, summary, standing
        )

    @staticmethod
    def _verified(
        dispatcher: CollectingDispatcher, ctx: Context, summary, standing: CallerStanding
    ) -> dict[str, Any]:
        say(dispatcher, "verified", member_name=summary.name)
        # The identity is what every later action acts on; the answers that proved it are not
        # kept in the conversation's slots.
        return {
            "zip_code": None,
            "date_of_birth": None,
            "verified": True,
            IDENTITY_SLOT: issue(ctx.sender_id, summary.account_number),
            "member_name": summary.name,
            "account_last4": summary.last4,
            **standing_slots(standing),
        }

    @staticmethod
    def _cleared(tracker: Tracker) -> dict[str, Any]:
        """Ask again: keep a texting number's account, forget everything the caller said."""
        keep = tracker.get_slot("caller_account")
        return {"account_number": keep or None, "zip_code": None, "date_of_birth": None}
