"""Re-presentment: a debit returned R01/R09 (insufficient or uncollected funds) is presented again,
at most twice within 180 days of the original, for the same amount and under the same
authorization, and never when the member has since paid (billing_core.backoffice.returns
schedules the retries)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from billing_core.backoffice.business_days import is_business_day
from billing_core.backoffice.models import ReturnRetry
from billing_core.backoffice.return_scope import owed_for_returned
from billing_core.models import Account, Payment
from billing_core.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class RetryResult:
    presented: int
    cancelled: int
    amount: Decimal


def run_retries(
    uow_factory: Callable[[], UnitOfWork],
    *,
    now: datetime,
    run_date: date,
    progress: Callable[[int], None] = lambda _: None,
) -> RetryResult:
    """Present every retry due by `run_date` as a new payment (same amount, same authorization),
    unless the member has since paid: a retry never collects more than is owed."""
    presented = cancelled = 0
    total = Decimal("0.00")
    if not is_business_day(run_date):
        return RetryResult(0, 0, total)
    while True:
        with uow_factory() as uow:
            retry = uow.session.scalars(
                select(ReturnRetry)
                .where(ReturnRetry.status == "scheduled", ReturnRetry.due_on <= run_date)
                .order_by(ReturnRetry.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if retry is None:
                break
            original = uow.session.get_one(Payment, retry.original_payment_id)
            # The account row lock serializes us with take_payment and the draft job.
            uow.session.scalars(
                select(Account.id).where(Account.id == retry.account_id).with_for_update()
            ).one()
            owed = owed_for_returned(uow.session, original)
            if owed < retry.amount:
                # NACHA: a reinitiated entry repeats the amount, so a smaller remainder is not
                # re-presented; the member pays it another way (delinquency sees it as owed).
                retry.status = "cancelled"
                retry.note = "bill already paid" if owed <= 0 else "less owed than returned"
                cancelled += 1
            else:
                payment = Payment(
                    confirmation_number=_confirmation(uow),
                    idempotency_key=f"retry:{original.id}:{retry.attempt}",
                    account_id=retry.account_id,
                    amount=retry.amount,
                    fee=Decimal("0.00"),
                    method="eft",
                    channel=original.channel,
                    status="pending",
                    sec_code=original.sec_code,
                    payment_type=original.payment_type,
                    bank_method_id=original.bank_method_id,
                    authorization_id=original.authorization_id,
                    effective_date=run_date,
                    created_at=now,
                )
                uow.session.add(payment)
                uow.session.flush()
                retry.status, retry.payment_id = "done", payment.id
                presented += 1
                total += retry.amount
        progress(1)
    return RetryResult(presented, cancelled, total)


def _confirmation(uow: UnitOfWork) -> str:
    """12 digits starting with 8: never the same shape as a one-time (10) or draft (15) number."""
    while True:
        candidate = "8" + f"{secrets.randbelow(10**11):011d}"
        if not uow.session.scalar(
            select(Payment.id).where(Payment.confirmation_number == candidate)
        ):
            return candidate
