"""The one home of the database plumbing every module shares: which dialect a session talks to, its
INSERT with ON CONFLICT, and money as integer cents (in Python and inside SQL).

Money columns (billing_core.types.Money) store integer cents; services see Decimal dollars.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, ColumnElement, Connection, Engine, type_coerce
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

CENT = Decimal("0.01")


def is_postgresql(bind: Session | Connection | Engine) -> bool:
    """True on PostgreSQL, False on SQLite (the two databases the project runs on)."""
    target = bind.get_bind() if isinstance(bind, Session) else bind
    return target.dialect.name == "postgresql"


def insert_for(bind: Session | Connection | Engine):  # type: ignore[no-untyped-def]
    """The dialect's INSERT construct (both know ON CONFLICT DO NOTHING / DO UPDATE)."""
    return postgresql.insert if is_postgresql(bind) else sqlite.insert


def to_cents(amount: Decimal) -> int:
    """Whole-cent dollars -> integer cents (Decimal("198.50") -> 19850)."""
    return int(amount * 100)


def from_cents(value: int) -> Decimal:
    """Integer cents -> dollars with two places (19850 -> Decimal("198.50"))."""
    return (Decimal(int(value)) / 100).quantize(CENT)


def cents(col: ColumnElement) -> ColumnElement[int]:
    """A money column as the integer cents it stores, to compute on exactly inside SQL."""
    return type_coerce(col, BigInteger)
