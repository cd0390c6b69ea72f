"""Back-office notices by text: the SMS side delivers what the back office decided.

The back office (`billing_core.backoffice`) decides who gets a notice and when — Reg E notices of a
changed AutoPay amount, ACH returns, retries, AutoPay suspension, delinquency steps — and records
one `member_notifications` row per notice (channel `sms` for members who opted in to texts). This
module never decides *whether* to notify; it texts the sms-channel rows with the reminders'
guarantees. It is the only source of Reg E texts: the reminder job no longer computes its own.

Two phases, each safe to run from several processes at once (like `ivr.sms.reminders`):
1. `ledger_notices` pages through unsent sms notices whose send date has come (rows locked
   `FOR UPDATE SKIP LOCKED` on Postgres) and writes one `sms_notices` row per notice (unique
   `notification_id`, ON CONFLICT DO NOTHING) with the text rendered in the notice's language.
   A notice that cannot go by text — no verified, opted-in, not opted-out number any more, a
   param the text needs is missing, or an amount when SMS_INCLUDE_AMOUNTS is off — is handed back
   to the letter run (`channel = 'mail'`), never dropped.
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

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from billing_core.backoffice.models import MemberNotification
from billing_core.backoffice.notifications import mark_sent
from billing_core.billing_calendar import eastern_date, utcnow
from billing_core.models import Account, ContactPhone
from billing_core.runtime import BillingRuntime
from billing_core.unit_of_work import UnitOfWork
from ivr.config import ChannelSettings
from ivr.sms.models import SmsMessage, SmsNotice, SmsOptOut, SmsReminder
from ivr.sms.queue import LedgerSender, RateLimiter, _among
from ivr.sms.reminders import ReminderSettings, RunStats, _midnight, run_reminders
from ivr.sms.sender import OutgoingSms, SendResult, Transport
from messages.render import normalize_locale, render

log = logging.getLogger(__name__)

REG_E_LEAD_DAYS = 10  # Reg E §1005.10(d): notice at least this many days before the draft


def _iso(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def _money(value: Any) -> Decimal | None:
    return Decimal(str(value)) if value not in (None, "") else None


@dataclass(frozen=True)
class NoticeText:
    """How a notice kind is worded: the back office's params -> the message's params."""

    params: Callable[[Mapping[str, Any]], dict[str, Any]]
    event: str | None = None  # the message param whose date ends the notice's usefulness
    event_grace_days: int = 0  # still sendable this many days after that date
    has_amount: bool = False  # an amount is the point of the text (none when amounts are off)


TEXTS: dict[str, NoticeText] = {
    "autopay_written_copy": NoticeText(
        lambda p: {
            "authorized_date": _iso(p.get("authorized_date")),
            "draft_day": p.get("draft_day"),
        }
    ),
    "autopay_paused_copy": NoticeText(
        lambda p: {
            "authorized_date": _iso(p.get("authorized_date")),
            "skip_draft_date": _iso(p.get("skip_draft_date")),
            "due_date": _iso(p.get("due_date")),
            "resume_draft_date": _iso(p.get("resume_draft_date")),
        }
    ),
    "autopay_resumed_copy": NoticeText(
        lambda p: {
            "authorized_date": _iso(p.get("authorized_date")),
            "due_date": _iso(p.get("due_date")),
        }
    ),
    "payment_returned": NoticeText(lambda p: {"amount": _money(p.get("amount"))}, has_amount=True),
    "card_declined": NoticeText(lambda p: {"amount": _money(p.get("amount"))}, has_amount=True),
    "autopay_suspended": NoticeText(lambda p: {}),
    "retry_scheduled": NoticeText(
        lambda p: {"amount": _money(p.get("amount")), "retry_date": _iso(p.get("date"))},
        event="retry_date",
        has_amount=True,
    ),
    "rege_amount_change": NoticeText(
        lambda p: {
            "previous_amount": _money(p.get("previous_amount")),
            "amount": _money(p.get("amount")),
            "draft_date": _iso(p.get("draft_date")),
        },
        event="draft_date",
        has_amount=True,
    ),
    "past_due_warning": NoticeText(lambda p: {}),
    "grace_started": NoticeText(
        lambda p: {"grace_end_date": _iso(p.get("grace_ends"))},
        event="grace_end_date",
        event_grace_days=1,
    ),
    "termination_warning": NoticeText(
        lambda p: {"grace_end_date": _iso(p.get("grace_ends"))},
        event="grace_end_date",
        event_grace_days=1,
    ),
    "coverage_terminated": NoticeText(
        lambda p: {
            "coverage_end_date": _iso(p.get("coverage_ends")),
            "reinstate_date": _iso(p.get("reinstate_by")),
        },
        event="reinstate_date",
        event_grace_days=1,
    ),
    "coverage_line_terminated": NoticeText(
        lambda p: {
            "coverage_line": p.get("line"),
            "coverage_end_date": _iso(p.get("coverage_ends")),
            "reinstate_date": _iso(p.get("reinstate_by")),
        },
        event="reinstate_date",
        event_grace_days=1,
    ),
    "coverage_not_started": NoticeText(lambda p: {}),
    "coverage_reinstated": NoticeText(lambda p: {}),
}
KINDS = tuple(TEXTS)


def message_id(kind: str) -> str:
    return f"sms_notice_{kind}"


class CannotText(Exception):
    """This notice cannot go by text; it goes by letter instead. The message is safe to log."""


@dataclass(frozen=True)
class Rendered:
    body: str
    event_date: date | None
    expires_at: datetime


def render_notice(
    kind: str,
    params: Mapping[str, Any],
    locale: str,
    send_after: date,
    settings: ReminderSettings,
) -> Rendered:
    spec = TEXTS[kind]
    values = spec.params(params or {})
    missing = sorted(k for k, v in values.items() if v is None)
    if missing:
        raise CannotText(f"missing {', '.join(missing)}")
    if spec.has_amount and not settings.include_amounts:
        raise CannotText("amounts not allowed in texts")
    body = render(message_id(kind), values, locale=normalize_locale(locale), channel="sms")
    last_day = send_after + timedelta(days=settings.notice_window_days)
    event_date = values[spec.event] if spec.event else None
    if event_date is not None:
        last_day = min(last_day, event_date + timedelta(days=spec.event_grace_days))
    return Rendered(body, event_date, _midnight(last_day))


@dataclass
class NoticeStats:
    ledgered: dict[str, int] = field(default_factory=dict)
    to_mail: int = 0  # handed back to the letter run
    sent: int = 0
    skipped_opted_out: int = 0
    expired: int = 0
    failed: int = 0
    reconciled: int = 0
    deferred: int = 0
    late_rege: int = 0  # Reg E texts sent less than 10 days before the draft
    covered_by_reminder: int = 0  # past-due warnings the reminder job already texted
    transport_error: str | None = None


# ---------------------------------------------------------------------------------------------
# Phase 1: ledger rows for the notices due today
# ---------------------------------------------------------------------------------------------


def _textable_phones(uow: UnitOfWork, account_ids: list[int]) -> dict[int, tuple[int, str]]:
    """account id -> (contact phone id, number): the first verified, opted-in number that has
    not opted out (on the phone or by a STOP to the number)."""
    cp = ContactPhone
    rows = uow.session.execute(
        select(cp.account_id, cp.id, cp.number)
        .where(
            _among(uow.session, cp.account_id, account_ids),
            cp.verified.is_(True),
            cp.sms_opt_in.is_(True),
            cp.opted_out_at.is_(None),
            ~select(SmsOptOut.number).where(SmsOptOut.number == cp.number).exists(),
        )
        .order_by(cp.account_id, cp.id)
    ).all()
    phones: dict[int, tuple[int, str]] = {}
    for account_id, phone_id, number in rows:
        phones.setdefault(account_id, (phone_id, number))
    return phones


def to_mail(uow: UnitOfWork, notification_ids: list[int]) -> None:
    """Give notices we may not text back to the letter run (only while still unsent)."""
    if notification_ids:
        uow.session.execute(
            update(MemberNotification)
            .where(
                _among(uow.session, MemberNotification.id, notification_ids),
                MemberNotification.sent_at.is_(None),
            )
            .values(channel="mail")
            .execution_options(synchronize_session=False)
        )


def _already_texted_past_due(uow: UnitOfWork, rows: list[Any]) -> list[int]:
    """Past-due warnings whose month already has a past-due reminder text (sent or queued).

    The reminder job's past-due text says the same thing with the amount and date, so the back
    office's warning is taken as delivered rather than texting the member twice.
    """
    wanted = {
        (r.account_id, _iso(r.params.get("missed_month"))): r.id
        for r in rows
        if r.kind == "past_due_warning" and r.params.get("missed_month")
    }
    if not wanted:
        return []
    texted = uow.session.execute(
        select(SmsReminder.account_id, SmsReminder.coverage_month).where(
            SmsReminder.account_id.in_({account for account, _ in wanted}),
            SmsReminder.kind.like("past_due%"),
            SmsReminder.status.in_(("pending", "sending", "sent")),
        )
    ).all()
    return sorted(wanted[key] for key in map(tuple, texted) if key in wanted)


def ledger_notices(
    runtime: BillingRuntime,
    *,
    now: datetime,
    settings: ReminderSettings,
    stats: NoticeStats | None = None,
) -> NoticeStats:
    """Write a ledger row for every sms notice due today; returns counts (0 new rows on a rerun)."""
    stats = stats or NoticeStats()
    today = eastern_date(now)
    mn = MemberNotification
    after = 0
    while True:
        with runtime.uow() as uow:
            session = uow.session
            stmt = (
                select(
                    mn.id,
                    mn.account_id,
                    mn.kind,
                    mn.language,
                    mn.params,
                    mn.send_after,
                    Account.timezone,
                )
                .join(Account, Account.id == mn.account_id)
                .where(
                    mn.id > after,
                    mn.channel == "sms",
                    mn.sent_at.is_(None),
                    mn.send_after <= today,
                    mn.kind.in_(KINDS),
                    ~select(SmsNotice.id).where(SmsNotice.notification_id == mn.id).exists(),
                )
                .order_by(mn.id)
                .limit(settings.batch_size)
            )
            if session.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True, of=mn)
            rows = session.execute(stmt).all()
            if not rows:
                return stats
            after = rows[-1].id
            phones = _textable_phones(uow, sorted({r.account_id for r in rows}))
            covered = _already_texted_past_due(uow, rows)
            if covered:
                mark_sent(session, covered, now)
                stats.covered_by_reminder += len(covered)
            ledger: list[dict[str, Any]] = []
            mail: list[int] = []
            for r in rows:
                if r.id in covered:
                    continue
                phone = phones.get(r.account_id)
                if phone is None:
                    mail.append(r.id)
                    continue
                try:
                    text = render_notice(r.kind, r.params, r.language, r.send_after, settings)
                except CannotText as exc:
                    log.info("notice %s (%s) goes by letter: %s", r.id, r.kind, exc)
                    mail.append(r.id)
                    continue
                ledger.append(
                    {
                        "notification_id": r.id,
                        "account_id": r.account_id,
                        "contact_phone_id": phone[0],
                        "number": phone[1],
                        "kind": r.kind,
                        "locale": normalize_locale(r.language),
                        "timezone": r.timezone or "America/New_York",
                        "body": text.body,
                        "event_date": text.event_date,
                        "status": "pending",
                        "expires_at": text.expires_at,
                        "attempts": 0,
                        "created_at": now,
                    }
                )
            to_mail(uow, mail)
            stats.to_mail += len(mail)
            if ledger:
                insert = (
                    postgresql.insert
                    if session.get_bind().dialect.name == "postgresql"
                    else sqlite.insert
                )
                table = SmsNotice.__table__
                added = (
                    session.execute(
                        insert(table)
                        .on_conflict_do_nothing(index_elements=[table.c.notification_id])
                        .returning(table.c.kind),
                        ledger,
                    )
                    .scalars()
                    .all()
                )
                for kind in added:
                    stats.ledgered[kind] = stats.ledgered.get(kind, 0) + 1


# ---------------------------------------------------------------------------------------------
# Phase 2: delivery
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    id: int
    notification_id: int
    number: str
    kind: str
    body: str
    event_date: date | None


class NoticeSender(LedgerSender[Claimed, NoticeStats]):
    """Delivers `sms_notices` through the shared queue (`ivr.sms.queue`): the body was rendered when
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
