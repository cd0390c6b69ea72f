"""The exactly-once delivery queue shared by the reminder and notice ledgers.

A ledger table (`sms_reminders`, `sms_notices`) holds one row per text, written before anything is
sent; `status` makes it a queue that several runners claim from:
pending -> sending -> sent | skipped | expired | failed.

`LedgerSender.run` expires what can no longer go, reconciles rows a crashed runner left `sending`
(after the lease: recorded -> sent, found at Twilio -> sent, otherwise back to pending), then claims
pending rows in batches (`FOR UPDATE SKIP LOCKED`) for the time zones inside sending hours, re-checks
consent, sends at the configured rate and records each text in `sms_messages` with its ledger row in
one transaction. A text is never sent twice and never silently dropped.

A subclass names its ledger model, its claimed-row type and `sms_messages` purpose (also the
dedupe-key prefix), and fills in a few hooks: the text of a row, how rows are marked sent, what
happens to a row that will not go by text.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import time as _time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ARRAY, ColumnElement, any_, func, literal, or_, select, update
from sqlalchemy.orm import Session

from billing_core.billing_calendar import EASTERN, utcnow
from billing_core.models import ContactPhone
from billing_core.runtime import BillingRuntime
from billing_core.unit_of_work import UnitOfWork
from ivr.config import ChannelSettings
from ivr.sms import consent
from ivr.sms.models import SmsOptOut
from ivr.sms.sender import (
    OPTED_OUT_ERROR,
    OutgoingSms,
    SendResult,
    SmsRejected,
    Transport,
    TransportUnavailable,
    message_row,
    status_callback_url,
    upsert_messages,
)

if TYPE_CHECKING:
    from ivr.sms.reminders import ReminderSettings


def _among(session: Session, column: Any, values: list[Any]) -> ColumnElement[bool]:
    """`column IN values`; on Postgres as `= ANY(array)`, one bind parameter however many values
    (keeps the statement short so the driver can cache it)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(values, ARRAY(column.type)))
    return column.in_(values)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return EASTERN


def inside_sending_hours(zone: str, now: datetime, settings: ReminderSettings) -> bool:
    """TCPA quiet hours: text only from 8 AM to 9 PM where the member lives."""
    local = now.astimezone(_zone(zone)).time()
    return settings.quiet_start <= local < settings.quiet_end


