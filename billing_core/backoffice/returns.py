"""ACH returns: reversing entries, restored balances, member notices, AutoPay suspension, and the
scheduling of re-presentment for R01/R09 debits (billing_core.backoffice.representment presents
them). The items come from billing_core.backoffice.return_items; notifications of change are
applied by billing_core.backoffice.bank_corrections."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update

from billing_core import audit
from billing_core.backoffice.bank_corrections import apply_noc
from billing_core.backoffice.business_days import add_business_days
from billing_core.backoffice.models import NachaEntry, PaymentReversal, ReturnRetry
from billing_core.backoffice.notifications import Notifier, OutboxNotifier
from billing_core.backoffice.return_items import ReturnItem
from billing_core.models import Account, AutopayEnrollment, BankMethod, Payment
from billing_core.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

RETRYABLE = {"R01", "R09"}  # insufficient / uncollected funds
MAX_RETRIES = 2
RETRY_WINDOW_DAYS = 180
RETRY_AFTER_BUSINESS_DAYS = 3
# The bank account cannot (or may not) be debited again: stop AutoPay until the member acts.
SUSPENDING = {"R02", "R03", "R04", "R05", "R07", "R10", "R11", "R16", "R20", "R29"}
REASONS = {
    "R01": "insufficient_funds",
    "R02": "account_closed",
    "R03": "no_account",
    "R04": "invalid_account_number",
    "R05": "unauthorized_consumer_debit",
    "R07": "authorization_revoked",
    "R08": "payment_stopped",
    "R09": "uncollected_funds",
    "R10": "unauthorized",
    "R11": "not_as_authorized",
    "R16": "account_frozen",
    "R20": "non_transaction_account",
    "R29": "corporate_unauthorized",
}


@dataclass
class ReturnsResult:
    returned: int = 0
    duplicates: int = 0
    corrections: int = 0
    retries_scheduled: int = 0
    suspended: int = 0
    unmatched: list[str] = field(default_factory=list)  # trace/confirmation numbers only


def _find_payment(uow: UnitOfWork, item: ReturnItem) -> Payment | None:
    session = uow.session
    if item.trace_number:
        pid = session.scalar(
            select(NachaEntry.payment_id)
            .where(NachaEntry.trace_number == item.trace_number)
            .order_by(NachaEntry.id.desc())
            .limit(1)
        )
    elif item.confirmation_number:
        pid = session.scalar(
            select(Payment.id).where(Payment.confirmation_number == item.confirmation_number)
        )
    else:
        pid = None
    if pid is None:
        return None
    return session.scalars(select(Payment).where(Payment.id == pid).with_for_update()).one()


def apply_returns(
    uow_factory: Callable[[], UnitOfWork],
    items: Iterable[ReturnItem],
    *,
    now: datetime,
    source: str,
    notifier: Callable[[UnitOfWork], Notifier] | None = None,
    progress: Callable[[int], None] = lambda _: None,
) -> ReturnsResult:
    """Apply each item in its own transaction (one bad line does not hold up the rest); applying
    the same file twice changes nothing the second time."""
    make_notifier = notifier or (lambda uow: OutboxNotifier(uow.session, now))
    result = ReturnsResult()
    for item in items:
        with uow_factory() as uow:
            payment = _find_payment(uow, item)
            if payment is None:
                result.unmatched.append(item.trace_number or item.confirmation_number or "?")
                log.warning("return %s matches no payment", item.code)
            elif item.code.startswith("C"):
                result.corrections += apply_noc(uow, payment, item, now)
            else:
                apply_return(uow, payment, item, now, source, make_notifier(uow), result)
        progress(1)
    return result


def apply_return(
    uow: UnitOfWork,
    payment: Payment,
    item: ReturnItem,
    now: datetime,
    source: str,
    notifier: Notifier,
    result: ReturnsResult,
) -> None:
    session = uow.session
    if session.scalar(select(PaymentReversal.id).where(PaymentReversal.payment_id == payment.id)):
        result.duplicates += 1
        return
    account = session.get_one(Account, payment.account_id)
    bank = session.get(BankMethod, payment.bank_method_id) if payment.bank_method_id else None
    session.add(
        PaymentReversal(
            payment_id=payment.id,
            account_id=payment.account_id,
            amount=payment.amount,
            return_code=item.code,
            returned_on=item.returned_on,
            source=source[:80],
            created_at=now,
        )
    )
    payment.status = "returned"  # the one field that moves; amount and identity never change
    audit.record(
        session,
        "payment_returned",
        at=now,
        account_id=account.id,
        channel="ach",
        reference=payment.confirmation_number,
        detail={"code": item.code, "amount": str(payment.amount)},
    )
    result.returned += 1
    base = {
        "amount": str(payment.amount),
        "confirmation_number": payment.confirmation_number,
        "reason": REASONS.get(item.code, "returned"),
        "code": item.code,
        "last4": bank.last4 if bank else None,
    }
    notifier.notify(
        account,
        "card_declined" if payment.method == "card" else "payment_returned",
        base,
        dedupe_key=f"returned:{payment.id}",
        on=item.returned_on,
    )
    if item.code in SUSPENDING:
        result.suspended += _suspend(uow, account, bank, item, now, notifier)
    elif item.code in RETRYABLE:
        result.retries_scheduled += _schedule_retry(uow, account, payment, item, notifier)


def _suspend(
    uow: UnitOfWork,
    account: Account,
    bank: BankMethod | None,
    item: ReturnItem,
    now: datetime,
    notifier: Notifier,
) -> int:
    session = uow.session
    if bank is not None:  # no re-presentment to an account that cannot be debited
        session.execute(
            update(ReturnRetry)
            .where(
                ReturnRetry.account_id == account.id,
                ReturnRetry.status == "scheduled",
            )
            .values(status="cancelled", note=f"bank account returned {item.code}")
        )
    enrollment = session.scalars(
        select(AutopayEnrollment)
        .where(AutopayEnrollment.account_id == account.id)
        .with_for_update()
    ).one_or_none()
    if enrollment is None or enrollment.status not in ("active", "paused"):
        return 0
    if bank is not None and enrollment.bank_method_id != bank.id:
        return 0  # a one-time payment from another account says nothing about AutoPay's
    enrollment.status = "suspended"
    enrollment.updated_at = now
    audit.record(
        session,
        "autopay_suspended",
        at=now,
        account_id=account.id,
        channel="ach",
        detail={"code": item.code},
    )
    notifier.notify(
        account,
        "autopay_suspended",
        {"reason": REASONS.get(item.code, "returned"), "last4": bank.last4 if bank else None},
        dedupe_key=f"autopay_suspended:{account.id}:{item.returned_on.isoformat()}",
        on=item.returned_on,
    )
    return 1


def _schedule_retry(
    uow: UnitOfWork, account: Account, payment: Payment, item: ReturnItem, notifier: Notifier
) -> int:
    session = uow.session
    earlier = session.scalars(
        select(ReturnRetry).where(ReturnRetry.payment_id == payment.id)
    ).first()
    original_id = earlier.original_payment_id if earlier else payment.id
    attempt = earlier.attempt + 1 if earlier else 1
    original = session.get_one(Payment, original_id)
    due_on = add_business_days(item.returned_on, RETRY_AFTER_BUSINESS_DAYS)
    if attempt > MAX_RETRIES or due_on > original.effective_date + timedelta(
        days=RETRY_WINDOW_DAYS
    ):
        return 0
    session.add(
        ReturnRetry(
            original_payment_id=original_id,
            account_id=account.id,
            attempt=attempt,
            amount=payment.amount,
            due_on=due_on,
            status="scheduled",
        )
    )
    session.flush()
    notifier.notify(
        account,
        "retry_scheduled",
        {"amount": str(payment.amount), "date": due_on.isoformat(), "attempt": attempt},
        dedupe_key=f"retry:{original_id}:{attempt}",
        on=item.returned_on,
    )
    return 1
