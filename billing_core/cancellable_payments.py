"""Which of a member's one-time payments can still be cancelled, and which were sent too late to.

The offer side of billing_core.cancellation: the same rules (a pending payment authorized for one
debit, not a re-presentment, not yet in a NACHA file nor claimed by the processor), read without
locks to tell the member what they may cancel. `cancel_payment` checks again under the row lock,
so a file cut between the offer and the member's yes still wins (`PaymentAlreadySent`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import exists, select

from billing_core.accounts import get_account
from billing_core.backoffice.models import NachaEntry, ProcessorDebit
from billing_core.billing_calendar import eastern_date
from billing_core.cancellation import ONE_TIME_CHANNELS
from billing_core.models import BankMethod, Payment
from billing_core.unit_of_work import UnitOfWork

# A payment sent longer ago than this is not what a member means by "cancel my payment".
RECENT_SENT_DAYS = 14


@dataclass(frozen=True)
class CancellablePayment:
    confirmation_number: str
    amount: Decimal
    made_on: date  # Eastern date it was made
    method: str  # eft | card
    last4: str | None


@dataclass(frozen=True)
class CancelOptions:
    cancellable: tuple[CancellablePayment, ...]  # newest first
    already_sent: CancellablePayment | None  # the newest one-time payment past the cut-off


def _sent():  # type: ignore[no-untyped-def]
    return exists().where(NachaEntry.payment_id == Payment.id) | exists().where(
        ProcessorDebit.payment_id == Payment.id
    )


def cancel_options(uow: UnitOfWork, account_number: str, *, now: datetime) -> CancelOptions:
    account = get_account(uow, account_number)
    rows = uow.session.execute(
        select(Payment, BankMethod.last4, _sent().label("sent"))
        .outerjoin(BankMethod, BankMethod.id == Payment.bank_method_id)
        .where(
            Payment.account_id == account.id,
            Payment.status == "pending",
            Payment.channel.in_(ONE_TIME_CHANNELS),
            Payment.authorization_id.is_not(None),
            ~Payment.idempotency_key.startswith("retry:"),
        )
        .order_by(Payment.created_at.desc(), Payment.id.desc())
    ).all()
    cancellable: list[CancellablePayment] = []
    already_sent: CancellablePayment | None = None
    oldest_news = eastern_date(now) - timedelta(days=RECENT_SENT_DAYS)
    for payment, last4, sent in rows:
        offer = CancellablePayment(
            confirmation_number=payment.confirmation_number,
            amount=payment.amount,
            made_on=eastern_date(payment.created_at),
            method=payment.method,
            last4=last4,
        )
        if not sent:
            cancellable.append(offer)
        elif already_sent is None and offer.made_on >= oldest_news:
            already_sent = offer
    return CancelOptions(tuple(cancellable), already_sent)
