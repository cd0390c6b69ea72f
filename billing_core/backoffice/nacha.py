"""NACHA origination files: a writer, a strict parser (which re-checks every count, hash and total),
a return/NOC file builder for tests and simulations, and the job that files a day's pending debits.

Full account numbers exist only inside `build_file` (decrypted one entry at a time as its record is
formatted) and in the parser's output fields, which never appear in reprs.
"""

from __future__ import annotations

import hashlib
import os
import string
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from billing_core.backoffice.business_days import next_business_day
from billing_core.backoffice.models import NachaEntry, NachaFile
from billing_core.backoffice.refunds import (
    REFUND_DESCRIPTION,
    claim_refund_entries,
    mark_originated,
)
from billing_core.backoffice.sql import from_cents, is_postgres
from billing_core.billing_calendar import EASTERN
from billing_core.models import Account, BankMethod, Payment
from billing_core.unit_of_work import UnitOfWork

RECORD = 94
BLOCKING = 10
DEBIT_CODES = {"checking": "27", "savings": "37"}
CREDIT_CODES = {"checking": "22", "savings": "32"}  # refunds
KIND_BY_CODE = {"27": "checking", "37": "savings", "22": "checking", "32": "savings"}
RETURN_CODES = {"26": "checking", "36": "savings", "21": "checking", "31": "savings"}
FILE_ID_MODIFIERS = string.ascii_uppercase + string.digits
PAYMENT_TYPE_SEC = ("WEB", "TEL")  # these carry a payment type code (R/S) in positions 77-78


class NachaFormatError(ValueError):
    """A file that is not well formed, or whose controls disagree with its entries. Messages name
    the line and field, never an account number."""


@dataclass(frozen=True)
class Originator:
    immediate_destination: str = "021000021"  # ODFI / ACH operator routing number
    destination_name: str = "ODFI BANK"
    immediate_origin: str = "1043000000"  # 10 characters, "1" + the originator's EIN by custom
    origin_name: str = "MA HEALTH CONNECTOR"
    company_name: str = "MA HEALTH CONN"
    company_id: str = "1043000000"
    odfi: str = "02100002"  # first 8 digits of the ODFI routing number
    reference_code: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Originator:
        """The originating bank's agreement values (NACHA_* variables); unset ones keep the
        development defaults above, which no bank would accept."""
        env = os.environ if env is None else env
        values = {f.name: env.get(f"NACHA_{f.name.upper()}") for f in fields(cls)}
        return cls(**{name: value for name, value in values.items() if value})


@dataclass(frozen=True)
class Entry:
    """One debit. `account_token` is whatever `build_file`'s `decrypt` turns into the account
    number (ciphertext in production); it is kept out of reprs."""

    routing_number: str
    account_token: bytes = field(repr=False)
    account_kind: str
    amount_cents: int
    individual_id: str
    individual_name: str
    trace_number: str
    payment_type: str | None = None  # R | S, for WEB and TEL
    credit: bool = False  # an ACH credit (a refund), not a debit


@dataclass(frozen=True)
class Batch:
    sec_code: str
    description: str
    effective_date: date
    entries: Sequence[Entry]
    descriptive_date: str = ""


def _alpha(value: str, width: int) -> str:
    text = unicodedata.normalize("NFKD", value or "")
    text = "".join(c for c in text if 32 <= ord(c) < 127).upper()
    return text[:width].ljust(width)


def _num(value: int | str, width: int) -> str:
    text = str(value)
    if not text.isdigit() or len(text) > width:
        raise NachaFormatError(f"numeric field of width {width} cannot hold the value")
    return text.rjust(width, "0")


def _service_class(entries: Sequence[Entry]) -> str:
    """225 debits only, 220 credits only, 200 mixed."""
    kinds = {e.credit for e in entries}
    return "200" if len(kinds) > 1 else ("220" if kinds == {True} else "225")


def entry_hash_of(rdfi_ids: Iterable[str]) -> int:
    """Sum of the 8-digit RDFI identifications, keeping the rightmost 10 digits."""
    return sum(int(r) for r in rdfi_ids) % 10**10


