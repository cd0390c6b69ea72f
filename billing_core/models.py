"""SQLAlchemy 2 declarative models of the billing domain. Invoices and payments are never edited in place
except for a payment's settlement status; corrections are new rows that point back."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from billing_core.types import Money, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Account(Base):
    """A payer: a member household, or a small employer group paying for its members."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_number: Mapped[str] = mapped_column(String(12), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="household")  # household | employer
    name: Mapped[str] = mapped_column(String(120))
    zip_code: Mapped[str] = mapped_column(String(10))
    date_of_birth: Mapped[date | None] = mapped_column(
        Date
    )  # primary subscriber; None for employers
    language: Mapped[str] = mapped_column(String(5), default="en")
    paperless: Mapped[bool] = mapped_column(Boolean, default=False)
    timezone: Mapped[str] = mapped_column(String(40), default="America/New_York")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    enrollees: Mapped[list[Enrollee]] = relationship(back_populates="account")
    phones: Mapped[list[ContactPhone]] = relationship(back_populates="account")


class ContactPhone(Base):
    """A phone number on an account; only verified numbers get account answers by text or caller ID."""

    __tablename__ = "contact_phones"
    __table_args__ = (UniqueConstraint("account_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    number: Mapped[str] = mapped_column(String(20), index=True)  # E.164
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    sms_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship(back_populates="phones")


class Enrollee(Base):
    __tablename__ = "enrollees"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    date_of_birth: Mapped[date] = mapped_column(Date)

    account: Mapped[Account] = relationship(back_populates="enrollees")
    coverages: Mapped[list[Coverage]] = relationship(back_populates="enrollee")


class Coverage(Base):
    """One enrollee's health or dental plan; each coverage is billed separately every month."""

    __tablename__ = "coverages"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollee_id: Mapped[int] = mapped_column(ForeignKey("enrollees.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    line: Mapped[str] = mapped_column(String(10))  # health | dental
    plan_name: Mapped[str] = mapped_column(String(120))
    monthly_premium: Mapped[Decimal] = mapped_column(Money)
    subsidized: Mapped[bool] = mapped_column(Boolean, default=False)  # APTC or ConnectorCare
    start_month: Mapped[date] = mapped_column(Date)  # first day of the first covered month
    end_month: Mapped[date | None] = mapped_column(Date)  # first day of the last covered month

    enrollee: Mapped[Enrollee] = relationship(back_populates="coverages")


class Invoice(Base):
    """The bill for one coverage and coverage month. A revision supersedes the earlier ones."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("coverage_id", "coverage_month", "revision"),
        Index("ix_invoices_account_month", "account_id", "coverage_month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_number: Mapped[str] = mapped_column(String(24), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    coverage_id: Mapped[int] = mapped_column(ForeignKey("coverages.id"))
    coverage_month: Mapped[date] = mapped_column(Date)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BankMethod(Base):
    """A payment method: a bank account for EFT or, with the card policy on, a card. Held one of
    two ways, never readable in the database:

    - keyed (bank accounts only): we hold the routing number and the account number encrypted;
      debits go out in our NACHA files;
    - tokenized: a payment connector (Twilio <Pay>) collected the numbers and its processor holds
      them; we keep only the processor's token (encrypted), and payments go through that processor
      (billing_core.backoffice.processor). Cards are always tokenized.
    """

    __tablename__ = "bank_methods"
    __table_args__ = (
        CheckConstraint(
            "(account_number_encrypted IS NULL) <> (processor_token_encrypted IS NULL)",
            name="keyed_or_tokenized",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)  # opaque, safe to pass to Rasa
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # checking | savings | card
    routing_number: Mapped[str | None] = mapped_column(String(9))  # None when the processor has it
    account_number_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    processor_token_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    connector: Mapped[str | None] = mapped_column(String(60))  # the Pay connector that tokenized
    last4: Mapped[str] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def tokenized(self) -> bool:
        return self.processor_token_encrypted is not None


class Authorization(Base):
    """What the member agreed to: the exact wording shown or spoken, when, where, and their answer."""

    __tablename__ = "authorizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(
        String(24)
    )  # one_time_debit | autopay_enroll | autopay_change ...
    channel: Mapped[str] = mapped_column(String(10))  # voice | sms | web | paper
    reference: Mapped[str] = mapped_column(String(64))  # CallSid, chat session, ...
    script_version: Mapped[str] = mapped_column(String(32))
    script_text: Mapped[str] = mapped_column(Text)
    consent_input: Mapped[str] = mapped_column(String(32))  # e.g. "speech:yes" or "dtmf:1"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Payment(Base):
    """A payment credited to an account. Amount and identity never change; status moves forward."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    confirmation_number: Mapped[str] = mapped_column(String(16), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    fee: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    method: Mapped[str] = mapped_column(String(10))  # eft | card | check
    channel: Mapped[str] = mapped_column(String(10))  # voice | sms | web | autopay | mail
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|settled|returned
    sec_code: Mapped[str | None] = mapped_column(String(3))  # TEL | WEB | PPD | CCD
    payment_type: Mapped[str | None] = mapped_column(String(1))  # S single | R recurring
    bank_method_id: Mapped[int | None] = mapped_column(ForeignKey("bank_methods.id"))
    authorization_id: Mapped[int | None] = mapped_column(ForeignKey("authorizations.id"))
    effective_date: Mapped[date] = mapped_column(Date)  # the debit date (Eastern)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AutopayEnrollment(Base):
    __tablename__ = "autopay_enrollments"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), unique=True)
    bank_method_id: Mapped[int] = mapped_column(ForeignKey("bank_methods.id"))
    draft_day: Mapped[int] = mapped_column(Integer)  # 1..23
    status: Mapped[str] = mapped_column(String(10))  # active|paused|suspended|cancelled
    authorization_id: Mapped[int] = mapped_column(ForeignKey("authorizations.id"))
    last_draft_amount: Mapped[Decimal | None] = mapped_column(Money)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The first coverage month this enrollment drafts (set at enrollment and on restart), and a
    # coverage month whose draft a one-draft pause skips (billing_core.autopay_schedule).
    first_month: Mapped[date | None] = mapped_column(Date)
    skip_month: Mapped[date | None] = mapped_column(Date)

    bank_method: Mapped[BankMethod] = relationship()


class VerificationAttempt(Base):
    __tablename__ = "verification_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_number: Mapped[str] = mapped_column(String(12), index=True)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    # Where the try came from: the conversation, and a web client's keyed address hash.
    session_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    client_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class AuditEvent(Base):
    """Who did what to an account, through which channel. Never holds bank numbers."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    reference: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
