"""Phase 1 of the notice job: one `sms_notices` row per back-office sms notice due today.

`ledger_notices` pages through unsent sms notices whose send date has come (rows locked `FOR UPDATE
SKIP LOCKED` on Postgres) and writes one `sms_notices` row per notice (unique `notification_id`,
ON CONFLICT DO NOTHING) with the text rendered in the notice's language. A notice that cannot go by
text — no verified, opted-in, not opted-out number any more, a param the text needs is missing, or
an amount when SMS_INCLUDE_AMOUNTS is off — is handed back to the letter run (`channel = 'mail'`),
never dropped. A past-due warning whose month already has a past-due reminder text counts as sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from billing_core.backoffice.models import MemberNotification
from billing_core.backoffice.notifications import mark_sent
from billing_core.billing_calendar import eastern_date
from billing_core.models import Account, ContactPhone
from billing_core.runtime import BillingRuntime
from billing_core.sql import insert_for, is_postgresql
from billing_core.unit_of_work import UnitOfWork
from ivr.sms.ledger_queue import among
from ivr.sms.models import SmsNotice, SmsOptOut, SmsReminder
from ivr.sms.notice_texts import KINDS, CannotText, iso_date, render_notice
from ivr.sms.reminder_settings import ReminderSettings
from messages.render import normalize_locale

log = logging.getLogger(__name__)


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
            among(uow.session, cp.account_id, account_ids),
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
                among(uow.session, MemberNotification.id, notification_ids),
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
        (r.account_id, iso_date(r.params.get("missed_month"))): r.id
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
            if is_postgresql(session):
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
                insert = insert_for(session)
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
