"""Callback requests from after-hours callers: stored once per number and day, listed for staff.

A request names the number to call, the business day and time window, the caller's language and
the hand-off context (no ZIP code, birth date or bank detail). A second request from the same
number on the same Eastern day changes nothing: the caller hears the one already on file.
Staff list and close them with `python -m ivr.voice callbacks` (ivr/voice/cli.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from billing_core.billing_calendar import eastern_date
from billing_core.sql import insert_for
from billing_core.unit_of_work import UnitOfWork
from ivr.voice.hours import is_business_day, opens_later_today
from ivr.voice.models import CallbackRequest

WINDOWS = {"1": "morning", "2": "afternoon", "3": "any"}
_E164 = re.compile(r"\+[1-9]\d{7,14}")
_NANP = re.compile(r"[2-9]\d{2}[2-9]\d{6}")


def callable_number(phone: str | None) -> str | None:
    """The caller ID as a number an agent can call back, or None (withheld, anonymous, SIP…)."""
    return phone if phone and _E164.fullmatch(phone) else None


def keyed_number(digits: str) -> str | None:
    """A 10-digit US number keyed by the caller, as E.164; None when it cannot be one."""
    digits = digits.removeprefix("1") if len(digits) == 11 else digits
    return f"+1{digits}" if _NANP.fullmatch(digits) else None


def callback_day(now: datetime, holidays: tuple[str, ...] = ()) -> date:
    """The business day an agent calls back: today before the line opens, else the next one."""
    if opens_later_today(now, holidays):
        return eastern_date(now)
    day = eastern_date(now) + timedelta(days=1)
    while not is_business_day(day, holidays):
        day += timedelta(days=1)
    return day


@dataclass(frozen=True)
class Requested:
    created: (
        bool  # False: this number already asked today, and `callback_on`/`window` are that one's
    )
    callback_on: date
    window: str


def request_callback(
    uow: UnitOfWork,
    *,
    phone: str,
    window: str,
    locale: str,
    context: dict[str, Any],
    call_sid: str,
    now: datetime,
    holidays: tuple[str, ...] = (),
) -> Requested:
    """Store the request unless this number already made one today (atomic, also across workers)."""
    table = CallbackRequest.__table__
    requested_on = eastern_date(now)
    values = {
        "phone": phone,
        "requested_on": requested_on,
        "callback_on": callback_day(now, holidays),
        "window": window if window in WINDOWS.values() else "any",
        "locale": "es" if locale == "es" else "en",
        "context": json.dumps(context, separators=(",", ":"), sort_keys=True),
        "call_sid": call_sid,
        "status": "pending",
        "created_at": now,
    }
    conn = uow.session.connection()
    insert = insert_for(conn)(table).values(values)
    stored = conn.execute(
        insert.on_conflict_do_nothing(
            index_elements=[table.c.phone, table.c.requested_on]
        ).returning(table.c.id)
    ).first()
    if stored is not None:
        return Requested(True, values["callback_on"], values["window"])
    earlier = uow.session.scalars(
        select(CallbackRequest).where(
            CallbackRequest.phone == phone, CallbackRequest.requested_on == requested_on
        )
    ).one()
    return Requested(False, earlier.callback_on, earlier.window)


def pending(uow: UnitOfWork, on: date | None = None) -> list[CallbackRequest]:
    """Requests not yet called back (those due on `on`, if given), in calling order."""
    query = select(CallbackRequest).where(CallbackRequest.status == "pending")
    if on is not None:
        query = query.where(CallbackRequest.callback_on == on)
    return list(
        uow.session.scalars(
            query.order_by(CallbackRequest.callback_on, CallbackRequest.window, CallbackRequest.id)
        )
    )


def mark_done(uow: UnitOfWork, request_id: int, now: datetime) -> bool:
    done = uow.session.execute(
        update(CallbackRequest)
        .where(CallbackRequest.id == request_id, CallbackRequest.status == "pending")
        .values(status="done", done_at=now)
    )
    return done.rowcount == 1


def describe(row: CallbackRequest) -> str:
    """One line for staff: when, whom, in which language, and what the caller wanted."""
    context = json.loads(row.context or "{}")
    who = (
        f"verified ...{context['account_last4']}" if context.get("account_last4") else "unverified"
    )
    asked = ",".join(context.get("asked") or []) or "-"
    return (
        f"#{row.id} {row.callback_on.isoformat()} {row.window:<9} {row.locale} {row.phone:<16} "
        f"{who}; asked {asked}; stopped in {context.get('stopped_in') or '-'}; "
        f"reason {context.get('reason') or '-'}"
    )
