"""Credit balances: money paid beyond everything billed, applied to the next bill or refunded."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing_core.ledger import ZERO, credited_total, current_invoices
from billing_core.models import Payment
from billing_core.money_models import Refund


def billed_total(session: Session, account_id: int) -> Decimal:
    return sum((i.amount for i in current_invoices(session, account_id)), ZERO)


def credit_balance(session: Session, account_id: int) -> Decimal:
    """What was paid beyond every current bill (after refunds). The ledger pays the oldest bills
    first, so this credit pays the next bill as soon as it is issued: nothing else applies it."""
    return max(ZERO, credited_total(session, account_id) - billed_total(session, account_id))


def refundable_credit(session: Session, account_id: int) -> Decimal:
    """The part of the credit backed by settled payments only: a pending debit can still be
    returned, and refunding it first would pay out money we never got."""
    settled = session.scalar(
        select(func.sum(Payment.amount)).where(
            Payment.account_id == account_id, Payment.status == "settled"
        )
    )
    refunded = session.scalar(
        select(func.sum(Refund.amount)).where(Refund.account_id == account_id)
    )
    backed = (settled or ZERO) - (refunded or ZERO) - billed_total(session, account_id)
    return max(ZERO, min(backed, credit_balance(session, account_id)))
