"""Column types: money as exact integer cents exposed as Decimal, instants as aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.types import TypeDecorator

from billing_core.sql import CENT, from_cents, to_cents

__all__ = ["CENT", "Money", "UTCDateTime"]


class Money(TypeDecorator[Decimal]):
    """Stored as integer cents on every database, so sums are exact on SQLite too."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: object) -> int | None:
        if value is None:
            return None
        value = Decimal(value)
        if value != value.quantize(CENT):
            raise ValueError("money has at most two decimal places")
        return to_cents(value)

    def process_result_value(self, value: int | None, dialect: object) -> Decimal | None:
        if value is None:
            return None
        return from_cents(value)


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC; always read back as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)
