"""What a bank sends back about our debits: the items of a NACHA return/NOC file or of a bank
portal's CSV export, as ReturnItems for billing_core.backoffice.returns.apply_returns."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from billing_core.backoffice.nacha import parse_file


@dataclass(frozen=True)
class ReturnItem:
    code: str  # R.. return or C.. notification of change
    returned_on: date
    trace_number: str | None = None
    confirmation_number: str | None = None
    corrected_data: str = field(default="", repr=False)


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
