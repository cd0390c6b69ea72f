"""The record of every text we send (`sms_messages`): delivery states and their order, and the
rows written for a batch of sent texts (by SID, so a status callback that came first is merged)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, text
from sqlalchemy.dialects import sqlite

from billing_core.sql import is_postgresql
from billing_core.unit_of_work import UnitOfWork
from ivr.sms.models import SmsMessage
from ivr.sms.transport import OutgoingSms, SendResult

# Delivery states in the order they can happen; a callback never moves a message backwards.
STATUS_RANK = {
    "pending": 0,
    "accepted": 1,
    "scheduled": 1,
    "queued": 2,
    "sending": 3,
    "sent": 4,
    "outbox": 5,
    "delivered": 5,
    "undelivered": 5,
    "failed": 5,
    "read": 6,
    "canceled": 5,
}
FINAL_RANK = 5


def status_rank(status: str) -> int:
    return STATUS_RANK.get(status, 0)


def upsert_messages(uow: UnitOfWork, rows: list[dict[str, Any]]) -> None:
    """Insert sent texts; a status callback that got here first has already made a row by SID."""
    if not rows:
        return
    table = SmsMessage.__table__
    if is_postgresql(uow.session):
        _upsert_messages_pg(uow, rows)
        return
    ins = sqlite.insert(table)
    keep_later = ins.excluded.status_rank > table.c.status_rank
    stmt = ins.on_conflict_do_update(
        index_elements=[table.c.sid],
        set_={
            "dedupe_key": ins.excluded.dedupe_key,
            "purpose": ins.excluded.purpose,
            "reminder_id": ins.excluded.reminder_id,
            "to_number": ins.excluded.to_number,
            "body": ins.excluded.body,
            "transport": ins.excluded.transport,
            "status": case((keep_later, ins.excluded.status), else_=table.c.status),
            "status_rank": case((keep_later, ins.excluded.status_rank), else_=table.c.status_rank),
        },
    )
    uow.session.execute(stmt, rows)


_PG_UPSERT = text(
    """
    INSERT INTO sms_messages (dedupe_key, purpose, reminder_id, to_number, body, transport, sid,
                              status, status_rank, error_code, created_at, updated_at)
    SELECT * FROM unnest(CAST(:dedupe_key AS text[]), CAST(:purpose AS text[]),
                         CAST(:reminder_id AS bigint[]), CAST(:to_number AS text[]),
                         CAST(:body AS text[]), CAST(:transport AS text[]), CAST(:sid AS text[]),
                         CAST(:status AS text[]), CAST(:status_rank AS smallint[]),
                         CAST(:error_code AS integer[]), CAST(:created_at AS timestamp[]),
                         CAST(:updated_at AS timestamp[]))
    ON CONFLICT (sid) DO UPDATE SET
        dedupe_key = excluded.dedupe_key, purpose = excluded.purpose,
        reminder_id = excluded.reminder_id, to_number = excluded.to_number,
        body = excluded.body, transport = excluded.transport,
        status = CASE WHEN excluded.status_rank > sms_messages.status_rank
                      THEN excluded.status ELSE sms_messages.status END,
        status_rank = GREATEST(excluded.status_rank, sms_messages.status_rank)
    """
)


def _upsert_messages_pg(uow: UnitOfWork, rows: list[dict[str, Any]]) -> None:
    """One statement with one array per column: a short, cacheable query whatever the batch size
    (multi-row VALUES made the driver re-parse a huge statement for every batch)."""
    columns: dict[str, list[Any]] = {key: [] for key in rows[0]}
    for row in rows:
        for key, value in row.items():
            if isinstance(value, datetime):
                value = value.astimezone(UTC).replace(tzinfo=None)
            columns[key].append(value)
    uow.session.execute(_PG_UPSERT, columns)


def message_row(
    *,
    purpose: str,
    sms: OutgoingSms,
    result: SendResult,
    transport: str,
    now: datetime,
    dedupe_key: str | None,
    reminder_id: int | None = None,
) -> dict[str, Any]:
    return {
        "dedupe_key": dedupe_key,
        "purpose": purpose,
        "reminder_id": reminder_id,
        "to_number": sms.to,
        "body": sms.body,
        "transport": transport,
        "sid": result.sid,
        "status": result.status,
        "status_rank": status_rank(result.status),
        "error_code": None,
        "created_at": now,
        "updated_at": now,
    }
