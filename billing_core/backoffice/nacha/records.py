"""NACHA record layout: sizes, transaction codes, field formatting and the entry hash, shared by
the writer, the parser (and the tests' return-file builder)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

RECORD = 94
BLOCKING = 10
DEBIT_CODES = {"checking": "27", "savings": "37"}
CREDIT_CODES = {"checking": "22", "savings": "32"}  # refunds
KIND_BY_CODE = {"27": "checking", "37": "savings", "22": "checking", "32": "savings"}
RETURN_CODES = {"26": "checking", "36": "savings", "21": "checking", "31": "savings"}
PAYMENT_TYPE_SEC = ("WEB", "TEL")  # these carry a payment type code (R/S) in positions 77-78


class NachaFormatError(ValueError):
    """A file that is not well formed, or whose controls disagree with its entries. Messages name
    the line and field, never an account number."""


def alpha(value: str, width: int) -> str:
    text = unicodedata.normalize("NFKD", value or "")
    text = "".join(c for c in text if 32 <= ord(c) < 127).upper()
    return text[:width].ljust(width)


def numeric(value: int | str, width: int) -> str:
    text = str(value)
    if not text.isdigit() or len(text) > width:
        raise NachaFormatError(f"numeric field of width {width} cannot hold the value")
    return text.rjust(width, "0")


def entry_hash_of(rdfi_ids: Iterable[str]) -> int:
    """Sum of the 8-digit RDFI identifications, keeping the rightmost 10 digits."""
    return sum(int(r) for r in rdfi_ids) % 10**10
