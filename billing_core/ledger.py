"""An account's ledger: current invoices (newest revision) against credited payments, oldest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Exists, func, select
from sqlalchemy.orm import Session, aliased

from billing_core.models import Invoice, Payment
from billing_core.money_models import Refund

ZERO = Decimal("0.00")
NOT_CREDITED = ("returned", "cancelled")  # payment statuses that no longer pay anything


@dataclass(frozen=True)
class MonthLine:
    coverage_month: date
    due_at: datetime
    billed: Decimal
    outstanding: Decimal
    invoice_numbers: tuple[str, ...]


def superseded() -> Exists:
    """True for an invoice row that a newer revision of the same coverage month replaces."""
    newer = aliased(Invoice)
    return (
        select(newer.id)
        .where(
            newer.coverage_id == Invoice.coverage_id,
            newer.coverage_month == Invoice.coverage_month,
            newer.revision > Invoice.revision,
        )
        .exists()
    )


def current_invoices(session: Session, account_id: int) -> list[Invoice]:
    """The newest revision of each coverage-month bill; earlier revisions are superseded."""
    return list(
        session.scalars(
            select(Invoice)
            .where(Invoice.account_id == account_id, ~superseded())
            .order_by(Invoice.due_at, Invoice.id)
        )
    )


def credited_total(session: Session, account_id: int) -> Decimal:
    """Payments count from the moment they post (pending) until they are returned or cancelled;
    money refunded from a credit no longer counts."""
    total = session.scalar(
        select(func.sum(Payment.amount)).where(
            Payment.account_id == account_id, Payment.status.not_in(NOT_CREDITED)
        )
    )
    refunded = session.scalar(
        select(func.sum(Refund.amount)).where(Refund.account_id == account_id)
    )
    return (total if total is not None else ZERO) - (refunded if refunded is not None else ZERO)


def month_lines(session: Session, account_id: int) -> list[MonthLine]:
    """Bills grouped by coverage month, with payments applied to the oldest first."""
    grouped: dict[date, list[Invoice]] = {}
    for inv in current_invoices(session, account_id):
        grouped.setdefault(inv.coverage_month, []).append(inv)
    credit = credited_total(session, account_id)
    lines = []
    for month in sorted(grouped):
        invoices = grouped[month]
        billed = sum((i.amount for i in invoices), ZERO)
        applied = min(credit, billed)
        credit -= applied
        lines.append(
            MonthLine(
                coverage_month=month,
                due_at=min(i.due_at for i in invoices),
                billed=billed,
                outstanding=billed - applied,
                invoice_numbers=tuple(i.invoice_number for i in invoices),
            )
        )
    return lines


def outstanding(session: Session, account_id: int) -> Decimal:
    return sum((line.outstanding for line in month_lines(session, account_id)), ZERO)