def build_file(
    originator: Originator,
    batches: Sequence[Batch],
    *,
    created_at: datetime,
    file_id_modifier: str = "A",
    decrypt: Callable[[bytes], str],
) -> str:
    """The file as text: 94-character records, LF separated, padded with 9s to a whole block."""
    local = created_at.astimezone(EASTERN)
    lines = [
        "1"
        + "01"
        + " "
        + _num(originator.immediate_destination, 9)
        + _alpha(originator.immediate_origin, 10)
        + f"{local:%y%m%d}{local:%H%M}"
        + file_id_modifier
        + "094"
        + "10"
        + "1"
        + _alpha(originator.destination_name, 23)
        + _alpha(originator.origin_name, 23)
        + _alpha(originator.reference_code, 8)
    ]
    file_entries = file_hash = file_debit = file_credit = 0
    for number, batch in enumerate(batches, start=1):
        service_class = _service_class(batch.entries)
        lines.append(
            "5"
            + service_class
            + _alpha(originator.company_name, 16)
            + _alpha("", 20)
            + _alpha(originator.company_id, 10)
            + _alpha(batch.sec_code, 3)
            + _alpha(batch.description, 10)
            + _alpha(batch.descriptive_date, 6)
            + f"{batch.effective_date:%y%m%d}"
            + "   "
            + "1"
            + _num(originator.odfi, 8)
            + _num(number, 7)
        )
        rdfis, debit, credit = [], 0, 0
        for e in batch.entries:
            routing = _num(e.routing_number, 9)
            rdfis.append(routing[:8])
            if e.credit:
                credit += e.amount_cents
            else:
                debit += e.amount_cents
            discretionary = (e.payment_type or "S") if batch.sec_code in PAYMENT_TYPE_SEC else ""
            lines.append(
                "6"
                + (CREDIT_CODES if e.credit else DEBIT_CODES)[e.account_kind]
                + routing
                + _alpha(decrypt(e.account_token), 17)
                + _num(e.amount_cents, 10)
                + _alpha(e.individual_id, 15)
                + _alpha(e.individual_name, 22)
                + _alpha(discretionary, 2)
                + "0"
                + _num(e.trace_number, 15)
            )
        batch_hash = entry_hash_of(rdfis)
        lines.append(
            "8"
            + service_class
            + _num(len(batch.entries), 6)
            + _num(batch_hash, 10)
            + _num(debit, 12)
            + _num(credit, 12)
            + _alpha(originator.company_id, 10)
            + " " * 19
            + " " * 6
            + _num(originator.odfi, 8)
            + _num(number, 7)
        )
        file_entries += len(batch.entries)
        file_hash += batch_hash
        file_debit += debit
        file_credit += credit
    records = len(lines) + 1
    blocks = -(-records // BLOCKING)
    lines.append(
        "9"
        + _num(len(batches), 6)
        + _num(blocks, 6)
        + _num(file_entries, 8)
        + _num(file_hash % 10**10, 10)
        + _num(file_debit, 12)
        + _num(file_credit, 12)
        + " " * 39
    )
    lines.extend("9" * RECORD for _ in range(blocks * BLOCKING - records))
    assert all(len(line) == RECORD for line in lines)
    return "\n".join(lines) + "\n"


# --- parsing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Addenda:
    type_code: str  # 99 return, 98 notification of change
    reason_code: str  # R01..., C01...
    original_trace: str
    original_rdfi: str
    information: str = field(repr=False)  # corrected data for a NOC: may hold an account number


@dataclass(frozen=True)
class ParsedEntry:
    transaction_code: str
    rdfi: str
    check_digit: str
    account_number: str = field(repr=False)
    amount_cents: int = 0
    individual_id: str = ""
    individual_name: str = ""
    discretionary: str = ""
    addenda_indicator: str = "0"
    trace_number: str = ""
    addenda: tuple[Addenda, ...] = ()

    @property
    def routing_number(self) -> str:
        return self.rdfi + self.check_digit


@dataclass(frozen=True)
class ParsedBatch:
    number: int
    service_class: str
    company_name: str
    company_id: str
    sec_code: str
    description: str
    effective_date: date | None
    entries: tuple[ParsedEntry, ...]
    entry_count: int
    entry_hash: int
    total_debit: int
    total_credit: int


@dataclass(frozen=True)
class ParsedFile:
    immediate_destination: str
    immediate_origin: str
    created: str
    file_id_modifier: str
    batches: tuple[ParsedBatch, ...]
    batch_count: int
    block_count: int
    entry_addenda_count: int
    entry_hash: int
    total_debit: int
    total_credit: int
    line_count: int

    @property
    def entries(self) -> list[ParsedEntry]:
        return [e for b in self.batches for e in b.entries]


def _yymmdd(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    return date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))


def _int(text: str, where: str) -> int:
    if not text.isdigit():
        raise NachaFormatError(f"{where}: expected digits")
    return int(text)


