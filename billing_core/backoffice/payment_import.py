"""The import job for payments made elsewhere (lockbox checks, bank bill-pay, walk-in, portal).

A file is imported whole or not at all: every line is checked first (format, known account, a
reference not already used for another payment), and one bad line rejects the file with a report
of every bad line. An accepted file posts each payment as an ordinary settled payment of its
channel in one transaction, so drafts, reminders and delinquency count it at once. The payment's
idempotency key is `ext:<channel>:<external reference>` (unique): a second import of the same
file, or a parallel one, posts nothing twice.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from billing_core import audit
from billing_core.backoffice.import_files import ImportLine, LineError, ParsedImport
from billing_core.ledger import ZERO
from billing_core.models import Account, Payment
from billing_core.money_models import PaymentImport
from billing_core.sql import insert_for, is_postgresql
from billing_core.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ImportReport:
    import_id: int
    status: str  # accepted | rejected
    posted: int
    duplicates: int
    amount: object  # Decimal: what this import posted
    errors: tuple[LineError, ...]
    skipped: tuple[LineError, ...]


def external_key(line: ImportLine) -> str:
    return f"ext:{line.channel}:{line.reference}"


def _confirmation_number(session) -> str:  # type: ignore[no-untyped-def]
    while True:
        candidate = str(secrets.randbelow(9 * 10**9) + 10**9)
        if (
            session.scalar(select(Payment.id).where(Payment.confirmation_number == candidate))
            is None
        ):
            return candidate


def _check_lines(
    uow: UnitOfWork, lines: list[ImportLine]
) -> tuple[dict[str, int], list[ImportLine], list[LineError]]:
    """Accounts by number (locked: a draft computing what is owed waits or passes them by), the
    lines not yet posted, and the bad lines."""
    session = uow.session
    numbers = sorted({line.account_number for line in lines})
    stmt = select(Account.account_number, Account.id).where(Account.account_number.in_(numbers))
    if is_postgresql(session):
        stmt = stmt.order_by(Account.id).with_for_update(of=Account)
    accounts = dict(session.execute(stmt).all())
    keys = [external_key(line) for line in lines]
    earlier = {
        p.idempotency_key: p
        for p in session.scalars(select(Payment).where(Payment.idempotency_key.in_(keys)))
    }
    errors: list[LineError] = []
    fresh: list[ImportLine] = []
    seen: dict[str, int] = {}
    for line, key in zip(lines, keys, strict=True):
        if line.account_number not in accounts:
            errors.append(LineError(line.line, "account_number", "no such account"))
            continue
        if key in seen:
            errors.append(LineError(line.line, "reference", f"repeats line {seen[key]}"))
            continue
        seen[key] = line.line
        before = earlier.get(key)
        if before is None:
            fresh.append(line)
        elif before.account_id != accounts[line.account_number] or before.amount != line.amount:
            errors.append(LineError(line.line, "reference", "already used for a different payment"))
    return accounts, fresh, errors


def _post(
    uow: UnitOfWork, line: ImportLine, account_id: int, import_id: int, now: datetime
) -> bool:
    session = uow.session
    confirmation = _confirmation_number(session)
    inserted = session.execute(
        insert_for(session)(Payment)
        .values(
            confirmation_number=confirmation,
            idempotency_key=external_key(line),
            account_id=account_id,
            amount=line.amount,
            fee=ZERO,
            method=line.method,
            channel=line.channel,
            status="settled",  # the money is in our bank account already
            effective_date=line.received_on,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Payment.id)
    ).scalar()
    if inserted is None:  # a parallel import of the same file posted it first
        return False
    audit.record(
        session,
        "external_payment_posted",
        at=now,
        account_id=account_id,
        channel=line.channel,
        reference=f"import:{import_id}",
        detail={
            "confirmation_number": confirmation,
            "external_reference": line.reference,
            "amount": str(line.amount),
            "method": line.method,
        },
    )
    return True


def _record(uow: UnitOfWork, parsed: ParsedImport, file_name: str, digest: str, now: datetime):  # type: ignore[no-untyped-def]
    row = PaymentImport(
        kind=parsed.kind,
        file_name=file_name[:120],
        sha256=digest,
        status="accepted",
        created_at=now,
    )
    uow.session.add(row)
    uow.session.flush()
    return row


def _as_report(errors: list[LineError]) -> list[dict]:
    return [{"line": e.line, "field": e.field, "reason": e.reason} for e in errors]


def import_payments(
    uow_factory: Callable[[], UnitOfWork],
    parsed: ParsedImport,
    *,
    file_name: str,
    content: str,
    now: datetime,
) -> ImportReport:
    """Post every payment of a parsed file in one transaction, or none and report why."""
    digest = hashlib.sha256(content.encode()).hexdigest()
    errors = list(parsed.errors)
    with uow_factory() as uow:
        accounts, fresh, bad = _check_lines(uow, parsed.lines)
        errors.extend(bad)
        if not errors:
            row = _record(uow, parsed, file_name, digest, now)
            posted = [
                line
                for line in fresh
                if _post(uow, line, accounts[line.account_number], row.id, now)
            ]
            amount = sum((line.amount for line in posted), ZERO)
            row.payments = len(posted)
            row.duplicates = len(parsed.lines) - len(posted)
            row.skipped = len(parsed.skipped)
            row.amount = amount
            row.report = _as_report(parsed.skipped)
            return ImportReport(
                row.id, "accepted", len(posted), row.duplicates, amount, (), tuple(parsed.skipped)
            )
    errors.sort(key=lambda e: e.line)
    with uow_factory() as uow:  # the rejection is kept, in its own transaction
        row = _record(uow, parsed, file_name, digest, now)
        row.status = "rejected"
        row.skipped = len(parsed.skipped)
        row.report = _as_report(errors)
        return ImportReport(row.id, "rejected", 0, 0, ZERO, tuple(errors), tuple(parsed.skipped))
