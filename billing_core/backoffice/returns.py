"""ACH returns and notifications of change: reversing entries, restored balances, member notices,
AutoPay suspension, and re-presentment of R01/R09 debits (at most twice within 180 days)."""

from __future__ import annotations

import csv
import io
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update

from billing_core.accounts import normalize_digits
from billing_core.backoffice.business_days import add_business_days, is_business_day
from billing_core.backoffice.models import (
    BankCorrection,
    NachaEntry,
    PaymentReversal,
    ReturnRetry,
)
from billing_core.backoffice.nacha import KIND_BY_CODE, RETURN_CODES, parse_file
from billing_core.backoffice.notifications import Notifier, OutboxNotifier
from billing_core.backoffice.return_scope import owed_for_returned
from billing_core.models import Account, AuditEvent, AutopayEnrollment, BankMethod, Payment
from billing_core.payments import validate_bank_account_number, validate_routing_number
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


@dataclass(frozen=True)
class ReturnItem:
    code: str  # R.. return or C.. notification of change
    returned_on: date
    trace_number: str | None = None
    confirmation_number: str | None = None
    corrected_data: str = field(default="", repr=False)


@dataclass
class ReturnsResult:
    returned: int = 0
    duplicates: int = 0
    corrections: int = 0
    retries_scheduled: int = 0
    suspended: int = 0
    unmatched: list[str] = field(default_factory=list)  # trace/confirmation numbers only


def read_return_file(text: str, *, received_on: date) -> list[ReturnItem]:
    """Items of a NACHA return/NOC file (addenda 99 and 98)."""
    items = []
    for entry in parse_file(text).entries:
        for addenda in entry.addenda:
            if addenda.type_code not in ("98", "99"):
                continue
            items.append(
                ReturnItem(
                    code=addenda.reason_code,
                    returned_on=received_on,
                    trace_number=addenda.original_trace,
                    corrected_data=addenda.information if addenda.type_code == "98" else "",
                )
            )
    return items


def read_return_csv(text: str, *, received_on: date) -> list[ReturnItem]:
    """A bank portal's CSV: trace_number or confirmation_number, return_code, and optional
    return_date (ISO) and corrected_data columns."""
    items = []
    for row in csv.DictReader(io.StringIO(text)):
        code = (row.get("return_code") or row.get("code") or "").strip().upper()
        when = (row.get("return_date") or "").strip()
        items.append(
            ReturnItem(
                code=code,
                returned_on=date.fromisoformat(when) if when else received_on,
                trace_number=(row.get("trace_number") or "").strip() or None,
                confirmation_number=(row.get("confirmation_number") or "").strip() or None,
                corrected_data=(row.get("corrected_data") or "").strip(),
            )
        )
    return items


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
                result.corrections += _apply_noc(uow, payment, item, now)
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
    session.add(
        AuditEvent(
            at=now,
            account_id=account.id,
            channel="ach",
            reference=payment.confirmation_number,
            action="payment_returned",
            detail={"code": item.code, "amount": str(payment.amount)},
        )
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
    session.add(
        AuditEvent(
            at=now,
            account_id=account.id,
            channel="ach",
            reference=None,
            action="autopay_suspended",
            detail={"code": item.code},
        )
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


# --- notifications of change ------------------------------------------------------------------


def _corrections(code: str, data: str) -> dict[str, str]:
    """The fields a NOC's corrected-data area carries (NACHA layouts for C01-C07)."""
    d = data.ljust(29)
    if code == "C01":
        return {"account": d[:17].strip()}
    if code == "C02":
        return {"routing": d[:9].strip()}
    if code == "C03":
        return {"routing": d[:9].strip(), "account": d[12:29].strip()}
    if code == "C05":
        return {"transaction_code": d[:2].strip()}
    if code == "C06":
        return {"account": d[:17].strip(), "transaction_code": d[20:22].strip()}
    if code == "C07":
        return {
            "routing": d[:9].strip(),
            "account": d[9:26].strip(),
            "transaction_code": d[26:28].strip(),
        }
    return {}


def _apply_noc(uow: UnitOfWork, payment: Payment, item: ReturnItem, now: datetime) -> int:
    session = uow.session
    if payment.bank_method_id is None:
        return 0
    if session.scalar(
        select(BankCorrection.id).where(
            BankCorrection.payment_id == payment.id, BankCorrection.change_code == item.code
        )
    ):
        return 0
    bank = session.scalars(
        select(BankMethod).where(BankMethod.id == payment.bank_method_id).with_for_update()
    ).one()
    if bank.tokenized:
        # The processor holds these numbers and applies the correction to its own record.
        log.info("NOC %s for a tokenized bank account: nothing to correct here", item.code)
        return 0
    fields = _corrections(item.code, item.corrected_data)
    detail: dict[str, object] = {"old_last4": bank.last4}
    if "routing" in fields:
        bank.routing_number = validate_routing_number(fields["routing"])
        detail["routing_changed"] = True
    if "account" in fields:
        number = validate_bank_account_number(normalize_digits(fields["account"]))
        bank.account_number_encrypted = uow.cipher.encrypt(number)
        bank.last4 = number[-4:]
        del number
    if "transaction_code" in fields:
        code = fields["transaction_code"]
        bank.kind = KIND_BY_CODE.get(code) or RETURN_CODES.get(code) or bank.kind
        detail["kind"] = bank.kind
    detail["new_last4"] = bank.last4
    session.add(
        BankCorrection(
            bank_method_id=bank.id,
            payment_id=payment.id,
            change_code=item.code,
            detail=detail,
            created_at=now,
        )
    )
    return 1


# --- re-presentment ---------------------------------------------------------------------------


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
