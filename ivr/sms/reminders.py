"""Due-date reminders: ledger today's reminders, then deliver them.

Reg E notices of a changed AutoPay amount are not computed here: the back office decides who gets
them and when (`billing_core.backoffice.drafts.plan_rege_notices`) and `ivr.sms.notices` texts
them, so a member is told once. Rows of kind `autopay_notice` left by the retired SMS computation
are skipped, never sent.

Two phases, each safe to run from several processes at once:
1. `ivr.sms.reminder_ledger.ledger_reminders` inserts one `sms_reminders` row per (account,
   coverage month, kind) for the accounts `billing_core.reminder_eligibility` names; the unique
   constraint makes a rerun or a concurrent runner a no-op.
2. `ReminderSender.run` claims pending rows in batches (`FOR UPDATE SKIP LOCKED` on Postgres,
   `BEGIN IMMEDIATE` on SQLite), marks them `sending`, sends inside quiet hours at the configured
   rate, and records each text with its ledger row in one transaction. Rows left `sending` by a
   crashed runner are reconciled after a lease: recorded -> sent, found at Twilio -> sent,
   otherwise back to pending. So a text is never sent twice and never silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select, update

from billing_core.billing_calendar import utcnow
from billing_core.runtime import BillingRuntime
from billing_core.unit_of_work import UnitOfWork
from ivr.config import ChannelSettings
from ivr.sms.ledger_queue import among
from ivr.sms.ledger_sender import LedgerSender
from ivr.sms.models import SmsMessage, SmsReminder
from ivr.sms.pacing import RateLimiter
from ivr.sms.reminder_ledger import ledger_reminders
from ivr.sms.reminder_settings import ReminderSettings
from ivr.sms.transport import OutgoingSms, SendResult, Transport
from messages.render import render

# Kind of the ledger rows the SMS job once wrote for Reg E notices; the back office owns those now.
LEGACY_AUTOPAY_NOTICE = "autopay_notice"


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
    """Delivers `sms_reminders` through the shared queue (`ivr.sms.ledger_sender`); a reminder's text is
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
                among(uow.session, SmsReminder.id, [row.id for row, _sms, _result in done]),
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
