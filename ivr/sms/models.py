"""Tables of the SMS channel: the reminder and notice ledgers (claimable queues), outbound messages,
opt-outs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

import billing_core.backoffice.models  # noqa: F401  (member_notifications, referenced below)
from billing_core.models import Base
from billing_core.types import Money, UTCDateTime

# SQLite only auto-increments INTEGER PRIMARY KEY; Postgres gets a 64-bit key for large ledgers.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class SmsReminder(Base):
    """One reminder per (account, coverage month, kind), written before anything is sent.

    The unique constraint is the exactly-once guarantee; `status` makes the table a queue that
    several runners claim from with `FOR UPDATE SKIP LOCKED`:
    pending -> sending -> sent | skipped | expired | failed.
    """

    __tablename__ = "sms_reminders"
    __table_args__ = (
        UniqueConstraint("account_id", "coverage_month", "kind"),
        Index("ix_sms_reminders_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    contact_phone_id: Mapped[int] = mapped_column(ForeignKey("contact_phones.id"))
    number: Mapped[str] = mapped_column(String(20))
    coverage_month: Mapped[date] = mapped_column(Date)
    # due_7d | due_2d | past_due_1d (autopay_notice: rows of the retired SMS Reg E job, never sent)
    kind: Mapped[str] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    event_date: Mapped[date] = mapped_column(Date)  # the due date or the AutoPay draft date
    status: Mapped[str] = mapped_column(String(10), default="pending")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(60))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_sid: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(String(120))  # why skipped or failed; never PII
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SmsNotice(Base):
    """One text per back-office notice (`member_notifications`, channel sms), written before it is
    sent. The unique `notification_id` is the exactly-once guarantee; `status` makes the table a
    queue claimed with `FOR UPDATE SKIP LOCKED`, like `sms_reminders`:
    pending -> sending -> sent | skipped | expired | failed.
    The body is rendered when the row is written, so a crash-rerun looks for the very same text.
    """

    __tablename__ = "sms_notices"
    __table_args__ = (Index("ix_sms_notices_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("member_notifications.id"), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    contact_phone_id: Mapped[int] = mapped_column(ForeignKey("contact_phones.id"))
    number: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(40))
    locale: Mapped[str] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    event_date: Mapped[date | None] = mapped_column(Date)  # draft, retry or deadline date, if any
    status: Mapped[str] = mapped_column(String(10), default="pending")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(60))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_sid: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(String(120))  # why skipped or failed; never PII
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SmsMessage(Base):
    """Every text we sent (or recorded in the outbox) and its latest delivery status."""

    __tablename__ = "sms_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    purpose: Mapped[str] = mapped_column(String(20))  # reminder | notice | confirmation
    reminder_id: Mapped[int | None] = mapped_column(ForeignKey("sms_reminders.id"), index=True)
    to_number: Mapped[str] = mapped_column(String(20), index=True)
    body: Mapped[str] = mapped_column(Text)
    transport: Mapped[str] = mapped_column(String(10))  # twilio | outbox
    sid: Mapped[str | None] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(12))
    status_rank: Mapped[int] = mapped_column(SmallInteger, default=0)
    error_code: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SmsOptOut(Base):
    """A number that said STOP (or that Twilio reported as opted out, error 21610).

    Kept per number, not per account: consent belongs to the phone, and a STOP must hold even for a
    number that is not (or not yet) a contact phone on any account.
    """

    __tablename__ = "sms_opt_outs"

    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    opted_out_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(20))  # the keyword, or "error_21610"
