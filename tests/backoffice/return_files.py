"""NACHA return and notification-of-change files, as the RDFI's bank sends them back: a test double
of the ODFI's return file for the entries of one of our origination files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from billing_core.backoffice.nacha import Originator, ParsedEntry
from billing_core.backoffice.nacha.records import (
    BLOCKING,
    KIND_BY_CODE,
    RECORD,
    alpha,
    entry_hash_of,
    numeric,
)
from billing_core.billing_calendar import EASTERN


@dataclass(frozen=True)
class ReturnSpec:
    original: ParsedEntry
    code: str  # R01... or C01...
    corrected_data: str = field(default="", repr=False)


def build_return_file(
    returns: Sequence[ReturnSpec], *, created_at: datetime, rdfi: str = "09101298"
) -> str:
    """A return/NOC file for the entries given (a test double of the file the ODFI sends).
    Debit returns use transaction code 26/36; NOCs 21/31 with a zero amount."""
    originator = Originator(immediate_destination="021000021", origin_name="ODFI RETURNS")
    local = created_at.astimezone(EASTERN)
    lines = [
        "101 021000021"
        + alpha(originator.immediate_origin, 10)
        + f"{local:%y%m%d}{local:%H%M}A094101"
        + alpha(originator.destination_name, 23)
        + alpha("RETURNS", 23)
        + " " * 8
    ]
    specs = list(returns)
    rdfis, debit, credit = [], 0, 0
    lines.append(
        "5225"
        + alpha(originator.company_name, 16)
        + " " * 20
        + alpha(originator.company_id, 10)
        + "PPD"
        + alpha("RETURNS", 10)
        + " " * 6
        + f"{local:%y%m%d}"
        + "   1"
        + numeric(rdfi, 8)
        + numeric(1, 7)
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
        trace = numeric(rdfi, 8) + numeric(n, 7)
        lines.append(
            "6"
            + code
            + o.rdfi
            + o.check_digit
            + alpha(o.account_number, 17)
            + numeric(amount, 10)
            + alpha(o.individual_id, 15)
            + alpha(o.individual_name, 22)
            + alpha(o.discretionary, 2)
            + "1"
            + trace
        )
        info = alpha(spec.corrected_data, 29) + " " * 15 if noc else alpha("", 44)
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
        + numeric(2 * len(specs), 6)
        + numeric(entry_hash_of(rdfis), 10)
        + numeric(debit, 12)
        + numeric(credit, 12)
        + alpha(originator.company_id, 10)
        + " " * 25
        + numeric(rdfi, 8)
        + numeric(1, 7)
    )
    records = len(lines) + 1
    blocks = -(-records // BLOCKING)
    lines.append(
        "9"
        + numeric(1, 6)
        + numeric(blocks, 6)
        + numeric(2 * len(specs), 8)
        + numeric(entry_hash_of(rdfis), 10)
        + numeric(debit, 12)
        + numeric(credit, 12)
        + " " * 39
    )
    lines.extend("9" * RECORD for _ in range(blocks * BLOCKING - records))
    return "\n".join(lines) + "\n"