def parse_file(text: str, *, check: bool = True) -> ParsedFile:
    """Parse an origination or return file; with `check`, recompute every control and raise
    NachaFormatError on the first disagreement."""
    lines = text.splitlines()
    for i, line in enumerate(lines, start=1):
        if len(line) != RECORD:
            raise NachaFormatError(f"line {i}: {len(line)} characters, not {RECORD}")
    if not lines or lines[0][0] != "1":
        raise NachaFormatError("line 1: not a file header")
    head = lines[0]
    batches: list[ParsedBatch] = []
    control: str | None = None
    i = 1
    while i < len(lines):
        line = lines[i]
        kind = line[0]
        if kind == "5":
            bh = line
            entries: list[ParsedEntry] = []
            i += 1
            while i < len(lines) and lines[i][0] in "67":
                if lines[i][0] == "7":
                    raise NachaFormatError(f"line {i + 1}: addenda without an entry")
                e = lines[i]
                addenda: list[Addenda] = []
                i += 1
                while i < len(lines) and lines[i][0] == "7":
                    a = lines[i]
                    addenda.append(
                        Addenda(
                            type_code=a[1:3],
                            reason_code=a[3:6],
                            original_trace=a[6:21],
                            original_rdfi=a[27:35],
                            information=a[35:79],
                        )
                    )
                    i += 1
                entries.append(
                    ParsedEntry(
                        transaction_code=e[1:3],
                        rdfi=e[3:11],
                        check_digit=e[11],
                        account_number=e[12:29].rstrip(),
                        amount_cents=_int(e[29:39], f"line {i}: amount"),
                        individual_id=e[39:54].rstrip(),
                        individual_name=e[54:76].rstrip(),
                        discretionary=e[76:78].rstrip(),
                        addenda_indicator=e[78],
                        trace_number=e[79:94],
                        addenda=tuple(addenda),
                    )
                )
            if i >= len(lines) or lines[i][0] != "8":
                raise NachaFormatError(f"line {i + 1}: batch without a batch control")
            bc = lines[i]
            i += 1
            batches.append(
                ParsedBatch(
                    number=_int(bh[87:94], "batch number"),
                    service_class=bh[1:4],
                    company_name=bh[4:20].rstrip(),
                    company_id=bh[40:50].rstrip(),
                    sec_code=bh[50:53],
                    description=bh[53:63].rstrip(),
                    effective_date=_yymmdd(bh[69:75]),
                    entries=tuple(entries),
                    entry_count=_int(bc[4:10], "batch entry count"),
                    entry_hash=_int(bc[10:20], "batch entry hash"),
                    total_debit=_int(bc[20:32], "batch debit total"),
                    total_credit=_int(bc[32:44], "batch credit total"),
                )
            )
            if check and (bc[1:4] != bh[1:4] or bc[87:94] != bh[87:94]):
                raise NachaFormatError(f"batch {bh[87:94]}: control does not match header")
        elif kind == "9" and control is None:
            control = line
            i += 1
        elif kind == "9" and line == "9" * RECORD:
            i += 1
        else:
            raise NachaFormatError(f"line {i + 1}: unexpected record type {kind!r}")
    if control is None:
        raise NachaFormatError("no file control record")
    parsed = ParsedFile(
        immediate_destination=head[3:13].strip(),
        immediate_origin=head[13:23].strip(),
        created=head[23:33],
        file_id_modifier=head[33],
        batches=tuple(batches),
        batch_count=_int(control[1:7], "file batch count"),
        block_count=_int(control[7:13], "file block count"),
        entry_addenda_count=_int(control[13:21], "file entry count"),
        entry_hash=_int(control[21:31], "file entry hash"),
        total_debit=_int(control[31:43], "file debit total"),
        total_credit=_int(control[43:55], "file credit total"),
        line_count=len(lines),
    )
    if check:
        verify(parsed)
    return parsed


