"""Set-based SQL pieces shared by the jobs: what is still owed on a coverage month, per account."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, ColumnElement, Select, case, func, select, type_coerce
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from billing_core.ledger import NOT_CREDITED, superseded
from billing_core.models import Invoice, Payment
from billing_core.money_models import Refund
from billing_core.types import CENT


def cents(col: ColumnElement) -> ColumnElement[int]:
    """Money columns hold integer cents; compute on them as integers inside SQL."""
    return type_coerce(col, BigInteger)


def insert_for(session: Session):  # type: ignore[no-untyped-def]
    """The dialect's INSERT construct (both know ON CONFLICT DO NOTHING)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def month_due(coverage_month: date, account_filter: ColumnElement[bool] | None = None) -> Select:
    """(account_id, due_cents): what is still owed on `coverage_month`, the same FIFO rule as
    billing_core.ledger.month_lines: credits pay the oldest months first, so a month's outstanding
    is clamp(billed through the month - credited, 0, billed for the month)."""
    amount = cents(Invoice.amount)
    billed_where = [Invoice.coverage_month <= coverage_month, ~superseded()]
    if account_filter is not None:
        billed_where.append(account_filter)
    billed = (
        select(
            Invoice.account_id.label("account_id"),
            func.sum(amount).label("through"),
            func.sum(case((Invoice.coverage_month == coverage_month, amount), else_=0)).label(
                "month"
            ),
        )
        .where(*billed_where)
        .group_by(Invoice.account_id)
        .subquery("billed")
    )
    credit = (
        select(func.sum(cents(Payment.amount)))
        .where(Payment.status.not_in(NOT_CREDITED), Payment.account_id == billed.c.account_id)
        .scalar_subquery()
    )
    refunded = (
        select(func.sum(cents(Refund.amount)))
        .where(Refund.account_id == billed.c.account_id)
        .scalar_subquery()
    )
    left = billed.c.through - func.coalesce(credit, 0) + func.coalesce(refunded, 0)
    due = case((left <= 0, 0), (left >= billed.c.month, billed.c.month), else_=left)
    return select(billed.c.account_id, due.label("due_cents")).where(billed.c.month > 0)


def from_cents(value: int) -> Decimal:
    return (Decimal(int(value)) / 100).quantize(CENT)
