"""What is still owed on a coverage month, per account, as one set-based query (the draft job and
the Reg E planner share it through billing_core.backoffice.draft_facts)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Select, case, func, select

from billing_core.ledger import NOT_CREDITED, superseded
from billing_core.models import Invoice, Payment
from billing_core.money_models import Refund
from billing_core.sql import cents


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
