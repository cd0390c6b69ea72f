"""Readers for files of payments made elsewhere: a bank lockbox BAI2 file and a simple CSV.

Both turn a file into `ImportLine`s (one per payment, with its line number) plus `LineError`s,
one per bad line, so an operator sees every fault of a file at once. Nothing here touches the
database; `billing_core.backoffice.payment_import` posts the lines. Errors name the line, the
field and the reason, never the value (a BAI2 text field may carry a check's MICR line).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from bai2 import bai2
from bai2.constants import TypeCodes, TypeCodeTransaction
from bai2.exceptions import IntegrityException, NotSupportedYetException, ParsingException

from billing_core.sql import from_cents
from billing_core.types import CENT

MAX_AMOUNT = Decimal("99999.99")  # larger than any premium a household or group could owe
REFERENCE_MAX = 60
CSV_COLUMNS = ("reference", "account_number", "amount", "received_on", "method", "channel")
CSV_METHODS = ("check", "moneyorder", "eft", "card")
CSV_CHANNELS = ("walk_in", "portal", "bill_pay", "mail")
BAI2_PAYMENTS = {  # detail type code -> (method, channel)
    "116": ("check", "lockbox"),  # item in lockbox deposit
    "165": ("eft", "bill_pay"),  # preauthorized ACH credit (bank bill-pay)
    "166": ("eft", "bill_pay"),  # ACH settlement credit
    "169": ("eft", "bill_pay"),  # miscellaneous ACH credit
}
BAI2_DEPOSIT_TOTALS = ("115",)  # a lockbox deposit: the sum of its 116 items, not a payment
BAI2_RECORDS = ("01", "02", "03", "16", "49", "88", "98", "99")


@dataclass(frozen=True)
class ImportLine:
    line: int
    reference: str
    account_number: str
    amount: Decimal
    received_on: date
    method: str
    channel: str


@dataclass(frozen=True)
class LineError:
    line: int  # 0: the file as a whole
    field: str
    reason: str


@dataclass
class ParsedImport:
    kind: str  # bai2 | csv
    lines: list[ImportLine] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    skipped: list[LineError] = field(default_factory=list)  # lines that are not member payments


def _amount(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or value > MAX_AMOUNT or value != value.quantize(CENT):
        return None
    return value


def _account_number(text: str | None) -> str | None:
    value = (text or "").strip()
    return value if len(value) == 10 and value.isdigit() else None


def _reference(text: str | None) -> str | None:
    value = (text or "").strip()
    return value if 0 < len(value) <= REFERENCE_MAX and value.isprintable() else None


# --- CSV ---------------------------------------------------------------------------------------


def read_payment_csv(text: str, *, today: date) -> ParsedImport:
    """A header row with exactly the columns of CSV_COLUMNS (any order), then one payment a row."""
    out = ParsedImport("csv")
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in (reader.fieldnames or [])]
    if sorted(header) != sorted(CSV_COLUMNS):
        out.errors.append(LineError(1, "header", "columns must be " + ",".join(CSV_COLUMNS)))
        return out
    reader.fieldnames = header
    for row in reader:
        line = reader.line_num
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # a blank line
        if None in row:
            out.errors.append(LineError(line, "row", "more fields than columns"))
            continue
        errors = []
        reference = _reference(row["reference"])
        if reference is None:
            errors.append(LineError(line, "reference", f"1 to {REFERENCE_MAX} characters"))
        account = _account_number(row["account_number"])
        if account is None:
            errors.append(LineError(line, "account_number", "10 digits"))
        amount = _amount(row["amount"] or "")
        if amount is None:
            errors.append(LineError(line, "amount", f"dollars and cents, 0.01 to {MAX_AMOUNT}"))
        try:
            received = date.fromisoformat((row["received_on"] or "").strip())
        except ValueError:
            received = None
        if received is None or received > today:
            errors.append(LineError(line, "received_on", "a date YYYY-MM-DD, not in the future"))
        method = (row["method"] or "").strip()
        if method not in CSV_METHODS:
            errors.append(LineError(line, "method", "one of " + ", ".join(CSV_METHODS)))
        channel = (row["channel"] or "").strip()
        if channel not in CSV_CHANNELS:
            errors.append(LineError(line, "channel", "one of " + ", ".join(CSV_CHANNELS)))
        if errors:
            out.errors.extend(errors)
            continue
        out.lines.append(
            ImportLine(line, reference, account, amount, received, method, channel)  # type: ignore[arg-type]
        )
    return out


# --- BAI2 --------------------------------------------------------------------------------------


def _prescan(text: str) -> tuple[list[int], list[LineError]]:
    """Line-by-line checks the parser would stop at (it gives up at the first): record codes,
    and each 16 record's type code and amount. Returns the line number of every 16 record."""
    details, errors = [], []
    records: list[tuple[int, str]] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        code = line[:2]
        if code not in BAI2_RECORDS or line[2:3] != ",":
            errors.append(LineError(n, "record code", "not a BAI2 record"))
        elif code == "88" and records:
            start, body = records[-1]
            records[-1] = (start, body.rstrip("/") + "," + line[3:])
        else:
            records.append((n, line))
    for n, body in records:
        if not body.startswith("16,"):
            continue
        details.append(n)
        fields = body[3:].rstrip("/").split(",")
        if fields[0] not in TypeCodes:
            errors.append(LineError(n, "type code", "not a BAI2 type code"))
        if len(fields) < 2 or not fields[1].isdigit():
            errors.append(LineError(n, "amount", "whole cents"))
    return details, errors


