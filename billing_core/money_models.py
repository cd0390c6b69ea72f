"""Tables for money that goes back (refunds of a credit) and money recorded from elsewhere (imports)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from billing_core.models import Base
from billing_core.types import Money, UTCDateTime


class Refund(Base):
    """Money handed back from a credit balance once coverage has ended. A refund lowers what the
    ledger counts as paid (billing_core.ledger.credited_total), so the credit it empties can never
    be refunded twice. An `eft` refund is an ACH credit entry (22/32) in one NACHA file: `file_id`,
    `trace_number` and `batch_number` say where; a `check` refund is mailed by finance."""

    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    method: Mapped[str] = mapped_column(String(10))  # eft | check
    bank_method_id: Mapped[int | None] = mapped_column(ForeignKey("bank_methods.id"))
    status: Mapped[str] = mapped_column(String(12), index=True)  # pending|originated|check_due
    effective_date: Mapped[date] = mapped_column(Date)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("nacha_files.id"))
    trace_number: Mapped[str | None] = mapped_column(String(15), index=True)
    batch_number: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PaymentImport(Base):
    """One import of a file of payments made elsewhere (lockbox BAI2, or a CSV of walk-in or portal
    payments): accepted in full, or rejected with every bad line in `report`. The report names
    lines, fields and reasons, never the values of bank fields."""

    __tablename__ = "payment_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # bai2 | csv
    file_name: Mapped[str] = mapped_column(String(120))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(10))  # accepted | rejected
    payments: Mapped[int] = mapped_column(Integer, default=0)  # posted by this import
    duplicates: Mapped[int] = mapped_column(Integer, default=0)  # posted by an earlier import
    skipped: Mapped[int] = mapped_column(Integer, default=0)  # lines that are not payments
    amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    report: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
