"""Due-date reminders: set-based selection into a ledger, then delivery.

Reg E notices of a changed AutoPay amount are not computed here: the back office decides who gets
them and when (`billing_core.backoffice.drafts.plan_rege_notices`) and `ivr.sms.notices` texts
them, so a member is told once. Rows of kind `autopay_notice` left by the retired SMS computation
are skipped, never sent.

Two phases, each safe to run from several processes at once:
1. `ledger_reminders` inserts one `sms_reminders` row per (account, coverage month, kind) with one
   INSERT ... SELECT ... ON CONFLICT DO NOTHING per target; the unique constraint makes a rerun
   or a concurrent runner a no-op.
2. `ReminderSender.run` claims pending rows in batches (`FOR UPDATE SKIP LOCKED` on Postgres,
   `BEGIN IMMEDIATE` on SQLite), marks them `sending`, sends inside quiet hours at the configured
   rate, and records each text with its ledger row in one transaction. Rows left `sending` by a
   crashed runner are reconciled after a lease: recorded -> sent, found at Twilio -> sent,
   otherwise back to pending. So a text is never sent twice and never silently dropped.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from billing_core.autopay_sql import autopay_covers_bill
from billing_core.billing_calendar import (
    DUE_DAY,
    EASTERN,
    add_months,
    due_at,
    eastern_date,
    first_of_month,
    utcnow,
)
from billing_core.ledger import NOT_CREDITED
from billing_core.models import Account, AutopayEnrollment, ContactPhone, Invoice, Payment
from billing_core.runtime import BillingRuntime
from billing_core.unit_of_work import UnitOfWork
from ivr.config import ChannelSettings
from ivr.sms.models import SmsMessage, SmsOptOut, SmsReminder
from ivr.sms.queue import LedgerSender, RateLimiter, _among
from ivr.sms.sender import OutgoingSms, SendResult, Transport
from messages.render import render

# Kind of the ledger rows the SMS job once wrote for Reg E notices; the back office owns those now.
LEGACY_AUTOPAY_NOTICE = "autopay_notice"


def _days(value: str | None, default: tuple[int, ...]) -> tuple[int, ...]:
    if not value:
        return default
    return tuple(sorted({int(v) for v in value.split(",") if v.strip()}))


def _flag(value: str | None, default: bool) -> bool:
    if not value:
        return default
    return value.strip().lower() not in {"0", "false", "no", "off"}


@dataclass(frozen=True)
class ReminderSettings:
    due_days: tuple[int, ...] = (7, 2)  # days before the 23rd
    past_due_days: tuple[int, ...] = (1,)  # days after the due date
    past_due_window_days: int = 7  # how long the last past-due notice stays sendable
    notice_window_days: int = 7  # how long a back-office notice stays sendable by text
    quiet_start: time = time(8, 0)
    quiet_end: time = time(21, 0)
    rate: float = 10.0  # messages per second per runner; 0 means no limit
    include_amounts: bool = True
    batch_size: int = 500
    lease: timedelta = timedelta(minutes=10)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ReminderSettings:
        env = dict(os.environ if env is None else env)
        return cls(
            due_days=_days(env.get("SMS_REMINDER_DAYS"), cls.due_days),
            past_due_days=_days(env.get("SMS_PAST_DUE_DAYS"), cls.past_due_days),
            past_due_window_days=int(env.get("SMS_PAST_DUE_WINDOW_DAYS") or 7),
            notice_window_days=int(env.get("SMS_NOTICE_WINDOW_DAYS") or 7),
            quiet_start=time(int(env.get("SMS_SENDING_HOURS_START") or 8)),
            quiet_end=time(int(env.get("SMS_SENDING_HOURS_END") or 21)),
            rate=float(env.get("SMS_RATE") or 10.0),
            include_amounts=_flag(env.get("SMS_INCLUDE_AMOUNTS"), True),
            batch_size=int(env.get("SMS_BATCH_SIZE") or 500),
            lease=timedelta(seconds=int(env.get("SMS_LEASE_SECONDS") or 600)),
        )


# ---------------------------------------------------------------------------------------------
# Phase 1: what is due today, and the ledger rows for it
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    kind: str
    coverage_month: date
    due_date: date  # Eastern calendar date of the due instant
    expires_at: datetime
    # Active AutoPay with a draft on or after this day of the bill's month covers the bill.
    draft_day_from: int


def _due_date(month: date) -> date:
    prior = add_months(month, -1)
    return prior.replace(day=DUE_DAY)


def _draft_day_from(month: date, today: date) -> int:
    """The first draft day still ahead for the bill of `month` (drafts are in the prior month)."""
    prior = add_months(month, -1)
    if today < prior:
        return 1
    if first_of_month(today) == prior:
        return today.day
    return 99


def _midnight(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=EASTERN).astimezone(UTC)


def targets_for(now: datetime, settings: ReminderSettings) -> list[Target]:
    """The (kind, coverage month) pairs whose sending window contains today (Eastern)."""
    today = eastern_date(now)
    base = first_of_month(today)
    targets: list[Target] = []
    for k in range(-2, 3):
        month = add_months(base, k)
        due = _due_date(month)
        due_instant = due_at(month)
        offsets = sorted(settings.due_days, reverse=True)
        for i, n in enumerate(offsets):
            start = due - timedelta(days=n)
            if i + 1 < len(offsets):
                inside = start <= today < due - timedelta(days=offsets[i + 1])
            else:
                inside = start <= today and now < due_instant
            if inside:
                targets.append(
                    Target(f"due_{n}d", month, due, due_instant, _draft_day_from(month, today))
                )
        past = sorted(settings.past_due_days)
        for i, n in enumerate(past):
            start = due + timedelta(days=n)
            end = due + timedelta(
                days=past[i + 1] if i + 1 < len(past) else n + settings.past_due_window_days
            )
            if start <= today < end and now >= due_instant:
                targets.append(Target(f"past_due_{n}d", month, due, _midnight(end), 99))
    return targets


def _cents(column: Any) -> ColumnElement[int]:
    """Money columns hold integer cents; work on them raw inside SQL."""
    return type_coerce(column, BigInteger)


def _eligible(session: Session, target: Target, now: datetime) -> Any:
    """SELECT of the ledger rows for one target: who owes on that bill and may be texted."""
    inv = Invoice.__table__
    newer = inv.alias("newer")
    month = target.coverage_month
    current = (
        select(inv.c.account_id, inv.c.coverage_month, _cents(inv.c.amount).label("amount"))
        .where(
            inv.c.coverage_month <= month,
            ~exists().where(
                newer.c.coverage_id == inv.c.coverage_id,
                newer.c.coverage_month == inv.c.coverage_month,
                newer.c.revision > inv.c.revision,
            ),
        )
        .subquery("cur")
    )
    billed = (
        select(
            current.c.account_id,
            func.sum(current.c.amount).label("through"),
            func.sum(case((current.c.coverage_month == month, current.c.amount), else_=0)).label(
                "billed_m"
            ),
        )
        .group_by(current.c.account_id)
        .subquery("billed")
    )
    pay = Payment.__table__
    credit = (
        select(pay.c.account_id, func.sum(_cents(pay.c.amount)).label("credit"))
        .where(pay.c.status.not_in(NOT_CREDITED))  # returned or cancelled pay nothing
        .group_by(pay.c.account_id)
        .subquery("credit")
    )
    cp = ContactPhone.__table__
    phone = (
        select(cp.c.account_id, func.min(cp.c.id).label("phone_id"))
        .where(
            cp.c.verified.is_(True),
            cp.c.sms_opt_in.is_(True),
            cp.c.opted_out_at.is_(None),
            ~exists().where(SmsOptOut.__table__.c.number == cp.c.number),
        )
        .group_by(cp.c.account_id)
        .subquery("phone")
    )
    chosen = cp.alias("chosen")
    acct = Account.__table__
    ae = AutopayEnrollment.__table__

    # Payments apply to the oldest bills first, so what is left on this month's bill is what
    # everything billed through it exceeds all credit by, capped at this month's amount.
    remaining = billed.c.through - func.coalesce(credit.c.credit, 0)
    outstanding = case((remaining > billed.c.billed_m, billed.c.billed_m), else_=remaining).label(
        "outstanding"
    )

    conditions: list[ColumnElement[bool]] = [billed.c.billed_m > 0, remaining > 0]
    event_date = literal(target.due_date)
    if target.kind.startswith("due_"):
        # Fully covered: an active AutoPay whose draft for this bill is still ahead.
        conditions.append(
            or_(ae.c.account_id.is_(None), ~autopay_covers_bill(ae, month, target.draft_day_from))
        )

    from_ = (
        billed.join(acct, acct.c.id == billed.c.account_id)
        .join(phone, phone.c.account_id == billed.c.account_id)
        .join(chosen, chosen.c.id == phone.c.phone_id)
        .outerjoin(credit, credit.c.account_id == billed.c.account_id)
        .outerjoin(ae, ae.c.account_id == billed.c.account_id)
    )
    return (
        select(
            acct.c.id,
            phone.c.phone_id,
            chosen.c.number,
            literal(month),
            literal(target.kind),
            acct.c.language,
            acct.c.timezone,
            outstanding,
            event_date,
            literal("pending"),
            literal(target.expires_at, SmsReminder.__table__.c.expires_at.type),
            literal(0),
            literal(now, SmsReminder.__table__.c.created_at.type),
        )
        .select_from(from_)
        .where(and_(*conditions))
    )


LEDGER_COLUMNS = (
    "account_id",
    "contact_phone_id",
    "number",
    "coverage_month",
    "kind",
    "locale",
    "timezone",
    "amount",
    "event_date",
    "status",
    "expires_at",
    "attempts",
    "created_at",
)


def ledger_reminders(
    uow: UnitOfWork, *, now: datetime, settings: ReminderSettings
) -> dict[str, int]:
    """Write the ledger rows due today; returns how many new rows per kind (0 on a rerun)."""
    session = uow.session
    dialect = session.get_bind().dialect.name
    table = SmsReminder.__table__
    counts: dict[str, int] = {}
    for target in targets_for(now, settings):
        ins = (postgresql if dialect == "postgresql" else sqlite).insert(table)
        stmt = ins.from_select(list(LEDGER_COLUMNS), _eligible(session, target, now))
        stmt = stmt.on_conflict_do_nothing(
            index_elements=[table.c.account_id, table.c.coverage_month, table.c.kind]
        )
        if dialect == "postgresql":
            # psycopg gives no row count for INSERT ... SELECT; count the inserted rows in SQL.
            inserted = stmt.returning(table.c.id).cte("inserted")
            added = session.scalar(select(func.count()).select_from(inserted)) or 0
        else:
            added = max(session.connection().execute(stmt).rowcount or 0, 0)
        counts[target.kind] = counts.get(target.kind, 0) + added
    session.flush()
    return counts


# ---------------------------------------------------------------------------------------------
# Phase 2: delivery
# ---------------------------------------------------------------------------------------------


@dataclass
class RunStats:
    ledgered: dict[str, int] = field(default_factory=dict)
    sent: int = 0
    skipped_opted_out: int = 0
    expired: int = 0
    failed: int = 0
    reconciled: int = 0
    deferred: int = 0  # pending texts waiting for sending hours
    transport_error: str | None = None


@dataclass(frozen=True)
class Claimed:
    id: int
    number: str
    kind: str
    locale: str
    amount: Any
    event_date: date


def reminder_text(row: Claimed | SmsReminder, settings: ReminderSettings) -> str:
    return _reminder_text(
        row.kind, row.locale, row.amount, row.event_date, settings.include_amounts
    )


@lru_cache(maxsize=65536)
def _reminder_text(
    kind: str, locale: str, amount: Any, event_date: date, include_amounts: bool
) -> str:
    """Many members share a premium and every one shares the due date: Babel formats each
    combination once per process (formatting dominated the outbox's cost)."""
    msg = "sms_reminder_past_due" if kind.startswith("past_due") else "sms_reminder_due"
    params: dict[str, object] = {"due_date": event_date}
    if include_amounts and amount is not None:
        params["amount"] = amount
    else:
        msg += "_no_amount"
    return render(msg, params, locale=locale, channel="sms")


class ReminderSender(LedgerSender[Claimed, RunStats]):
    """Delivers `sms_reminders` through the shared queue (`ivr.sms.queue`); a reminder's text is
    rendered when it is sent, and its messages point back at it by `reminder_id`."""

    model = SmsReminder
    claimed = Claimed
    stats_type = RunStats
    purpose = "reminder"

    def _body(self, row: Claimed | SmsReminder) -> str:
        return reminder_text(row, self.settings)

    def _reminder_id(self, row: Claimed | SmsReminder) -> int | None:
        return row.id

    def _skip_reason(self, row: Any) -> str | None:
        return "Reg E: back office notice" if row.kind == LEGACY_AUTOPAY_NOTICE else None

    def _known_sent(self, uow: UnitOfWork, row: SmsReminder) -> tuple[bool, str | None]:
        recorded = uow.session.scalars(
            select(SmsMessage).where(SmsMessage.reminder_id == row.id).limit(1)
        ).first()
        went = recorded is not None or row.message_sid is not None
        return went, row.message_sid or (recorded.sid if recorded else None)

    def _mark_sent(
        self, uow: UnitOfWork, done: list[tuple[Claimed, OutgoingSms, SendResult]], now: datetime
    ) -> None:
        # The SIDs were just written to sms_messages: copy them over in one statement.
        uow.session.execute(
            update(SmsReminder)
            .where(
                _among(uow.session, SmsReminder.id, [row.id for row, _sms, _result in done]),
                SmsMessage.reminder_id == SmsReminder.id,
            )
            .values(status="sent", sent_at=now, message_sid=SmsMessage.sid)
            .execution_options(synchronize_session=False)
        )


def run_reminders(
    runtime: BillingRuntime,
    transport: Transport,
    *,
    settings: ReminderSettings,
    channels: ChannelSettings | None = None,
    now: datetime | None = None,
    progress_factory: Callable[[int], Callable[[int], None]] | None = None,
    limiter: RateLimiter | None = None,
) -> RunStats:
    """Ledger today's reminders, then send every pending one that may be sent now."""
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    with runtime.uow() as uow:
        ledgered = ledger_reminders(uow, now=clock(), settings=settings)
    sender = ReminderSender(
        runtime, transport, settings, channels=channels, clock=clock, limiter=limiter
    )
    if progress_factory is not None:
        sender.progress = progress_factory(sender.pending_count())
    stats = sender.run()
    stats.ledgered = ledgered
    return stats
