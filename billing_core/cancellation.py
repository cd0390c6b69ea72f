"""Cancelling a pending one-time payment before it leaves us (the revocation the TEL script promises)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select

from billing_core import audit, errors
from billing_core.accounts import get_account
from billing_core.backoffice.models import NachaEntry, ProcessorDebit
from billing_core.models import BankMethod, Payment
from billing_core.payments import PaymentReceipt
from billing_core.unit_of_work import UnitOfWork

ONE_TIME_CHANNELS = ("voice", "web", "sms")  # payments a member authorized for one debit


def cancel_payment(
    uow: UnitOfWork,
    account_number: str,
    confirmation_number: str,
    *,
    channel: str,
    reference: str | None = None,
    now: datetime,
) -> PaymentReceipt:
    """Cancel a one-time payment that is still ours: pending, not in a NACHA file, not claimed by
    the processor job. The cut-off is that moment, not a clock time: the origination and processor
    jobs claim a payment under the same row lock taken here, so either the cancel or the cut wins,
    never both. Cancelling twice returns the first result."""
    account = get_account(uow, account_number)
    stmt = select(Payment).where(
        Payment.confirmation_number == confirmation_number.strip(),
        Payment.account_id == account.id,
    )
    payment = uow.session.scalars(stmt.with_for_update()).one_or_none()
    if payment is None:
        raise errors.PaymentNotFound()
    bank = uow.session.get(BankMethod, payment.bank_method_id) if payment.bank_method_id else None
    receipt = PaymentReceipt(
        confirmation_number=payment.confirmation_number,
        account_number=account.account_number,
        amount=payment.amount,
        fee=payment.fee,
        status="cancelled",
        method=payment.method,
        effective_date=payment.effective_date,
        last4=bank.last4 if bank else None,
    )
    if payment.status == "cancelled":
        return receipt
    if (
        payment.channel not in ONE_TIME_CHANNELS
        or payment.authorization_id is None
        or payment.idempotency_key.startswith("retry:")  # a re-presentment belongs to its return
    ):
        raise errors.PaymentNotCancellable()
    cut = uow.session.scalar(
        select(
            exists().where(NachaEntry.payment_id == payment.id)
            | exists().where(ProcessorDebit.payment_id == payment.id)
        )
    )
    if payment.status != "pending" or cut:
        raise errors.PaymentAlreadySent()
    payment.status = "cancelled"  # the payment row is kept; only its status moves forward
    audit.record(
        uow.session,
        "payment_cancelled",
        at=now,
        account_id=account.id,
        channel=channel,
        reference=reference,
        detail={"confirmation_number": payment.confirmation_number, "amount": str(payment.amount)},
    )
    uow.session.flush()
    return receipt
