"""A ledger table as a queue that several runners claim from, exactly once.

A ledger table (`sms_reminders`, `sms_notices`) holds one row per text, written before anything is
sent; `status` makes it a queue: pending -> sending -> sent | skipped | expired | failed.
`LedgerQueue` expires what can no longer go, and claims pending rows in batches (`FOR UPDATE SKIP
LOCKED`) for the time zones inside sending hours, re-checking consent (a row opted out since it was
written is skipped and handed back). `ivr.sms.ledger_sender.LedgerSender` sends what was claimed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from sqlalchemy import ARRAY, ColumnElement, any_, func, literal, or_, select, update
from sqlalchemy.orm import Session

from billing_core.billing_calendar import utcnow
from billing_core.models import ContactPhone
from billing_core.runtime import BillingRuntime
from billing_core.sql import is_postgresql
from billing_core.unit_of_work import UnitOfWork
from ivr.sms.models import SmsOptOut
from ivr.sms.pacing import default_runner_id
from ivr.sms.reminder_settings import ReminderSettings


def among(session: Session, column: Any, values: list[Any]) -> ColumnElement[bool]:
    """`column IN values`; on Postgres as `= ANY(array)`, one bind parameter however many values
    (keeps the statement short so the driver can cache it)."""
    if is_postgresql(session):
        return column == any_(literal(values, ARRAY(column.type)))
    return column.in_(values)


class QueueStats(Protocol):
    """The counters every ledger's run keeps (`RunStats`, `NoticeStats`)."""

    sent: int
    skipped_opted_out: int
    expired: int
    failed: int
    reconciled: int
    deferred: int
    transport_error: str | None


class ClaimedRow(Protocol):
    id: int
    number: str


C = TypeVar("C", bound=ClaimedRow)
S = TypeVar("S", bound=QueueStats)


class LedgerQueue(Generic[C, S]):
    """The claimable queue of one ledger table; see the module docstring.

    `claimed` is a frozen dataclass whose fields are all columns of `model`: a claim selects those
    columns and builds one per row that is going out.
    """

    model: ClassVar[Any]  # the ledger table (an ORM class with the queue columns)
    claimed: ClassVar[type]  # the dataclass a claimed row becomes
    stats_type: ClassVar[Callable[[], Any]]
    hand_back_note: ClassVar[str] = ""  # appended to the detail of a row that will not be texted

    def __init__(
        self,
        runtime: BillingRuntime,
        settings: ReminderSettings,
        *,
        clock: Callable[[], datetime] = utcnow,
        runner_id: str | None = None,
        stats: S | None = None,
    ) -> None:
        self.runtime = runtime
        self.settings = settings
        self.clock = clock
        self.runner_id = runner_id or default_runner_id()
        self.stats: S = stats or self.stats_type()

    # -- hooks ------------------------------------------------------------------------------

    def _skip_reason(self, row: Any) -> str | None:
        """A pending row that is never to be sent (marked skipped with this detail)."""
        return None

    def _hand_back(self, uow: UnitOfWork, rows: list[C]) -> None:
        """Rows that will not go by text (opted out, refused for good), in their transaction."""

    # -- the queue --------------------------------------------------------------------------

    def pending_count(self) -> int:
        model = self.model
        with self.runtime.uow() as uow:
            return (
                uow.session.scalar(
                    select(func.count()).select_from(model).where(model.status == "pending")
                )
                or 0
            )

    def _expire(self, now: datetime) -> None:
        model = self.model
        with self.runtime.uow() as uow:
            result = uow.session.execute(
                update(model)
                .where(model.status == "pending", model.expires_at <= now)
                .values(status="expired", detail="window passed")
                .execution_options(synchronize_session=False)
            )
            self.stats.expired += max(result.rowcount or 0, 0)  # type: ignore[attr-defined]

    def _claim(self, zones: list[str], now: datetime) -> list[C]:
        model = self.model
        fields = [f.name for f in dataclasses.fields(self.claimed)]

        def as_claimed(r: Any) -> C:
            return self.claimed(*(getattr(r, name) for name in fields))  # type: ignore[no-any-return]

        with self.runtime.uow() as uow:
            session = uow.session
            rows = session.execute(
                select(
                    *(getattr(model, name) for name in fields),
                    model.expires_at,
                    model.contact_phone_id,
                )
                .where(model.status == "pending", model.timezone.in_(zones))
                .order_by(model.id)
                .limit(self.settings.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return []
            opted_out = set(
                session.scalars(
                    select(SmsOptOut.number).where(
                        among(session, SmsOptOut.number, sorted({r.number for r in rows}))
                    )
                )
            )
            no_consent = set(
                session.scalars(
                    select(ContactPhone.id).where(
                        among(session, ContactPhone.id, sorted({r.contact_phone_id for r in rows})),
                        or_(
                            ContactPhone.opted_out_at.is_not(None),
                            ContactPhone.sms_opt_in.is_(False),
                            ContactPhone.verified.is_(False),
                        ),
                    )
                )
            )
            claimed: list[C] = []
            refused: list[C] = []  # opted out since the row was written
            changes: list[dict[str, Any]] = []  # the few rows that will not be sent
            for r in rows:
                skip = self._skip_reason(r)
                if skip is not None:
                    changes.append({"id": r.id, "status": "skipped", "detail": skip})
                elif r.number in opted_out or r.contact_phone_id in no_consent:
                    detail = "opted out" + self.hand_back_note
                    changes.append({"id": r.id, "status": "skipped", "detail": detail})
                    refused.append(as_claimed(r))
                    self.stats.skipped_opted_out += 1
                elif r.expires_at <= now:
                    changes.append({"id": r.id, "status": "expired", "detail": "window passed"})
                    self.stats.expired += 1
                else:
                    claimed.append(as_claimed(r))
            self._bulk_update(uow, changes)
            self._hand_back(uow, refused)
            if claimed:
                session.execute(
                    update(model)
                    .where(among(session, model.id, [c.id for c in claimed]))
                    .values(
                        status="sending",
                        claimed_at=now,
                        claimed_by=self.runner_id,
                        attempts=model.attempts + 1,
                    )
                    .execution_options(synchronize_session=False)
                )
        return claimed

    def _bulk_update(self, uow: UnitOfWork, changes: list[dict[str, Any]]) -> None:
        # Group by key set: an ORM bulk UPDATE by primary key needs the same columns in each row.
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for change in changes:
            groups.setdefault(tuple(sorted(change)), []).append(change)
        for group in groups.values():
            uow.session.execute(update(self.model), group)

    def _release(self, rows: list[C]) -> None:
        if not rows:
            return
        with self.runtime.uow() as uow:
            self._bulk_update(
                uow,
                [
                    {"id": r.id, "status": "pending", "claimed_by": None, "claimed_at": None}
                    for r in rows
                ],
            )
