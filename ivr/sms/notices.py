"""Back-office notices by text: the SMS side delivers what the back office decided.

The back office (`billing_core.backoffice`) decides who gets a notice and when — Reg E notices of a
changed AutoPay amount, ACH returns, retries, AutoPay suspension, delinquency steps — and records
one `member_notifications` row per notice (channel `sms` for members who opted in to texts). This
module never decides *whether* to notify; it texts the sms-channel rows with the reminders'
guarantees. It is the only source of Reg E texts: the reminder job no longer computes its own.

Two phases, each safe to run from several processes at once (like `ivr.sms.reminders`):
1. `ivr.sms.notice_ledger.ledger_notices` writes one `sms_notices` row per sms notice due today,
   its text rendered (`ivr.sms.notice_texts`), or hands the notice back to the letter run when
   it cannot go by text; never dropped.
2. `NoticeSender.run` claims pending ledger rows (SKIP LOCKED), re-checks consent, marks them
   `sending`, sends inside 8 AM–9 PM of the member's time zone (otherwise they wait: deferred) at
   the configured rate, and in one transaction records the text in `sms_messages` (purpose
   `notice`, dedupe key `notice:<ledger id>`), marks the ledger row sent and the notification sent
   (`billing_core.backoffice.notifications.mark_sent`). Rows a crashed runner left `sending` are
   reconciled after the lease: recorded -> sent, found at Twilio -> sent, else pending again.
   Delivery status callbacks update `sms_messages` by SID, as for reminders.

Run by `python -m ivr.sms remind` (reminders, then notices, one rate limit for both) or on its own
by `python -m ivr.sms notices`. A notice not sent by `send_after + SMS_NOTICE_WINDOW_DAYS` (or past
its own date: the draft, the retry, the end of grace, the reinstatement deadline) expires unsent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update

from billing_core.backoffice.notifications import mark_sent
from billing_core.billing_calendar import eastern_date, utcnow
from billing_core.runtime import BillingRuntime
from billing_core.unit_of_work import UnitOfWork
from ivr.config import ChannelSettings
from ivr.sms.ledger_sender import LedgerSender
from ivr.sms.models import SmsMessage, SmsNotice
from ivr.sms.notice_ledger import NoticeStats, ledger_notices, to_mail
from ivr.sms.pacing import RateLimiter
from ivr.sms.reminder_settings import ReminderSettings
from ivr.sms.reminders import RunStats, run_reminders
from ivr.sms.transport import OutgoingSms, SendResult, Transport

REG_E_LEAD_DAYS = 10  # Reg E §1005.10(d): notice at least this many days before the draft


@dataclass(frozen=True)
class Claimed:
    id: int
    notification_id: int
    number: str
    kind: str
    body: str
    event_date: date | None


class NoticeSender(LedgerSender[Claimed, NoticeStats]):
    """Delivers `sms_notices` through the shared queue (`ivr.sms.ledger_sender`): the body was rendered when
    the row was written; a sent text marks the notification sent, and a notice that will not go by
    text (opted out, refused by Twilio for good) goes back to the letter run."""

    model = SmsNotice
    claimed = Claimed
    stats_type = NoticeStats
    purpose = "notice"
    hand_back_note = "; by mail"
    stop_message = "SMS transport unavailable, stopping the notice run: %s"

    def _body(self, row: Claimed | SmsNotice) -> str:
        return row.body

    def _known_sent(self, uow: UnitOfWork, row: SmsNotice) -> tuple[bool, str | None]:
        recorded = uow.session.scalars(
            select(SmsMessage).where(SmsMessage.dedupe_key == f"notice:{row.id}")
        ).first()
        sid = recorded.sid if recorded is not None else row.message_sid
        return sid is not None, sid

    def _reconciled_sent(self, uow: UnitOfWork, row: SmsNotice, now: datetime) -> None:
        mark_sent(uow.session, [row.notification_id], now)

    def _hand_back(self, uow: UnitOfWork, rows: list[Claimed]) -> None:
        to_mail(uow, [row.notification_id for row in rows])
        self.stats.to_mail += len(rows)

    def _mark_sent(
        self, uow: UnitOfWork, done: list[tuple[Claimed, OutgoingSms, SendResult]], now: datetime
    ) -> None:
        uow.session.execute(
            update(SmsNotice),
            [
                {"id": row.id, "status": "sent", "sent_at": now, "message_sid": res.sid}
                for row, _sms, res in done
            ],
        )
        mark_sent(uow.session, [row.notification_id for row, _sms, _res in done], now)

    def _after_record(
        self, done: list[tuple[Claimed, OutgoingSms, SendResult]], now: datetime
    ) -> None:
        today = eastern_date(now)
        self.stats.late_rege += sum(
            1
            for row, _sms, _res in done
            if row.kind == "rege_amount_change"
            and row.event_date is not None
            and (row.event_date - today).days < REG_E_LEAD_DAYS
        )


def run_notices(
    runtime: BillingRuntime,
    transport: Transport,
    *,
    settings: ReminderSettings,
    channels: ChannelSettings | None = None,
    now: datetime | None = None,
    limiter: RateLimiter | None = None,
) -> NoticeStats:
    """Ledger the back office's sms notices due today, then send what may be sent now."""
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    stats = ledger_notices(runtime, now=clock(), settings=settings)
    sender = NoticeSender(
        runtime, transport, settings, channels=channels, clock=clock, limiter=limiter, stats=stats
    )
    return sender.run()


def run_sms_jobs(
    runtime: BillingRuntime,
    transport: Transport,
    *,
    settings: ReminderSettings,
    channels: ChannelSettings | None = None,
    now: datetime | None = None,
    progress_factory: Callable[[int], Callable[[int], None]] | None = None,
) -> tuple[RunStats, NoticeStats]:
    """The `remind` job: due-date reminders, then the back office's notices, one rate limit."""
    limiter = RateLimiter(settings.rate)
    reminders = run_reminders(
        runtime,
        transport,
        settings=settings,
        channels=channels,
        now=now,
        progress_factory=progress_factory,
        limiter=limiter,
    )
    notices = run_notices(
        runtime, transport, settings=settings, channels=channels, now=now, limiter=limiter
    )
    return reminders, notices
