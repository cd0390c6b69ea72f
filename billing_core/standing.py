"""What a verified caller is told about their account's standing. A termination the delinquency job
recorded is what the caller hears (with its date and reinstatement window), even when the ledger
alone would now read "current" (bills of ended coverage are revised to $0); otherwise the state is
computed now, so a payment made a minute ago counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from billing_core.accounts import get_account
from billing_core.backoffice.models import AccountStanding
from billing_core.billing_calendar import eastern_date
from billing_core.delinquency import delinquency_state
from billing_core.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class CallerStanding:
    # current | past_due | grace | terminated (may reinstate) | terminated_final | not_started
    # | line_terminated (one coverage ended, the others continue)
    state: str
    past_due_amount: Decimal
    grace_ends: date | None = None
    coverage_ends: date | None = None
    reinstate_by: date | None = None
    coverage_line: str | None = None


def _ended(
    reason: str | None,
    coverage_ends: date | None,
    reinstate_by: date | None,
    amount: Decimal,
    today: date,
) -> CallerStanding:
    if reason == "binder_unpaid":
        return CallerStanding("not_started", amount)
    if reinstate_by is None or reinstate_by < today:
        return CallerStanding("terminated_final", amount, coverage_ends=coverage_ends)
    return CallerStanding("terminated", amount, None, coverage_ends, reinstate_by)


def caller_standing(uow: UnitOfWork, account_number: str, *, now: datetime) -> CallerStanding:
    account = get_account(uow, account_number)
    today = eastern_date(now)
    live = delinquency_state(uow, account_number, on=now)
    recorded = uow.session.get(AccountStanding, account.id)
    if recorded is not None and recorded.state == "terminated":
        # Only a reinstatement the ledger shows (paid in full after the termination, inside the
        # window) overrides it; a "current" that comes from bills revised to $0 does not.
        reinstated = live.state == "current" and any(
            c.reinstated_on is not None and c.reinstated_on >= (recorded.terminated_on or today)
            for c in live.coverages
        )
        if not reinstated:
            return _ended(
                recorded.reason,
                recorded.coverage_ends,
                recorded.reinstate_by,
                live.past_due_amount,
                today,
            )
    if live.state == "terminated":
        return _ended(
            live.reason, live.coverage_ends, live.reinstate_by, live.past_due_amount, today
        )
    if live.state != "current":
        return CallerStanding(live.state, live.past_due_amount, grace_ends=live.grace_ends)
    ended = [c for c in live.ended_coverages if c.reason != "binder_unpaid"]
    if ended:
        c = ended[0]
        return CallerStanding(
            "line_terminated",
            live.past_due_amount,
            coverage_ends=c.coverage_ends,
            reinstate_by=c.reinstate_by,
            coverage_line=c.line,
        )
    return CallerStanding("current", live.past_due_amount)
