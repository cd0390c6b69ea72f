"""Sends the rows a ledger queue claims: the exactly-once delivery shared by reminders and notices.

`LedgerSender.run` expires what can no longer go, reconciles rows a crashed runner left `sending`
(after the lease: recorded -> sent, found at Twilio -> sent, otherwise back to pending), then claims
pending rows in batches (`ivr.sms.ledger_queue`) for the time zones inside sending hours, sends at
the configured rate and records each text in `sms_messages` with its ledger row in one transaction.
A text is never sent twice and never silently dropped.

A subclass names its ledger model, its claimed-row type and `sms_messages` purpose (also the
dedupe-key prefix), and fills in a few hooks: the text of a row, how rows are marked sent, what
happens to a row that will not go by text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import select

from billing_core.billing_calendar import utcnow
from billing_core.runtime import BillingRuntime
from billing_core.unit_of_work import UnitOfWork
from ivr.config import ChannelSettings
from ivr.sms import consent
from ivr.sms.ledger_queue import C, LedgerQueue, S
from ivr.sms.message_log import message_row, upsert_messages
from ivr.sms.pacing import RateLimiter, inside_sending_hours
from ivr.sms.reminder_settings import ReminderSettings
from ivr.sms.transport import (
    OPTED_OUT_ERROR,
    OutgoingSms,
    SendResult,
    SmsRejected,
    Transport,
    TransportUnavailable,
    status_callback_url,
)


class LedgerSender(LedgerQueue[C, S]):
    """Delivers the pending rows of one ledger table; see the module docstring."""

    purpose: ClassVar[str]  # sms_messages.purpose, and the dedupe key's prefix
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
        super().__init__(runtime, settings, clock=clock, runner_id=runner_id, stats=stats)
        self.transport = transport
        self.channels = channels  # None: no delivery status callbacks
        self.progress = progress or (lambda n: None)
        self.limiter = limiter or RateLimiter(settings.rate)
        self.log = logging.getLogger(type(self).__module__)

    # -- hooks ------------------------------------------------------------------------------

    def _body(self, row: Any) -> str:
        """The text of a claimed row (or of a ledger row being reconciled)."""
        raise NotImplementedError

    def _reminder_id(self, row: Any) -> int | None:
        """`sms_messages.reminder_id` and the status callback's `r` parameter."""
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
