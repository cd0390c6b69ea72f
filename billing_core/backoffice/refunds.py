"""The refund job: a credit left on an account whose coverage has ended goes back, once.

An account qualifies when every one of its coverages ended before the current month and no
reinstatement window is open (a member who may still reinstate keeps the credit for it). What is
refunded is the credit backed by settled payments (billing_core.credits.refundable_credit). It goes
as an ACH credit entry (22 checking / 32 savings) to the keyed bank account of the member's latest
settled EFT payment, in the next NACHA file (billing_core.backoffice.nacha); with no such account
(paid by check, or a processor-held account) the refund is recorded `check_due` for finance to
mail. A refund row lowers the ledger's paid total at once, so the next run finds no credit: with the
account locked and a unique key per account and sequence, two runners never refund twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, exists, func, or_, select, update

from billing_core import audit
from billing_core.backoffice.models import AccountStanding
from billing_core.billing_calendar import eastern_date, first_of_month
from billing_core.credits import refundable_credit
from billing_core.ledger import ZERO
from billing_core.models import Account, BankMethod, Coverage, Payment
from billing_core.money_models import Refund
from billing_core.sql import insert_for, is_postgresql, to_cents
from billing_core.unit_of_work import UnitOfWork

REFUND_DESCRIPTION = "HC REFUND"
CHUNK = 200


@dataclass(frozen=True)
class RefundResult:
    refunds: int
    amount: Decimal
    by_check: int


def _ended(today: date):  # type: ignore[no-untyped-def]
    """Accounts whose coverage is over: some coverage, none running this month or later, and no
    reinstatement window still open."""
    month = first_of_month(today)
    running = exists().where(
        Coverage.account_id == Account.id,
        or_(Coverage.end_month.is_(None), Coverage.end_month >= month),
    )
    window_open = exists().where(
        AccountStanding.account_id == Account.id,
        AccountStanding.reinstate_by.is_not(None),
        AccountStanding.reinstate_by >= today,
    )
    return and_(exists().where(Coverage.account_id == Account.id), ~running, ~window_open)


def _refund_account(session, account_id: int) -> BankMethod | None:  # type: ignore[no-untyped-def]
    """The keyed bank account of the latest settled EFT payment (the account the money came from)."""
    return session.scalars(
        select(BankMethod)
        .join(Payment, Payment.bank_method_id == BankMethod.id)
        .where(
            Payment.account_id == account_id,
            Payment.method == "eft",
            Payment.status == "settled",
            BankMethod.account_number_encrypted.is_not(None),
            BankMethod.kind.in_(("checking", "savings")),
        )
        .order_by(Payment.created_at.desc(), Payment.id.desc())
        .limit(1)
    ).first()


def _refund_one(uow: UnitOfWork, account_id: int, run_date: date, now: datetime) -> Refund | None:
    session = uow.session
    amount = refundable_credit(session, account_id)
    if amount <= 0:
        return None
    bank = _refund_account(session, account_id)
    sequence = session.scalar(select(func.count()).where(Refund.account_id == account_id)) or 0
    row = {
        "idempotency_key": f"refund:{account_id}:{sequence + 1}",
        "account_id": account_id,
        "amount": amount,
        "method": "eft" if bank else "check",
        "bank_method_id": bank.id if bank else None,
        "status": "pending" if bank else "check_due",
        "effective_date": run_date,
        "created_at": now,
    }
    inserted = session.execute(
        insert_for(session)(Refund)
        .values(row)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Refund.id)
    ).scalar()
    if inserted is None:  # another runner refunded this credit first
        return None
    audit.record(
        session,
        "refund_created",
        at=now,
        account_id=account_id,
        channel="backoffice",
        reference=f"refund:{inserted}",
        detail={
            "amount": str(amount),
            "method": row["method"],
            "last4": bank.last4 if bank else None,
        },
    )
    return session.get(Refund, inserted)


def run_refunds(
    uow_factory: Callable[[], UnitOfWork],
    *,
    now: datetime,
    run_date: date | None = None,
    chunk: int = CHUNK,
    progress: Callable[[int], None] = lambda _: None,
) -> RefundResult:
    """Refund the credit of every account whose coverage has ended. Safe to run twice and in
    parallel: accounts are locked FOR UPDATE SKIP LOCKED, one chunk per transaction."""
    run_date = run_date or eastern_date(now)
    count = by_check = 0
    total = ZERO
    after = 0
    while True:
        with uow_factory() as uow:
            stmt = (
                select(Account.id)
                .where(Account.id > after, _ended(run_date))
                .order_by(Account.id)
                .limit(chunk)
            )
            if is_postgresql(uow.session):
                stmt = stmt.with_for_update(skip_locked=True, of=Account)
            ids = list(uow.session.scalars(stmt))
            if not ids:
                break
            for account_id in ids:
                refund = _refund_one(uow, account_id, run_date, now)
                if refund is not None:
                    count += 1
                    total += refund.amount
                    by_check += refund.method == "check"
            after = ids[-1]
        progress(len(ids))
    return RefundResult(count, total, by_check)


# --- origination: the NACHA job files pending EFT refunds as credit entries -------------------


def claim_refund_entries(
    uow: UnitOfWork, *, file_date: date, odfi: str, traces_in_use: set[str]
) -> list[tuple[int, str, date, dict]]:
    """Pending EFT refunds effective by `file_date`, locked SKIP LOCKED so parallel runners take
    disjoint ones: (refund id, SEC code, effective date, the fields of its credit entry). Trace numbers count down
    from the top of the 7-digit range (debits use the payment id), skipping any taken in the file."""
    stmt = (
        select(
            Refund.id,
            Refund.amount,
            Refund.effective_date,
            BankMethod.routing_number,
            BankMethod.account_number_encrypted,
            BankMethod.kind,
            Account.account_number,
            Account.name,
            Account.kind.label("account_kind"),
        )
        .join(BankMethod, BankMethod.id == Refund.bank_method_id)
        .join(Account, Account.id == Refund.account_id)
        .where(
            Refund.status == "pending",
            Refund.method == "eft",
            Refund.effective_date <= file_date,
            BankMethod.account_number_encrypted.is_not(None),
        )
        .order_by(Refund.id)
    )
    if is_postgresql(uow.session):
        stmt = stmt.with_for_update(skip_locked=True, of=Refund)
    claimed = []
    for r in uow.session.execute(stmt).all():
        serial = (10**7 - 1 - r.id) % 10**7
        while odfi + f"{serial:07d}" in traces_in_use:
            serial = (serial - 1) % 10**7
        trace = odfi + f"{serial:07d}"
        traces_in_use.add(trace)
        entry = {
            "routing_number": r.routing_number,
            "account_token": r.account_number_encrypted,
            "account_kind": r.kind,
            "amount_cents": to_cents(r.amount),
            "individual_id": r.account_number,
            "individual_name": r.name,
            "trace_number": trace,
            "credit": True,
        }
        sec = "CCD" if r.account_kind == "employer" else "PPD"
        claimed.append((r.id, sec, r.effective_date, entry))
    return claimed


def mark_originated(uow: UnitOfWork, file_id: int, placed: list[tuple[int, str, int]]) -> None:
    """(refund id, trace number, batch number) of each refund written to the file."""
    for refund_id, trace, batch_number in placed:
        uow.session.execute(
            update(Refund)
            .where(Refund.id == refund_id)
            .values(
                status="originated", file_id=file_id, trace_number=trace, batch_number=batch_number
            )
        )
