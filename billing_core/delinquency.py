"""Delinquency at a given instant: current, past due, in grace, or terminated with the coverage end date.

Members with APTC or ConnectorCare who paid at least one full month that year get a 3-month grace
period; if it runs out, coverage ends on the last day of the first grace month. Everyone else has a
short grace period to the end of the month the payment was due, after which coverage ends with the
last fully paid month. An unpaid first (binder) bill means coverage never starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from billing_core.accounts import get_account
from billing_core.billing_calendar import add_months, eastern_date, last_day_of_month
from billing_core.ledger import ZERO, month_lines
from billing_core.models import Coverage
from billing_core.unit_of_work import UnitOfWork

SUBSIDIZED_GRACE_MONTHS = 3


@dataclass(frozen=True)
class Delinquency:
    state: str  # current | past_due | grace | terminated
    past_due_amount: Decimal
    missed_month: date | None = None  # the first coverage month not paid by its due date
    grace_ends: date | None = None
    coverage_ends: date | None = None
    reason: str | None = None  # subsidized_grace | short_grace | binder_unpaid


def delinquency_state(uow: UnitOfWork, account_number: str, *, on: datetime) -> Delinquency:
    account = get_account(uow, account_number)
    lines = month_lines(uow.session, account.id)
    late = [line for line in lines if line.outstanding > 0 and line.due_at < on]
    past_due_amount = sum((line.outstanding for line in late), ZERO)
    if not late:
        return Delinquency("current", ZERO)
    missed = late[0].coverage_month
    today = eastern_date(on)
    earlier = [line for line in lines if line.coverage_month < missed]
    if not earlier:
        state = "past_due" if today < missed else "terminated"
        return Delinquency(state, past_due_amount, missed, None, None, "binder_unpaid")

    subsidized = (
        uow.session.scalar(
            select(Coverage.id).where(Coverage.account_id == account.id, Coverage.subsidized)
        )
        is not None
    )
    paid_a_month_this_year = any(
        line.outstanding == 0 and line.coverage_month.year == missed.year for line in earlier
    )
    if subsidized and paid_a_month_this_year:
        grace_ends = last_day_of_month(add_months(missed, SUBSIDIZED_GRACE_MONTHS - 1))
        if today < missed:
            state = "past_due"
        elif today <= grace_ends:
            state = "grace"
        else:
            state = "terminated"
        ends = last_day_of_month(missed) if state == "terminated" else None
        return Delinquency(state, past_due_amount, missed, grace_ends, ends, "subsidized_grace")

    grace_ends = missed - timedelta(days=1)  # end of the month the payment was due
    if today <= grace_ends:
        return Delinquency("grace", past_due_amount, missed, grace_ends, None, "short_grace")
    return Delinquency("terminated", past_due_amount, missed, grace_ends, grace_ends, "short_grace")
