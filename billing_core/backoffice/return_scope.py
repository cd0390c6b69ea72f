"""Which bills a returned payment was for, so a re-presentment collects only those: the coverage
months the payment's money reached when it posted (oldest first), never a bill issued later."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from billing_core.coverage_ledger import ZERO, load_coverage_ledger
from billing_core.ledger import month_lines
from billing_core.models import Payment


def paid_through(session: Session, payment: Payment) -> date | None:
    """The newest coverage month the payment's last dollar went to when it posted."""
    ledger = load_coverage_ledger(session, payment.account_id)
    at = payment.created_at
    credit = ledger.credit_at(at)
    billed: dict[date, Decimal] = {}
    for line in ledger.lines:
        billed[line.month] = billed.get(line.month, ZERO) + line.amount_at(at)
    running, month = ZERO, None
    for month in sorted(billed):
        running += billed[month]
        if running >= credit:
            return month
    return month


def owed_for_returned(session: Session, payment: Payment) -> Decimal:
    """What is still owed today on the bills the returned payment was for (and older ones)."""
    through = paid_through(session, payment)
    if through is None:
        return ZERO
    return sum(
        (
            line.outstanding
            for line in month_lines(session, payment.account_id)
            if line.coverage_month <= through
        ),
        ZERO,
    )
