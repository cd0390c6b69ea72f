"""The origination job: files a day's pending EFT debits (and EFT refunds as credits) in one NACHA
file, parsed back before it is handed over, written 0600 and moved into place after commit."""

from __future__ import annotations

import hashlib
import os
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from billing_core.backoffice.business_days import next_business_day
from billing_core.backoffice.models import NachaEntry, NachaFile
from billing_core.backoffice.nacha.parser import parse_file
from billing_core.backoffice.nacha.records import PAYMENT_TYPE_SEC
from billing_core.backoffice.nacha.writer import Batch, Entry, Originator, build_file
from billing_core.backoffice.refunds import (
    REFUND_DESCRIPTION,
    claim_refund_entries,
    mark_originated,
)
from billing_core.models import Account, BankMethod, Payment
from billing_core.sql import from_cents, is_postgresql, to_cents
from billing_core.unit_of_work import UnitOfWork

FILE_ID_MODIFIERS = string.ascii_uppercase + string.digits


@dataclass(frozen=True)
class FileResult:
    file_id: int | None
    path: Path | None
    batches: int
    entries: int
    total: Decimal
    entry_hash: int
    credits: int = 0  # refund entries
    credit_total: Decimal = Decimal("0.00")


RETRY_DESCRIPTION = "RETRY PYMT"  # NACHA requires this description on reinitiated entries
DESCRIPTION = "HC PREMIUM"


def _claim_modifier(uow: UnitOfWork, file_date: date, now: datetime) -> NachaFile:
    """Take the next free file ID modifier for the day; a parallel runner gets the next one."""
    used = set(
        uow.session.scalars(
            select(NachaFile.file_id_modifier).where(NachaFile.file_date == file_date)
        )
    )
    for modifier in FILE_ID_MODIFIERS:
        if modifier in used:
            continue
        row = NachaFile(
            file_date=file_date,
            file_id_modifier=modifier,
            file_name=f"HC{file_date:%Y%m%d}{modifier}.ach",
            created_at=now,
        )
        try:
            with uow.session.begin_nested():
                uow.session.add(row)
                uow.session.flush()
        except IntegrityError:
            continue
        return row
    raise RuntimeError(f"all {len(FILE_ID_MODIFIERS)} file ID modifiers of {file_date} are used")


