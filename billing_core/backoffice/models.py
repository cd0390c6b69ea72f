"""Back-office tables: reversals, NACHA files and entries, retries, notices, account standing."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from billing_core.models import Base
from billing_core.types import Money, UTCDateTime


class PaymentReversal(Base):
    """The reversing entry for a returned payment. The payment itself is never edited (except its
    status moving to "returned"); one reversal per payment makes a re-imported return a no-op."""

    __tablename__ = "payment_reversals"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)  # positive; undoes the payment's credit
    return_code: Mapped[str] = mapped_column(String(3))
    returned_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(80))  # file name or "csv:..."; never bank numbers
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DraftRun(Base):
    """One run of the AutoPay draft job (several may run the same day; each counts its own work)."""

    __tablename__ = "draft_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_date: Mapped[date] = mapped_column(Date, index=True)
    coverage_month: Mapped[date] = mapped_column(Date)
    drafts_created: Mapped[int] = mapped_column(Integer, default=0)
    amount_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NachaFile(Base):
    """An origination file we wrote. Only counts and a digest are kept: the file itself holds full
    account numbers and lives only on the transfer path (mode 0600)."""

    __tablename__ = "nacha_files"
    __table_args__ = (UniqueConstraint("file_date", "file_id_modifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_date: Mapped[date] = mapped_column(Date)
    file_id_modifier: Mapped[str] = mapped_column(String(1))
    file_name: Mapped[str] = mapped_column(String(120))
    batch_count: Mapped[int] = mapped_column(Integer, default=0)
    entry_count: Mapped[int] = mapped_column(Integer, default=0)
    entry_hash: Mapped[int] = mapped_column(BigInteger, default=0)
    total_debit: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NachaEntry(Base):
    """A payment's place in a file. Unique payment: a debit is originated once (a retry is a new
    payment). The trace number is how returns find the payment again."""

    __tablename__ = "nacha_entries"
    __table_args__ = (UniqueConstraint("file_id", "trace_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("nacha_files.id"))
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), unique=True)
    trace_number: Mapped[str] = mapped_column(String(15), index=True)
    batch_number: Mapped[int] = mapped_column(Integer)


class ProcessorDebit(Base):
    """A debit of a tokenized bank account, sent to the processor that holds it: the NachaEntry of
    that rail. Unique payment: a debit is sent once (a retry is a new payment); the idempotency key
    makes re-sending after a crash safe, the processor answers it with its first result."""

    __tablename__ = "processor_debits"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), unique=True)
    connector: Mapped[str] = mapped_column(String(60))
    idempotency_key: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), index=True)  # sending | accepted | declined
    processor_reference: Mapped[str | None] = mapped_column(String(80))
    decline_code: Mapped[str | None] = mapped_column(String(20))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReturnRetry(Base):
    """A scheduled re-presentment of a debit returned R01/R09 (at most two, within 180 days)."""

    __tablename__ = "return_retries"
    __table_args__ = (UniqueConstraint("original_payment_id", "attempt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    original_payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)  # 1 or 2
    amount: Mapped[Decimal] = mapped_column(Money)  # a reinitiated entry repeats the amount
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(10), default="scheduled")  # scheduled|done|cancelled
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    note: Mapped[str | None] = mapped_column(String(60))


class BankCorrection(Base):
    """A notification of change applied to a stored bank method (last 4 only, never full number)."""

    __tablename__ = "bank_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_method_id: Mapped[int] = mapped_column(ForeignKey("bank_methods.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    change_code: Mapped[str] = mapped_column(String(3))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RegEPreference(Base):
    """Reg E 1005.10(d)(2): a member may ask to be told only when a draft falls outside a range."""

    __tablename__ = "rege_preferences"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    range_low: Mapped[Decimal] = mapped_column(Money)
    range_high: Mapped[Decimal] = mapped_column(Money)
    # The member's election, captured with an AutoPay authorization (None for rows from before).
    authorization_id: Mapped[int | None] = mapped_column(ForeignKey("authorizations.id"))
    elected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RegENotice(Base):
    """Notice of a changed AutoPay amount, given at least 10 days before the draft it announces.

    `draft_on` is the date the notice announces. The draft itself waits until the notice was
    actually sent (its `member_notifications` row, `notification_key`, has `sent_at`: a text
    Twilio accepted or a released letter batch) plus 10 days, and the member's current draft day.
    `sequence` 0 is the month's draft, 1.. a second draft collecting a bill raised after it."""

    __tablename__ = "rege_notices"
    __table_args__ = (UniqueConstraint("account_id", "coverage_month", "sequence", "amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    coverage_month: Mapped[date] = mapped_column(Date)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    notification_key: Mapped[str | None] = mapped_column(String(120), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    previous_amount: Mapped[Decimal | None] = mapped_column(Money)
    noticed_on: Mapped[date] = mapped_column(Date)
    draft_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MemberNotification(Base):
    """Outbox of member notices (texts for opted-in members, letters otherwise). The SMS side sends
    and marks them; `dedupe_key` makes every notice at most once however often a job runs."""

    __tablename__ = "member_notifications"
    __table_args__ = (Index("ix_member_notifications_unsent", "channel", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(10))  # sms | mail
    language: Mapped[str] = mapped_column(String(5))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    send_after: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AccountStanding(Base):
    """The delinquency state the daily job last recorded for an account (the voice and chat answers
    read it for verified callers). Terminations stay final after the reinstatement window."""

    __tablename__ = "account_standings"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(12))  # current|past_due|grace|terminated
    reason: Mapped[str | None] = mapped_column(String(20))
    past_due_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    missed_month: Mapped[date | None] = mapped_column(Date)
    grace_ends: Mapped[date | None] = mapped_column(Date)
    coverage_ends: Mapped[date | None] = mapped_column(Date)
    terminated_on: Mapped[date | None] = mapped_column(Date)
    reinstate_by: Mapped[date | None] = mapped_column(Date)
    evaluated_on: Mapped[date] = mapped_column(Date, index=True)
    since: Mapped[date] = mapped_column(Date)


class StandingChange(Base):
    """History of state transitions, one row per change."""

    __tablename__ = "standing_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    on: Mapped[date] = mapped_column(Date)
    from_state: Mapped[str | None] = mapped_column(String(12))
    to_state: Mapped[str] = mapped_column(String(12))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class LetterBatch(Base):
    """A print batch of notices going by letter: one PDF per notice plus a manifest. Its notices
    count as sent only when the batch is released to the mail house (`released_at`)."""

    __tablename__ = "letter_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_date: Mapped[date] = mapped_column(Date)
    directory: Mapped[str] = mapped_column(String(200))
    letters: Mapped[int] = mapped_column(Integer, default=0)
    manifest_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NoticeLetter(Base):
    """A notice's place in a letter batch; unique notification, so a notice is printed once."""

    __tablename__ = "notice_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("letter_batches.id"), index=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("member_notifications.id"), unique=True)
    file_name: Mapped[str] = mapped_column(String(80))
    sha256: Mapped[str] = mapped_column(String(64))
