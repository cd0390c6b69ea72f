"""What a member owes: amount due now, past-due amount, the next bill and its due date, last payment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from billing_core.accounts import get_account
from billing_core.credits import credit_balance
from billing_core.ledger import NOT_CREDITED, ZERO, month_lines
from billing_core.models import Payment
from billing_core.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Balance:
    account_number: str
    amount_due: Decimal
    past_due: Decimal
    next_coverage_month: date | None
    next_due_at: datetime | None
    next_amount: Decimal
    last_payment_amount: Decimal | None
    last_payment_at: datetime | None
    credit: Decimal = ZERO  # paid beyond every bill: said as a credit, applied to the next bill


def get_balance(uow: UnitOfWork, account_number: str, *, now: datetime) -> Balance:
    account = get_account(uow, account_number)
    lines = month_lines(uow.session, account.id)
    upcoming = [line for line in lines if line.due_at >= now]
    owing = [line for line in upcoming if line.outstanding > 0]
    nxt = (owing or upcoming or [None])[0]
    last = uow.session.scalars(
        select(Payment)
        .where(Payment.account_id == account.id, Payment.status.not_in(NOT_CREDITED))
        .order_by(Payment.created_at.desc(), Payment.id.desc())
        .limit(1)
    ).first()
    return Balance(
        account_number=account.account_number,
        amount_due=sum((line.outstanding for line in lines), ZERO),
        past_due=sum((line.outstanding for line in lines if line.due_at < now), ZERO),
        next_coverage_month=nxt.coverage_month if nxt else None,
        next_due_at=nxt.due_at if nxt else None,
        next_amount=nxt.outstanding if nxt else ZERO,
        last_payment_amount=last.amount if last else None,
        last_payment_at=last.created_at if last else None,
        credit=credit_balance(uow.session, account.id),
    )
