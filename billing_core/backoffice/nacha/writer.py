"""The NACHA file writer: a day's batches of entries as 94-character records, every control computed.

Full account numbers exist only inside `build_file`, decrypted one entry at a time as its record
is formatted; `Entry` carries the encrypted token, never shown in a repr.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime

from billing_core.backoffice.nacha.records import (
    BLOCKING,
    CREDIT_CODES,
    DEBIT_CODES,
    PAYMENT_TYPE_SEC,
    RECORD,
    alpha,
    entry_hash_of,
    numeric,
)
from billing_core.billing_calendar import EASTERN


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


def _service_class(entries: Sequence[Entry]) -> str:
    """225 debits only, 220 credits only, 200 mixed."""
    kinds = {e.credit for e in entries}
    return "200" if len(kinds) > 1 else ("220" if kinds == {True} else "225")


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
        + numeric(originator.immediate_destination, 9)
        + alpha(originator.immediate_origin, 10)
        + f"{local:%y%m%d}{local:%H%M}"
        + file_id_modifier
        + "094"
        + "10"
        + "1"
        + alpha(originator.destination_name, 23)
        + alpha(originator.origin_name, 23)
        + alpha(originator.reference_code, 8)
    ]
    file_entries = file_hash = file_debit = file_credit = 0
    for number, batch in enumerate(batches, start=1):
        service_class = _service_class(batch.entries)
        lines.append(
            "5"
            + service_class
            + alpha(originator.company_name, 16)
            + alpha("", 20)
            + alpha(originator.company_id, 10)
            + alpha(batch.sec_code, 3)
            + alpha(batch.description, 10)
            + alpha(batch.descriptive_date, 6)
            + f"{batch.effective_date:%y%m%d}"
            + "   "
            + "1"
            + numeric(originator.odfi, 8)
            + numeric(number, 7)
        )
        rdfis, debit, credit = [], 0, 0
        for e in batch.entries:
            routing = numeric(e.routing_number, 9)
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
                + alpha(decrypt(e.account_token), 17)
                + numeric(e.amount_cents, 10)
                + alpha(e.individual_id, 15)
                + alpha(e.individual_name, 22)
                + alpha(discretionary, 2)
                + "0"
                + numeric(e.trace_number, 15)
            )
        batch_hash = entry_hash_of(rdfis)
        lines.append(
            "8"
            + service_class
            + numeric(len(batch.entries), 6)
            + numeric(batch_hash, 10)
            + numeric(debit, 12)
            + numeric(credit, 12)
            + alpha(originator.company_id, 10)
            + " " * 19
            + " " * 6
            + numeric(originator.odfi, 8)
            + numeric(number, 7)
        )
        file_entries += len(batch.entries)
        file_hash += batch_hash
        file_debit += debit
        file_credit += credit
    records = len(lines) + 1
    blocks = -(-records // BLOCKING)
    lines.append(
        "9"
        + numeric(len(batches), 6)
        + numeric(blocks, 6)
        + numeric(file_entries, 8)
        + numeric(file_hash % 10**10, 10)
        + numeric(file_debit, 12)
        + numeric(file_credit, 12)
        + " " * 39
    )
    lines.extend("9" * RECORD for _ in range(blocks * BLOCKING - records))
    assert all(len(line) == RECORD for line in lines)
    return "\n".join(lines) + "\n"
