"""Delivery status callbacks: idempotent, order-independent, and error 21610 means opted out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select

from billing_core.sql import insert_for
from billing_core.unit_of_work import UnitOfWork
from ivr.sms import consent
from ivr.sms.message_log import status_rank
from ivr.sms.models import SmsMessage, SmsReminder
from ivr.sms.transport import OPTED_OUT_ERROR


def record_status(
    uow: UnitOfWork,
    *,
    sid: str,
    status: str,
    error_code: int | None,
    to: str | None,
    reminder_id: int | None,
    now: datetime,
) -> None:
    """Move the message forward to `status` unless it is already there or further along.

    One upsert statement, so duplicate and concurrent callbacks cannot interleave; a callback for
    a SID we have not recorded yet (it can beat the send's own commit) leaves a placeholder row
    that the sender fills in.
    """
    status = status.strip().lower()
    rank = status_rank(status)
    table = SmsMessage.__table__
    ins = insert_for(uow.session)(table)
    later = ins.excluded.status_rank > table.c.status_rank
    uow.session.execute(
        ins.values(
            purpose="unknown",
            to_number=(to or "")[:20],
            body="",
            transport="twilio",
            sid=sid,
            status=status,
            status_rank=rank,
            error_code=error_code,
            created_at=now,
            updated_at=now,
        ).on_conflict_do_update(
            index_elements=[table.c.sid],
            set_={
                "status": case((later, ins.excluded.status), else_=table.c.status),
                "status_rank": case((later, ins.excluded.status_rank), else_=table.c.status_rank),
                "error_code": func.coalesce(table.c.error_code, ins.excluded.error_code),
                "updated_at": ins.excluded.updated_at,
            },
        )
    )
    if reminder_id is not None:
        reminder = uow.session.get(SmsReminder, reminder_id)
        # The send reached Twilio even if the runner died before recording it.
        if reminder is not None and reminder.status == "sending" and reminder.message_sid is None:
            reminder.status, reminder.message_sid, reminder.sent_at = "sent", sid, now
            reminder.detail = "confirmed by status callback"
    if error_code == OPTED_OUT_ERROR:
        number = to or uow.session.scalar(select(SmsMessage.to_number).where(SmsMessage.sid == sid))
        if number:
            consent.opt_out(uow, number, source="error_21610", now=now)