def _details(parsed):  # type: ignore[no-untyped-def]
    """(as-of date, transaction) for every 16 record, in file order (the order of the prescan's
    line numbers: the parser keeps no line numbers of its own)."""
    for group in parsed.children:
        for account in group.children:
            for detail in account.children:
                yield group.header.as_of_date, detail


def read_lockbox_bai2(text: str, *, today: date) -> ParsedImport:
    """Payments in a BAI2 file: each 16 record of a type in BAI2_PAYMENTS is one payment, its
    customer reference our account number (from the coupon), its bank reference the external
    reference, dated the group's as-of date. 115 deposit totals and debits (returned items, fees)
    are listed as skipped; any other credit is a bad line (someone must say what it is)."""
    out = ParsedImport("bai2")
    if not text.strip():
        out.errors.append(LineError(0, "file", "empty"))
        return out
    numbers, out.errors = _prescan(text)
    if out.errors:
        return out
    try:
        parsed = bai2.parse_from_string(text, check_integrity=True)
    except (ParsingException, IntegrityException, NotSupportedYetException, ValueError) as exc:
        # Structure and control totals: the parser's message names records and counts only.
        out.errors.append(LineError(0, "file", str(exc)[:200]))
        return out
    for line, (as_of, detail) in zip(numbers, _details(parsed), strict=True):
        code = detail.type_code
        if code.code in BAI2_DEPOSIT_TOTALS or code.transaction != TypeCodeTransaction.credit:
            out.skipped.append(LineError(line, "type code", f"{code.code} {code.description}"))
            continue
        if code.code not in BAI2_PAYMENTS:
            out.errors.append(LineError(line, "type code", f"{code.code} is not a member payment"))
            continue
        errors = []
        reference = _reference(detail.bank_reference)
        if reference is None:
            errors.append(LineError(line, "bank reference", f"1 to {REFERENCE_MAX} characters"))
        account = _account_number(detail.customer_reference)
        if account is None:
            errors.append(LineError(line, "customer reference", "our 10-digit account number"))
        amount = from_cents(detail.amount)
        if not 0 < amount <= MAX_AMOUNT:
            errors.append(LineError(line, "amount", f"0.01 to {MAX_AMOUNT}"))
        if as_of is None or as_of > today:
            errors.append(LineError(line, "as-of date", "the group's date, not in the future"))
        if errors:
            out.errors.extend(errors)
            continue
        method, channel = BAI2_PAYMENTS[code.code]
        out.lines.append(ImportLine(line, reference, account, amount, as_of, method, channel))  # type: ignore[arg-type]
    return out
