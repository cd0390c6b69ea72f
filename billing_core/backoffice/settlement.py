"""Settlement: an originated debit that no return reversed within the usual return window settles.

Originated means in one of our NACHA files, or accepted by the processor that holds a tokenized
bank account (billing_core.backoffice.processor).

Most ACH returns arrive within 2 banking days (domain.md). After that an originated EFT payment
moves from `pending` to `settled`; an unauthorized-debit return (up to 60 days) can still reverse a
settled payment, which the returns import handles the same way (a reversing entry, never an edit).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import or_, select, update

from billing_core.backoffice.business_days import add_business_days
from billing_core.backoffice.models import NachaEntry, PaymentReversal, ProcessorDebit
from billing_core.billing_calendar import eastern_date
from billing_core.models import Payment
from billing_core.unit_of_work import UowFactory

RETURN_WINDOW_BUSINESS_DAYS = 2


def settles_on(effective_date: date) -> date:
    return add_business_days(effective_date, RETURN_WINDOW_BUSINESS_DAYS)


def run_settlement(uow_factory: UowFactory, *, now: datetime, run_date: date | None = None) -> int:
    """Settle every originated, unreturned EFT or card payment whose return window has passed; one
    set-based UPDATE, so running it twice (or in parallel) settles each payment once."""
    run_date = run_date or eastern_date(now)
    with uow_factory() as uow:
        candidates = uow.session.execute(
            select(Payment.id, Payment.effective_date).where(
                Payment.status == "pending",
                Payment.method.in_(("eft", "card")),
                Payment.effective_date < run_date,
                or_(
                    select(NachaEntry.id).where(NachaEntry.payment_id == Payment.id).exists(),
                    select(ProcessorDebit.id)
                    .where(
                        ProcessorDebit.payment_id == Payment.id,
                        ProcessorDebit.status == "accepted",
                    )
                    .exists(),
                ),
                ~select(PaymentReversal.id)
                .where(PaymentReversal.payment_id == Payment.id)
                .exists(),
            )
        ).all()
        due = [pid for pid, effective in candidates if settles_on(effective) <= run_date]
        for start in range(0, len(due), 5000):
            uow.session.execute(
                update(Payment)
                .where(Payment.id.in_(due[start : start + 5000]), Payment.status == "pending")
                .values(status="settled")
                .execution_options(synchronize_session=False)
            )
    return len(due)