class RateLimiter:
    """Spaces sends evenly at `rate` per second (no bursts); rate <= 0 never waits."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = _time.monotonic,
        sleep: Callable[[float], None] = _time.sleep,
    ):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self._next = 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        now = self.clock()
        if self._next > now:
            self.sleep(self._next - now)
            now = self._next
        self._next = max(self._next, now) + self.interval


def default_runner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{id(object()) & 0xFFFF:x}"[:60]


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


class LedgerSender(Generic[C, S]):
    """Delivers the pending rows of one ledger table; see the module docstring.

    `claimed` is a frozen dataclass whose fields are all columns of `model`: a claim selects those
    columns and builds one per row that is going out.
    """

    model: ClassVar[Any]  # the ledger table (an ORM class with the queue columns)
    claimed: ClassVar[type]  # the dataclass a claimed row becomes
    stats_type: ClassVar[Callable[[], Any]]
    purpose: ClassVar[str]  # sms_messages.purpose, and the dedupe key's prefix
    hand_back_note: ClassVar[str] = ""  # appended to the detail of a row that will not be texted
    stop_message: ClassVar[str] = "SMS transport unavailable, stopping this run: %s"

    def __init__(
        self,
        runtime: BillingRuntime,
        transport: Transport,
        settings: ReminderSettings,
        *,
        channels: ChannelSettings | None = None,
        clock: Callable[[], datetime] = utcnow,
        runner_id: str | None = None,
        progress: Callable[[int], None] | None = None,
        limiter: RateLimiter | None = None,
        stats: S | None = None,
    ) -> None:
        self.runtime = runtime
        self.transport = transport
        self.settings = settings
        self.channels = channels or ChannelSettings.from_env()
        self.clock = clock
        self.runner_id = runner_id or default_runner_id()
        self.progress = progress or (lambda n: None)
        self.limiter = limiter or RateLimiter(settings.rate)
        self.stats: S = stats or self.stats_type()
        self.log = logging.getLogger(type(self).__module__)

    # -- hooks ------------------------------------------------------------------------------

    def _body(self, row: Any) -> str:
        """The text of a claimed row (or of a ledger row being reconciled)."""
        raise NotImplementedError

    def _reminder_id(self, row: Any) -> int | None:
        """`sms_messages.reminder_id` and the status callback's `r` parameter."""
        return None

    def _skip_reason(self, row: Any) -> str | None:
        """A pending row that is never to be sent (marked skipped with this detail)."""
        return None

    def _known_sent(self, uow: UnitOfWork, row: Any) -> tuple[bool, str | None]:
        """After a crash, before asking the transport: (did the text go, its SID)."""
        raise NotImplementedError

    def _mark_sent(
        self, uow: UnitOfWork, done: list[tuple[C, OutgoingSms, SendResult]], now: datetime
    ) -> None:
        """Mark the ledger rows of the texts just written to `sms_messages` sent."""
        raise NotImplementedError

    def _after_record(self, done: list[tuple[C, OutgoingSms, SendResult]], now: datetime) -> None:
        """After the texts are committed and counted."""

    def _reconciled_sent(self, uow: UnitOfWork, row: Any, now: datetime) -> None:
        """A row found sent after a crash, in the reconciling transaction."""

    def _hand_back(self, uow: UnitOfWork, rows: list[C]) -> None:
        """Rows that will not go by text (opted out, refused for good), in their transaction."""

    # -- bookkeeping ------------------------------------------------------------------------

    def _message(self, row: Any, sms: OutgoingSms, result: SendResult, now: datetime) -> Any:
        return message_row(
            purpose=self.purpose,
            sms=sms,
            result=result,
            transport=self.transport.name,
            now=now,
            dedupe_key=f"{self.purpose}:{row.id}",
            reminder_id=self._reminder_id(row),
        )

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

    def _recover_stale(self, now: datetime) -> None:
        """Rows a crashed runner left `sending`: find out whether the text went, never guess."""
        model = self.model
        while True:
            with self.runtime.uow() as uow:
                stale = uow.session.scalars(
                    select(model)
                    .where(
                        model.status == "sending",
                        model.claimed_at < now - self.settings.lease,
                    )
                    .order_by(model.id)
                    .limit(self.settings.batch_size)
                    .with_for_update(skip_locked=True)
                ).all()
                if not stale:
                    return
                for row in stale:
                    self._reconcile(uow, row, now)

    def _reconcile(self, uow: UnitOfWork, row: Any, now: datetime) -> None:
        went, sid = self._known_sent(uow, row)
        if not went:
            body = self._body(row)
            found = self.transport.lookup(row.number, body, row.claimed_at or now)
            if found is not None:
                upsert_messages(
                    uow, [self._message(row, OutgoingSms(row.number, body), found, now)]
                )
                sid = found.sid
                went = sid is not None
        if went:
            row.status, row.message_sid = "sent", sid
            row.sent_at = row.sent_at or now
            row.detail = "reconciled after a crash"
            self._reconciled_sent(uow, row, now)
            self.stats.reconciled += 1
        else:
            row.status, row.detail = "pending", "resent after a crash"

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
                        _among(session, SmsOptOut.number, sorted({r.number for r in rows}))
                    )
                )
            )
            no_consent = set(
                session.scalars(
                    select(ContactPhone.id).where(
                        _among(
                            session, ContactPhone.id, sorted({r.contact_phone_id for r in rows})
                        ),
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
                    .where(_among(session, model.id, [c.id for c in claimed]))
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

    def _record(self, done: list[tuple[C, OutgoingSms, SendResult]], now: datetime) -> None:
        if not done:
            return
        with self.runtime.uow() as uow:
            upsert_messages(uow, [self._message(row, sms, res, now) for row, sms, res in done])
            self._mark_sent(uow, done, now)
        self.transport.recorded([sms for _row, sms, _res in done])
        self.stats.sent += len(done)
        self._after_record(done, now)
        self.progress(len(done))

    def _fail(self, row: C, exc: SmsRejected, now: datetime) -> None:
        """Twilio refused this text for good."""
        with self.runtime.uow() as uow:
            detail = f"twilio error {exc.code}{self.hand_back_note}"
            self._bulk_update(uow, [{"id": row.id, "status": "failed", "detail": detail}])
            self._hand_back(uow, [row])
            if exc.code == OPTED_OUT_ERROR:
                consent.opt_out(uow, row.number, source="error_21610", now=now)
        self.stats.failed += 1
        self.progress(1)

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

    def _deliver(self, batch: list[C], now: datetime) -> None:
        done: list[tuple[C, OutgoingSms, SendResult]] = []
        flush_every = max(1, self.transport.flush_every)
        for i, row in enumerate(batch):
            sms = OutgoingSms(
                row.number,
                self._body(row),
                status_callback_url(self.channels, self._reminder_id(row)),
            )
            self.limiter.wait()
            try:
                result = self.transport.send(sms)
            except SmsRejected as exc:
                self._fail(row, exc, now)
                continue
            except Exception as exc:
                # Record what went out; hand back what never left. The row in flight stays
                # `sending` when the transport cannot tell whether Twilio took it.
                self._record(done, now)
                in_doubt = isinstance(exc, TransportUnavailable) and exc.maybe_sent
                self._release(batch[i + 1 :] if in_doubt else batch[i:])
                raise
            done.append((row, sms, result))
            if len(done) >= flush_every:
                self._record(done, now)
                done = []
        self._record(done, now)

    # -- the run ----------------------------------------------------------------------------

    def run(self, limit: int | None = None) -> S:
        """Send what may be sent now; `limit` caps the texts handed over (benchmarks, canaries)."""
        model = self.model
        now = self.clock()
        self._expire(now)
        self._recover_stale(now)
        with self.runtime.uow() as uow:
            zones = sorted(
                set(
                    uow.session.scalars(
                        select(model.timezone).where(model.status == "pending").distinct()
                    )
                )
            )
        try:
            while True:
                now = self.clock()
                open_zones = [z for z in zones if inside_sending_hours(z, now, self.settings)]
                if not open_zones or (limit is not None and self.stats.sent >= limit):
                    break
                batch = self._claim(open_zones, now)
                if not batch:
                    break
                self._deliver(batch, now)
        except TransportUnavailable as exc:
            self.log.error(self.stop_message, exc)
            self.stats.transport_error = str(exc)
        self.stats.deferred = self.pending_count()
        return self.stats