def verify(parsed: ParsedFile) -> None:
    """Recompute counts, entry hashes and totals at batch and file level."""
    if parsed.line_count % BLOCKING:
        raise NachaFormatError("line count is not a multiple of 10")
    if parsed.block_count != parsed.line_count // BLOCKING:
        raise NachaFormatError("block count disagrees with the number of lines")
    if parsed.batch_count != len(parsed.batches):
        raise NachaFormatError("batch count disagrees with the batches")
    all_count = file_hash = debit = credit = 0
    for b in parsed.batches:
        count = sum(1 + len(e.addenda) for e in b.entries)
        if count != b.entry_count:
            raise NachaFormatError(f"batch {b.number}: entry/addenda count disagrees")
        h = entry_hash_of(e.rdfi for e in b.entries)
        if h != b.entry_hash:
            raise NachaFormatError(f"batch {b.number}: entry hash disagrees")
        d = sum(e.amount_cents for e in b.entries if e.transaction_code[1] in "6789")
        c = sum(e.amount_cents for e in b.entries if e.transaction_code[1] in "0123")
        if d != b.total_debit or c != b.total_credit:
            raise NachaFormatError(f"batch {b.number}: totals disagree")
        for e in b.entries:
            if (e.addenda_indicator == "1") != bool(e.addenda):
                raise NachaFormatError(f"batch {b.number}: addenda indicator disagrees")
        all_count += count
        file_hash += h
        debit += d
        credit += c
    if all_count != parsed.entry_addenda_count:
        raise NachaFormatError("file entry/addenda count disagrees")
    if file_hash % 10**10 != parsed.entry_hash:
        raise NachaFormatError("file entry hash disagrees")
    if debit != parsed.total_debit or credit != parsed.total_credit:
        raise NachaFormatError("file totals disagree")


# --- returns and notifications of change, as the RDFI's bank sends them ------------------------


@dataclass(frozen=True)
class ReturnSpec:
    original: ParsedEntry
    code: str  # R01... or C01...
    corrected_data: str = field(default="", repr=False)


def build_return_file(
    returns: Sequence[ReturnSpec], *, created_at: datetime, rdfi: str = "09101298"
) -> str:
    """A return/NOC file for the entries given (a test and simulation double of the ODFI's file).
    Debit returns use transaction code 26/36; NOCs 21/31 with a zero amount."""
    originator = Originator(immediate_destination="021000021", origin_name="ODFI RETURNS")
    local = created_at.astimezone(EASTERN)
    lines = [
        "101 021000021"
        + _alpha(originator.immediate_origin, 10)
        + f"{local:%y%m%d}{local:%H%M}A094101"
        + _alpha(originator.destination_name, 23)
        + _alpha("RETURNS", 23)
        + " " * 8
    ]
    specs = list(returns)
    rdfis, debit, credit = [], 0, 0
    lines.append(
        "5225"
        + _alpha(originator.company_name, 16)
        + " " * 20
        + _alpha(originator.company_id, 10)
        + "PPD"
        + _alpha("RETURNS", 10)
        + " " * 6
        + f"{local:%y%m%d}"
        + "   1"
        + _num(rdfi, 8)
        + _num(1, 7)
    )
    for n, spec in enumerate(specs, start=1):
        o = spec.original
        noc = spec.code.startswith("C")
        kind = KIND_BY_CODE.get(o.transaction_code, "checking")
        code = (
            ("21" if kind == "checking" else "31")
            if noc
            else ("26" if kind == "checking" else "36")
        )
        amount = 0 if noc else o.amount_cents
        if noc:
            credit += 0
        else:
            debit += amount
        rdfis.append(o.rdfi)
        trace = _num(rdfi, 8) + _num(n, 7)
        lines.append(
            "6"
            + code
            + o.rdfi
            + o.check_digit
            + _alpha(o.account_number, 17)
            + _num(amount, 10)
            + _alpha(o.individual_id, 15)
            + _alpha(o.individual_name, 22)
            + _alpha(o.discretionary, 2)
            + "1"
            + trace
        )
        info = _alpha(spec.corrected_data, 29) + " " * 15 if noc else _alpha("", 44)
        lines.append(
            "7"
            + ("98" if noc else "99")
            + spec.code
            + o.trace_number
            + " " * 6
            + o.rdfi
            + info
            + trace
        )
    lines.append(
        "8225"
        + _num(2 * len(specs), 6)
        + _num(entry_hash_of(rdfis), 10)
        + _num(debit, 12)
        + _num(credit, 12)
        + _alpha(originator.company_id, 10)
        + " " * 25
        + _num(rdfi, 8)
        + _num(1, 7)
    )
    records = len(lines) + 1
    blocks = -(-records // BLOCKING)
    lines.append(
        "9"
        + _num(1, 6)
        + _num(blocks, 6)
        + _num(2 * len(specs), 8)
        + _num(entry_hash_of(rdfis), 10)
        + _num(debit, 12)
        + _num(credit, 12)
        + " " * 39
    )
    lines.extend("9" * RECORD for _ in range(blocks * BLOCKING - records))
    return "\n".join(lines) + "\n"


# --- the origination job -----------------------------------------------------------------------


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
    originator = originator or Originator.from_env()
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
    if is_postgres(session):
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
            amount_cents=int(r.amount * 100),
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
