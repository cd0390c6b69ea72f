"""Member notices as an outbox: jobs record them once; the SMS side (or a letter run) sends them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from billing_core.backoffice.models import MemberNotification
from billing_core.models import Account, ContactPhone
from billing_core.sql import insert_for

# Notice kinds the SMS and letter renderers must know (message ids in the catalogs).
KINDS = (
    "payment_returned",
    "card_declined",
    "autopay_suspended",
    "retry_scheduled",
    "rege_amount_change",
    "past_due_warning",
    "grace_started",
    "termination_warning",
    "coverage_terminated",
    "coverage_line_terminated",
    "coverage_not_started",
    "coverage_reinstated",
    "autopay_written_copy",
    "autopay_paused_copy",
    "autopay_resumed_copy",
)


class Notifier(Protocol):
    def notify(
        self, account: Account, kind: str, params: dict, *, dedupe_key: str, on: date
    ) -> None: ...


def _texts_allowed(session: Session, account_id: int) -> bool:
    return (
        session.scalar(
            select(ContactPhone.id).where(
                ContactPhone.account_id == account_id,
                ContactPhone.sms_opt_in.is_(True),
                ContactPhone.opted_out_at.is_(None),
            )
        )
        is not None
    )


class OutboxNotifier:
    """Writes one MemberNotification per dedupe key (INSERT ... ON CONFLICT DO NOTHING), in the
    caller's transaction, so a notice exists exactly when the state change that caused it does."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now

    def notify(
        self, account: Account, kind: str, params: dict, *, dedupe_key: str, on: date
    ) -> None:
        assert kind in KINDS, kind
        self.session.execute(
            insert_for(self.session)(MemberNotification)
            .values(
                account_id=account.id,
                kind=kind,
                channel="sms" if _texts_allowed(self.session, account.id) else "mail",
                language=account.language or "en",
                params=params,
                dedupe_key=dedupe_key,
                send_after=on,
                created_at=self.now,
            )
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
        )


def due_notifications(
    session: Session, *, channel: str, on: date, limit: int = 500, kinds: tuple[str, ...] = KINDS
) -> list[MemberNotification]:
    """Unsent notices of a channel whose send date has come, oldest first. On Postgres the rows are
    locked with SKIP LOCKED so several senders can share the queue; mark them with `mark_sent`."""
    stmt = (
        select(MemberNotification)
        .where(
            MemberNotification.channel == channel,
            MemberNotification.sent_at.is_(None),
            MemberNotification.send_after <= on,
            MemberNotification.kind.in_(kinds),
        )
        .order_by(MemberNotification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(stmt))


def due_rege_notices(session: Session, *, on: date, limit: int = 500) -> list[MemberNotification]:
    """Reg E amount-change notices to send today (texts and letters alike)."""
    stmt = (
        select(MemberNotification)
        .where(
            MemberNotification.kind == "rege_amount_change",
            MemberNotification.sent_at.is_(None),
            MemberNotification.send_after <= on,
        )
        .order_by(MemberNotification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(stmt))


def mark_sent(session: Session, notification_ids: list[int], at: datetime) -> None:
    session.execute(
        update(MemberNotification)
        .where(MemberNotification.id.in_(notification_ids), MemberNotification.sent_at.is_(None))
        .values(sent_at=at)
    )
