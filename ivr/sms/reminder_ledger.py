"""Phase 1 of the reminder job: one `sms_reminders` row per reminder due today.

Who gets which reminder is the billing rule in `billing_core.reminder_eligibility`; this writes
its rows with one INSERT ... SELECT ... ON CONFLICT DO NOTHING per target, so the unique
(account, coverage month, kind) makes a rerun or a concurrent runner a no-op. A number that said
STOP (`sms_opt_outs`) gets none.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, literal, select

from billing_core.reminder_eligibility import recipients, targets_for
from billing_core.sql import insert_for, is_postgresql
from billing_core.unit_of_work import UnitOfWork
from ivr.sms.models import SmsOptOut, SmsReminder
from ivr.sms.reminder_settings import ReminderSettings

# In the order of the SELECT: what `recipients` gives, then the row's own values.
LEDGER_COLUMNS = (
    "account_id",
    "contact_phone_id",
    "number",
    "locale",
    "timezone",
    "amount",
    "coverage_month",
    "kind",
    "event_date",
    "status",
    "expires_at",
    "attempts",
    "created_at",
)


def ledger_reminders(
    uow: UnitOfWork, *, now: datetime, settings: ReminderSettings
) -> dict[str, int]:
    """Write the ledger rows due today; returns how many new rows per kind (0 on a rerun)."""
    session = uow.session
    postgres = is_postgresql(session)
    table = SmsReminder.__table__
    counts: dict[str, int] = {}
    for target in targets_for(now, settings):
        rows = recipients(target, stopped_numbers=SmsOptOut.__table__.c.number).add_columns(
            literal(target.coverage_month),
            literal(target.kind),
            literal(target.due_date),
            literal("pending"),
            literal(target.expires_at, table.c.expires_at.type),
            literal(0),
            literal(now, table.c.created_at.type),
        )
        ins = insert_for(session)(table)
        stmt = ins.from_select(list(LEDGER_COLUMNS), rows)
        stmt = stmt.on_conflict_do_nothing(
            index_elements=[table.c.account_id, table.c.coverage_month, table.c.kind]
        )
        if postgres:
            # psycopg gives no row count for INSERT ... SELECT; count the inserted rows in SQL.
            inserted = stmt.returning(table.c.id).cte("inserted")
            added = session.scalar(select(func.count()).select_from(inserted)) or 0
        else:
            added = max(session.connection().execute(stmt).rowcount or 0, 0)
        counts[target.kind] = counts.get(target.kind, 0) + added
    session.flush()
    return counts