def originate_file(
    uow: UnitOfWork,
    *,
    now: datetime,
    file_date: date,
    out_dir: Path,
    originator: Originator | None = None,
    progress: Callable[[int], None] = lambda _: None,
) -> FileResult:
    """File every pending EFT debit not yet originated, effective on or before `file_date`, and
    every pending EFT refund as a credit entry (billing_core.backoffice.refunds).

    Payments are claimed FOR UPDATE SKIP LOCKED, so parallel runners write disjoint files; the
    unique nacha_entries.payment_id makes a double origination impossible. The file is written
    to a temporary name (mode 0600) and renamed only after the transaction commits.
    """
    originator = (
        originator or Originator()
    )  # the development values (`python -m billing_core.backoffice` reads NACHA_*)
    session = uow.session
    stmt = (
        select(
            Payment.id,
            Payment.amount,
            Payment.sec_code,
            Payment.payment_type,
            Payment.effective_date,
            Payment.idempotency_key,
            BankMethod.routing_number,
            BankMethod.account_number_encrypted,
            BankMethod.kind,
            Account.account_number,
            Account.name,
        )
        .join(BankMethod, BankMethod.id == Payment.bank_method_id)
        .join(Account, Account.id == Payment.account_id)
        .where(
            Payment.method == "eft",
            Payment.status == "pending",
            Payment.effective_date <= file_date,
            BankMethod.account_number_encrypted.is_not(None),  # tokenized: the processor's rail
            ~exists().where(NachaEntry.payment_id == Payment.id),
        )
        .order_by(Payment.id)
    )
    if is_postgresql(session):
        stmt = stmt.with_for_update(skip_locked=True, of=Payment)
    rows = session.execute(stmt).all()
    traces = {originator.odfi + f"{r.id % 10**7:07d}" for r in rows}
    refunds = claim_refund_entries(
        uow, file_date=file_date, odfi=originator.odfi, traces_in_use=traces
    )
    if not rows and not refunds:
        return FileResult(None, None, 0, 0, Decimal("0.00"), 0)
    nacha_file = _claim_modifier(uow, file_date, now)
    grouped: dict[tuple[str, str, str, date], list[tuple[int, Entry]]] = {}
    earliest = next_business_day(file_date)
    for refund_id, sec, effective, fields_ in refunds:
        key = (sec, "", REFUND_DESCRIPTION, max(next_business_day(effective), earliest))
        grouped.setdefault(key, []).append((-refund_id, Entry(**fields_)))
    for r in rows:
        sec = r.sec_code or "PPD"
        retry = r.idempotency_key.startswith("retry:")
        key = (
            sec,
            (r.payment_type or "S") if sec in PAYMENT_TYPE_SEC else "",
            RETRY_DESCRIPTION if retry else DESCRIPTION,
            max(next_business_day(r.effective_date), earliest),
        )
        entry = Entry(
            routing_number=r.routing_number,
            account_token=r.account_number_encrypted,
            account_kind=r.kind,
            amount_cents=to_cents(r.amount),
            individual_id=r.account_number,
            individual_name=r.name,
            trace_number=originator.odfi + f"{r.id % 10**7:07d}",
            payment_type=r.payment_type,
        )
        grouped.setdefault(key, []).append((r.id, entry))
    batches, links, placed = [], [], []
    for number, key in enumerate(sorted(grouped), start=1):
        sec, _ptype, description, effective = key
        items = grouped[key]
        batches.append(Batch(sec, description, effective, [e for _, e in items]))
        # Refunds ride in the same map under negative ids; they link back through their own row.
        placed.extend((-pid, e.trace_number, number) for pid, e in items if pid < 0)
        links.extend(
            {
                "file_id": nacha_file.id,
                "payment_id": pid,
                "trace_number": e.trace_number,
                "batch_number": number,
            }
            for pid, e in items
            if pid > 0
        )

    count = 0

    def decrypt(token: bytes) -> str:
        nonlocal count
        count += 1
        if count % 10000 == 0:
            progress(10000)
        return uow.cipher.decrypt(token)

    text = build_file(
        originator,
        batches,
        created_at=now,
        file_id_modifier=nacha_file.file_id_modifier,
        decrypt=decrypt,
    )
    progress(count % 10000)
    parsed = parse_file(text)  # never hand the bank a file we cannot read back
    if links:
        session.execute(NachaEntry.__table__.insert(), links)
    mark_originated(uow, nacha_file.id, placed)
    session.execute(
        update(NachaFile)
        .where(NachaFile.id == nacha_file.id)
        .values(
            batch_count=len(batches),
            entry_count=len(links) + len(placed),
            entry_hash=parsed.entry_hash,
            total_debit=from_cents(parsed.total_debit),
            sha256=hashlib.sha256(text.encode()).hexdigest(),
        )
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / nacha_file.file_name
    tmp = out_dir / (nacha_file.file_name + ".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", newline="\n") as f:
        f.write(text)
    del text
    uow.pending_files = [*getattr(uow, "pending_files", []), (tmp, final)]
    return FileResult(
        nacha_file.id,
        final,
        len(batches),
        len(links) + len(placed),
        from_cents(parsed.total_debit),
        parsed.entry_hash,
        credits=len(placed),
        credit_total=from_cents(parsed.total_credit),
    )


def publish_files(uow: UnitOfWork) -> None:
    """After commit: move written files into place."""
    for tmp, final in getattr(uow, "pending_files", []):
        tmp.replace(final)


def discard_files(uow: UnitOfWork) -> None:
    for tmp, _ in getattr(uow, "pending_files", []):
        tmp.unlink(missing_ok=True)


def run_origination(
    uow_factory: Callable[[], UnitOfWork],
    *,
    now: datetime,
    file_date: date,
    out_dir: Path,
    originator: Originator | None = None,
    progress: Callable[[int], None] = lambda _: None,
) -> FileResult:
    uow = uow_factory()
    try:
        with uow:
            result = originate_file(
                uow,
                now=now,
                file_date=file_date,
                out_dir=out_dir,
                originator=originator,
                progress=progress,
            )
    except BaseException:
        discard_files(uow)
        raise
    publish_files(uow)
    return result
