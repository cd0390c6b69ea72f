"""What became of a member's payments, read from the ledger: the latest payment and AutoPay draft,
each with its state said plainly (a returned one with its reason and what to do next), the next
AutoPay draft, a credit, and a refund on its way.

States as the member hears them (a `Payment.status` plus whether the debit has left us):
- `scheduled`: pending, credited to the account, not yet sent to the bank (it can still be
  cancelled when it is a one-time payment, billing_core.cancellation);
- `processing`: pending, sent to the bank (a NACHA file or the processor), final in about 2
  banking days (billing_core.backoffice.settlement);
- `posted`: settled, or a payment made elsewhere (check, walk-in, bill pay) that we hold;
- `returned`: the bank sent it back (reason from the return code), the amount is owed again;
- `cancelled`: cancelled by the member before it was sent; nothing was taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from billing_core.accounts import get_account
from billing_core.autopay import AutopayStatus, autopay_status
from billing_core.backoffice.business_days import next_business_day
from billing_core.backoffice.models import (
    NachaEntry,
    PaymentReversal,
    ProcessorDebit,
    ReturnRetry,
)
from billing_core.backoffice.settlement import settles_on
from billing_core.balances import Balance, get_balance
from billing_core.billing_calendar import eastern_date
from billing_core.cancellation import ONE_TIME_CHANNELS
from billing_core.models import AutopayEnrollment, BankMethod, Payment
from billing_core.money_models import Refund
from billing_core.unit_of_work import UnitOfWork

# ACH return codes (and the processor's decline) -> what the member is told (message
# `return_reason.<key>`). Said plainly: what happened at their bank, never the code.
RETURN_REASONS = {
    "R01": "insufficient_funds",
    "R09": "insufficient_funds",
    "R02": "account_closed",
    "R03": "account_not_found",
    "R04": "account_not_found",
    "R05": "unauthorized",
    "R10": "unauthorized",
    "R11": "unauthorized",
    "R29": "unauthorized",
    "R07": "authorization_revoked",
    "R08": "payment_stopped",
    "R16": "account_frozen",
    "R20": "account_type",
    "DCL": "card_declined",
}
OTHER_REASON = "bank_returned"
# A draft older than this is not "the latest AutoPay draft" a member asks about.
RECENT_DRAFT_DAYS = 45
# A refund sent this recently is still news.
RECENT_REFUND_DAYS = 10


@dataclass(frozen=True)
class PaymentFact:
    confirmation_number: str
    amount: Decimal
    channel: str  # voice | web | sms | autopay | mail | walk_in | portal | bill_pay | lockbox
    method: str  # eft | card | check | moneyorder
    made_on: date  # Eastern date it was credited
    state: str  # scheduled | processing | posted | returned | cancelled
    final_on: date | None = None  # a pending debit: when it should be final
    returned_on: date | None = None
    return_reason: str | None = None  # RETURN_REASONS value
    # After a return: retry (we debit it again on `retry_on`) | new_bank (AutoPay is stopped
    # until the member gives another account) | pay_again | paid_since (nothing left to do)
    next_step: str | None = None
    retry_on: date | None = None
    cancellable: bool = False

    @property
    def autopay(self) -> bool:
        return self.channel == "autopay"


@dataclass(frozen=True)
class RefundFact:
    amount: Decimal
    method: str  # eft | check
    state: str  # on_its_way (being prepared) | sent
    sent_on: date | None
    last4: str | None


@dataclass(frozen=True)
class PaymentStatus:
    latest: PaymentFact | None
    latest_draft: PaymentFact | None  # the newest AutoPay draft, when it is not `latest`
    autopay: AutopayStatus
    balance: Balance
    refund: RefundFact | None


def _sent(session: Session, payment: Payment) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(NachaEntry.payment_id == payment.id)
                | exists().where(ProcessorDebit.payment_id == payment.id)
            )
        )
    )


def _is_one_time(payment: Payment) -> bool:
    """The payments billing_core.cancellation may cancel (before they are sent)."""
    return (
        payment.channel in ONE_TIME_CHANNELS
        and payment.authorization_id is not None
        and not payment.idempotency_key.startswith("retry:")
    )


def _retry_after(session: Session, payment: Payment) -> date | None:
    """The date a returned debit is presented again, if the back office scheduled it (R01/R09)."""
    original = session.scalar(
        select(ReturnRetry.original_payment_id).where(ReturnRetry.payment_id == payment.id)
    )
    return session.scalar(
        select(ReturnRetry.due_on).where(
            ReturnRetry.original_payment_id == (original or payment.id),
            ReturnRetry.status == "scheduled",
        )
    )


def _after_return(session: Session, payment: Payment, owed: Decimal) -> tuple[str, date | None]:
    retry_on = _retry_after(session, payment)
    if retry_on is not None:
        return "retry", retry_on
    if payment.channel == "autopay":
        enrollment_status = session.scalar(
            select(AutopayEnrollment.status).where(
                AutopayEnrollment.account_id == payment.account_id
            )
        )
        if enrollment_status == "suspended":
            return "new_bank", None
    return ("pay_again" if owed > 0 else "paid_since"), None


def payment_fact(session: Session, payment: Payment, today: date, owed: Decimal) -> PaymentFact:
    base = {
        "confirmation_number": payment.confirmation_number,
        "amount": payment.amount,
        "channel": payment.channel,
        "method": payment.method,
        "made_on": eastern_date(payment.created_at),
    }
    if payment.status == "returned":
        reversal = session.scalars(
            select(PaymentReversal).where(PaymentReversal.payment_id == payment.id)
        ).first()
        code = reversal.return_code if reversal else ""
        step, retry_on = _after_return(session, payment, owed)
        return PaymentFact(
            **base,
            state="returned",
            returned_on=reversal.returned_on if reversal else None,
            return_reason=RETURN_REASONS.get(code, OTHER_REASON),
            next_step=step,
            retry_on=retry_on,
        )
    if payment.status == "cancelled":
        return PaymentFact(**base, state="cancelled")
    if payment.status != "pending":
        return PaymentFact(**base, state="posted")
    final_on = settles_on(payment.effective_date)
    if final_on <= today:  # the settlement job has not caught up yet
        final_on = next_business_day(today, inclusive=False)
    if _sent(session, payment):
        return PaymentFact(**base, state="processing", final_on=final_on)
    return PaymentFact(
        **base, state="scheduled", final_on=final_on, cancellable=_is_one_time(payment)
    )


def _refund(session: Session, account_id: int, today: date) -> RefundFact | None:
    refund = session.scalars(
        select(Refund)
        .where(Refund.account_id == account_id)
        .order_by(Refund.created_at.desc(), Refund.id.desc())
        .limit(1)
    ).first()
    if refund is None:
        return None
    bank = session.get(BankMethod, refund.bank_method_id) if refund.bank_method_id else None
    last4 = bank.last4 if bank else None
    if refund.status in ("pending", "check_due"):
        return RefundFact(refund.amount, refund.method, "on_its_way", None, last4)
    if refund.effective_date >= today - timedelta(days=RECENT_REFUND_DAYS):
        return RefundFact(refund.amount, refund.method, "sent", refund.effective_date, last4)
    return None


def payment_status(uow: UnitOfWork, account_number: str, *, now: datetime) -> PaymentStatus:
    """Everything a verified member hears when they ask what became of their payment."""
    session = uow.session
    account = get_account(uow, account_number)
    today = eastern_date(now)
    balance = get_balance(uow, account_number, now=now)
    newest = select(Payment).where(Payment.account_id == account.id)
    order = (Payment.created_at.desc(), Payment.id.desc())
    latest = session.scalars(newest.order_by(*order).limit(1)).first()
    draft = session.scalars(
        newest.where(Payment.channel == "autopay").order_by(*order).limit(1)
    ).first()
    if draft is not None and (
        draft is latest
        or eastern_date(draft.created_at) < today - timedelta(days=RECENT_DRAFT_DAYS)
    ):
        draft = None
    return PaymentStatus(
        latest=payment_fact(session, latest, today, balance.amount_due) if latest else None,
        latest_draft=payment_fact(session, draft, today, balance.amount_due) if draft else None,
        autopay=autopay_status(uow, account_number, now=now),
        balance=balance,
        refund=_refund(session, account.id, today),
    )
