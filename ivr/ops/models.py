"""Console tables: staff users and their logins, labelled misses, and the daily rollups.

Rollups hold one closed day (America/New_York) each, computed once by `python -m ivr.ops rollup`
(cron) or on first view, so a 30-day page reads a few hundred small rows, not 6 M turns. They hold
counts only, except the misses' sample words, which are masked like the turns they come from.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from billing_core.models import AuditEvent, Base, Payment
from billing_core.types import UTCDateTime
from ivr.sms.models import SmsMessage


class OpsUser(Base):
    """A member of staff: viewer (charts) or analyst (charts and the masked misses)."""

    __tablename__ = "ops_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id
    role: Mapped[str] = mapped_column(String(10))  # viewer | analyst
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OpsLogin(Base):
    """Every login attempt, successful or not (the username as typed, cut to 60 characters)."""

    __tablename__ = "ops_logins"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60))
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    client: Mapped[str] = mapped_column(String(45))  # the client address
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class MissLabel(Base):
    """An analyst's intent for a group of missed words (by the group's key), exported for review."""

    __tablename__ = "ops_miss_labels"

    text_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    example: Mapped[str] = mapped_column(String(300))  # masked words
    intent: Mapped[str] = mapped_column(String(60))
    labelled_by: Mapped[str] = mapped_column(String(60))
    labelled_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DailyCount(Base):
    """A count (and an amount in cents, for money) of one metric, key, channel and language."""

    __tablename__ = "ops_daily_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    metric: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)
    language: Mapped[str] = mapped_column(String(5), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)
    cents: Mapped[int] = mapped_column(BigInteger, default=0)


class DailyLatency(Base):
    """Turn latency of one day and channel ("all" for every channel)."""

    __tablename__ = "ops_daily_latency"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)
    turns: Mapped[int] = mapped_column(Integer)
    p50_ms: Mapped[float] = mapped_column(Float)
    p95_ms: Mapped[float] = mapped_column(Float)


class DailyMiss(Base):
    """Missed words of one day, by group key: how often, and one masked example."""

    __tablename__ = "ops_daily_misses"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    text_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    fallbacks: Mapped[int] = mapped_column(Integer)
    example: Mapped[str] = mapped_column(String(300))
    intent: Mapped[str | None] = mapped_column(String(40))  # the NLU's most frequent guess


class RollupDay(Base):
    """A closed day whose rollups are stored (and when they were computed)."""

    __tablename__ = "ops_rollup_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())


# The console reads payments, AutoPay changes and reminder texts one day at a time; without these
# indexes each day would scan the whole table. Declared here, beside the queries that need them.
Index("ix_payments_created_at", Payment.__table__.c.created_at)
Index("ix_audit_events_action_at", AuditEvent.__table__.c.action, AuditEvent.__table__.c.at)
Index("ix_sms_messages_created_at", SmsMessage.__table__.c.created_at)
