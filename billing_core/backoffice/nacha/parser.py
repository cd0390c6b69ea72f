"""The strict NACHA parser: origination and return/NOC files read back, with every count, entry
hash and total re-checked. Account numbers in its output never appear in reprs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from billing_core.backoffice.nacha.records import BLOCKING, RECORD, NachaFormatError, entry_hash_of


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
