"""Answers about the account: balance, due date and AutoPay status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import anything_else, call_billing, say
from actions.identity import acting_for, verified_account
from billing_core import autopay, balances
from billing_core.billing_calendar import add_months, due_at, eastern_date, first_of_month, utcnow
from billing_core.unit_of_work import UnitOfWork

T = TypeVar("T")


def next_general_due(now: datetime) -> tuple[datetime, datetime]:
    """The next due instant that is still ahead, and the first day of the month it pays for."""
    month = add_months(first_of_month(eastern_date(now)), 1)
    while due_at(month) <= now:
        month = add_months(month, 1)
    return due_at(month), month


def balance_lookup(
    account_number: str, now: datetime | None = None
) -> Callable[[UnitOfWork], balances.Balance]:
    """The unit of work that reads an account's balance (as of `now`, else the moment it runs)."""
    return lambda uow: balances.get_balance(uow, account_number, now=now or utcnow())


def autopay_lookup(account_number: str) -> Callable[[UnitOfWork], autopay.AutopayStatus]:
    """The unit of work that reads an account's AutoPay status as of the moment it runs."""
    return lambda uow: autopay.autopay_status(uow, account_number, now=utcnow())


async def answer_verified(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    where: str,
    lookup: Callable[[str], Callable[[UnitOfWork], T]],
    answer: Callable[[CollectingDispatcher, T], None],
) -> list[EventType]:
    """Answer a verified member from one lookup on their account; ask others to verify first."""
    acting = acting_for(dispatcher, tracker)
    if acting.account is None:
        return acting.events
    got = await call_billing(dispatcher, where, lookup(acting.account))
    if got.ok:
        answer(dispatcher, got.value)
        anything_else(dispatcher, tracker)
    return []


class ActionCheckBalance(Action):
    def name(self) -> str:
        return "action_check_balance"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        return await answer_verified(dispatcher, tracker, self.name(), balance_lookup, say_balance)


def say_balance(dispatcher: CollectingDispatcher, bal: balances.Balance) -> None:
    """What the member owes (and when), or the credit they have, then the last payment."""
    due_date = eastern_date(bal.next_due_at) if bal.next_due_at else None
    if bal.credit > 0:
        say(dispatcher, "balance_credit", credit_amount=bal.credit)
    elif bal.amount_due <= 0:
        say(dispatcher, "balance_zero")
    elif bal.past_due > 0:
        say(dispatcher, "balance_past_due", amount=bal.amount_due, past_due_amount=bal.past_due)
    else:
        say(dispatcher, "balance_due", amount=bal.amount_due, due_date=due_date)
    if bal.last_payment_amount is not None and bal.last_payment_at is not None:
        say(
            dispatcher,
            "last_payment",
            last_payment_amount=bal.last_payment_amount,
            last_payment_date=eastern_date(bal.last_payment_at),
        )


class ActionDueDate(Action):
    """The general rule for anyone; the account's own next bill once the caller is verified."""

    def name(self) -> str:
        return "action_due_date"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        now = utcnow()
        if verified_account(tracker):
            acting = acting_for(dispatcher, tracker)
            if acting.account is None:
                return acting.events
            got = await call_billing(dispatcher, self.name(), balance_lookup(acting.account, now))
            if not got.ok:
                return []
            bal = got.value
            if bal.next_due_at is not None and bal.next_amount > 0:
                say(
                    dispatcher,
                    "due_date_account",
                    amount=bal.next_amount,
                    due_date=eastern_date(bal.next_due_at),
                    coverage_date=bal.next_coverage_month,
                )
                if bal.past_due > 0:
                    say(dispatcher, "past_due_now", past_due_amount=bal.past_due)
                anything_else(dispatcher, tracker)
                return []
        due, month = next_general_due(now)
        say(dispatcher, "due_date_general", due_date=eastern_date(due), coverage_date=month)
        anything_else(dispatcher, tracker)
        return []


class ActionAutopayStatus(Action):
    def name(self) -> str:
        return "action_autopay_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list[EventType]:
        return await answer_verified(
            dispatcher, tracker, self.name(), autopay_lookup, say_autopay_status
        )


def say_autopay_status(dispatcher: CollectingDispatcher, status: autopay.AutopayStatus) -> None:
    if status.unpaid_month is not None and status.drafts_resume_on is not None:
        # A bill this AutoPay will not pay on time (set up after this month's draft, a paused
        # draft, a draft Reg E holds past the due date): say so, never "the next draft is today".
        say(
            dispatcher,
            "autopay_paused_one_draft"
            if status.status == "paused"
            else "autopay_active_skips_bill",
            draft_day=status.draft_day,
            bank_kind=status.bank_kind,
            last4=status.last4,
            unpaid_amount=status.unpaid_amount,
            due_date=status.unpaid_due_date,
            next_draft_date=status.drafts_resume_on,
        )
    elif status.status == "active" and status.next_draft_date is not None:
        say(
            dispatcher,
            "autopay_active",
            draft_day=status.draft_day,
            bank_kind=status.bank_kind,
            last4=status.last4,
            next_draft_date=status.next_draft_date,
            next_draft_amount=status.next_draft_amount,
        )
    elif status.status == "active":
        say(
            dispatcher,
            "autopay_active_nothing_due",
            draft_day=status.draft_day,
            bank_kind=status.bank_kind,
            last4=status.last4,
        )
    elif status.status == "paused":
        say(dispatcher, "autopay_paused", draft_day=status.draft_day, last4=status.last4)
    else:
        say(
            dispatcher,
            "autopay_not_enrolled",
            buttons=[{"title_msg": "button_enroll_autopay", "payload": "/enroll_autopay"}],
        )
