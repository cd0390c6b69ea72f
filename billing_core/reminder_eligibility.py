"""Who gets a due-date reminder, and when: the billing rule behind the SMS reminder job.

A reminder goes out on set days before a bill's due date (the 23rd of the month before coverage)
and after it, to an account that still owes on that bill, through its first verified, opted-in
contact phone. A bill an active AutoPay will still draft on time gets no "due" reminder (it does
get a past-due one if the draft failed). The channel decides how to text and records what it sent
(`ivr.sms.reminder_ledger`); this module only says to whom and about what.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    func,
    or_,
    select,
)

from billing_core.autopay_sql import autopay_covers_bill
from billing_core.billing_calendar import (
    DUE_DAY,
    EASTERN,
    add_months,
    due_at,
    eastern_date,
    first_of_month,
)
from billing_core.ledger import NOT_CREDITED
from billing_core.models import Account, AutopayEnrollment, ContactPhone, Invoice, Payment
from billing_core.sql import cents


class ReminderDays(Protocol):
    """When reminders go: days before the due date, days after it, and how long the last
    past-due reminder stays sendable (the SMS job's settings carry these)."""

    due_days: tuple[int, ...]
    past_due_days: tuple[int, ...]
    past_due_window_days: int


@dataclass(frozen=True)
class Target:
    kind: str  # due_<n>d | past_due_<n>d
    coverage_month: date
    due_date: date  # Eastern calendar date of the due instant
    expires_at: datetime
    # Active AutoPay with a draft on or after this day of the bill's month covers the bill.
    draft_day_from: int


def _due_date(month: date) -> date:
    prior = add_months(month, -1)
    return prior.replace(day=DUE_DAY)


def _draft_day_from(month: date, today: date) -> int:
    """The first draft day still ahead for the bill of `month` (drafts are in the prior month)."""
    prior = add_months(month, -1)
    if today < prior:
        return 1
    if first_of_month(today) == prior:
        return today.day
    return 99


def end_of_window(day: date) -> datetime:
    """The instant a text's sending window closes: midnight Eastern at the start of `day`."""
    return datetime.combine(day, time(0), tzinfo=EASTERN).astimezone(UTC)


def targets_for(now: datetime, days: ReminderDays) -> list[Target]:
    """The (kind, coverage month) pairs whose sending window contains today (Eastern)."""
    today = eastern_date(now)
    base = first_of_month(today)
    targets: list[Target] = []
    for k in range(-2, 3):
        month = add_months(base, k)
        due = _due_date(month)
        due_instant = due_at(month)
        offsets = sorted(days.due_days, reverse=True)
        for i, n in enumerate(offsets):
            start = due - timedelta(days=n)
            if i + 1 < len(offsets):
                inside = start <= today < due - timedelta(days=offsets[i + 1])
            else:
                inside = start <= today and now < due_instant
            if inside:
                targets.append(
                    Target(f"due_{n}d", month, due, due_instant, _draft_day_from(month, today))
                )
        past = sorted(days.past_due_days)
        for i, n in enumerate(past):
            start = due + timedelta(days=n)
            end = due + timedelta(
                days=past[i + 1] if i + 1 < len(past) else n + days.past_due_window_days
            )
            if start <= today < end and now >= due_instant:
                targets.append(Target(f"past_due_{n}d", month, due, end_of_window(end), 99))
    return targets


def recipients(target: Target, *, stopped_numbers: Any = None) -> Select[Any]:
    """SELECT of who gets the reminder of `target`: account id, contact phone id, number, language,
    time zone and what is left on that bill (integer cents), one row per account.

    `stopped_numbers` is a column of numbers that must not be texted (the channel's STOP list)."""
    inv = Invoice.__table__
    newer = inv.alias("newer")
    month = target.coverage_month
    current = (
        select(inv.c.account_id, inv.c.coverage_month, cents(inv.c.amount).label("amount"))
        .where(
            inv.c.coverage_month <= month,
            ~exists().where(
                newer.c.coverage_id == inv.c.coverage_id,
                newer.c.coverage_month == inv.c.coverage_month,
                newer.c.revision > inv.c.revision,
            ),
        )
        .subquery("cur")
    )
    billed = (
        select(
            current.c.account_id,
            func.sum(current.c.amount).label("through"),
            func.sum(case((current.c.coverage_month == month, current.c.amount), else_=0)).label(
                "billed_m"
            ),
        )
        .group_by(current.c.account_id)
        .subquery("billed")
    )
    pay = Payment.__table__
    credit = (
        select(pay.c.account_id, func.sum(cents(pay.c.amount)).label("credit"))
        .where(pay.c.status.not_in(NOT_CREDITED))  # returned or cancelled pay nothing
        .group_by(pay.c.account_id)
        .subquery("credit")
    )
    cp = ContactPhone.__table__
    textable = [cp.c.verified.is_(True), cp.c.sms_opt_in.is_(True), cp.c.opted_out_at.is_(None)]
    if stopped_numbers is not None:
        textable.append(~exists().where(stopped_numbers == cp.c.number))
    phone = (
        select(cp.c.account_id, func.min(cp.c.id).label("phone_id"))
        .where(*textable)
        .group_by(cp.c.account_id)
        .subquery("phone")
    )
    chosen = cp.alias("chosen")
    acct = Account.__table__
    ae = AutopayEnrollment.__table__

    # Payments apply to the oldest bills first, so what is left on this month's bill is what
    # everything billed through it exceeds all credit by, capped at this month's amount.
    remaining = billed.c.through - func.coalesce(credit.c.credit, 0)
    outstanding = case((remaining > billed.c.billed_m, billed.c.billed_m), else_=remaining).label(
        "outstanding"
    )

    conditions: list[ColumnElement[bool]] = [billed.c.billed_m > 0, remaining > 0]
    if target.kind.startswith("due_"):
        # Fully covered: an active AutoPay whose draft for this bill is still ahead.
        conditions.append(
            or_(ae.c.account_id.is_(None), ~autopay_covers_bill(ae, month, target.draft_day_from))
        )

    from_ = (
        billed.join(acct, acct.c.id == billed.c.account_id)
        .join(phone, phone.c.account_id == billed.c.account_id)
        .join(chosen, chosen.c.id == phone.c.phone_id)
        .outerjoin(credit, credit.c.account_id == billed.c.account_id)
        .outerjoin(ae, ae.c.account_id == billed.c.account_id)
    )
    return (
        select(
            acct.c.id,
            phone.c.phone_id,
            chosen.c.number,
            acct.c.language,
            acct.c.timezone,
            outstanding,
        )
        .select_from(from_)
        .where(and_(*conditions))
    )
