"""What a member's AutoPay will do next, told truthfully: the next draft, and a bill it won't pay on time.

Computed with the draft job's own rules (billing_core.autopay_schedule) on the job's own facts,
so the status never promises a draft the job will not make ("next draft today" for an AutoPay set
up after today's draft, a paused month, a draft Reg E holds past the due date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from billing_core.autopay_schedule import (
    EnrollmentFacts,
    draft_date_for,
    drafts_month,
    due_draft_date,
    forecast,
)
from billing_core.backoffice.draft_facts import load_facts, months_in_play
from billing_core.billing_calendar import DUE_DAY, add_months
from billing_core.sql import from_cents


@dataclass(frozen=True)
class Outlook:
    next_draft_date: date | None
    next_draft_amount: Decimal | None  # None when the bill it pays is not issued yet
    unpaid_month: date | None = None  # a bill AutoPay will not pay by its due date
    unpaid_amount: Decimal | None = None
    unpaid_due_date: date | None = None
    unpaid_reason: str | None = None  # starts_later | paused | notice_after_cutoff


def _reason(e: EnrollmentFacts, month: date) -> str:
    if e.skip_month == month:
        return "paused"
    return "starts_later"


def _due_date(month: date) -> date:
    return add_months(month, -1).replace(day=DUE_DAY)


def _next_covered(e: EnrollmentFacts, after: date) -> date:
    month = add_months(after, 1)
    while not drafts_month(e, month):
        month = add_months(month, 1)
    return month


def autopay_outlook(session: Session, account_id: int, today: date) -> Outlook | None:
    late, regular = months_in_play(today)
    months = [late, regular, add_months(regular, 1)]  # the last only when billed early
    facts = load_facts(session, [account_id], months)
    if not facts or facts[0].enrollment.status != "active":
        return None
    e = facts[0].enrollment
    unpaid: tuple[date, int, str] | None = None
    for month in months:
        m = facts[0].months[month]
        if m.due_cents <= 0:
            continue
        still_due = today <= _due_date(month)
        if not drafts_month(e, month):
            if still_due and unpaid is None:
                unpaid = (month, m.due_cents, _reason(e, month))
            continue
        seen = forecast(e, m, today)
        if seen.draft_on is None:
            continue
        on_time = seen.draft_on <= due_draft_date(month)
        if still_due and unpaid is None and (not on_time or seen.amount_cents < m.due_cents):
            missing = m.due_cents if not on_time else m.due_cents - seen.amount_cents
            unpaid = (month, missing, "notice_after_cutoff")
        return _outlook(seen.draft_on, from_cents(seen.amount_cents), unpaid)
    # No draft ahead for a billed month: the next one pays a bill not issued (or not owed) yet.
    following = _next_covered(e, late)
    while draft_date_for(following, e.draft_day) < today:
        following = _next_covered(e, following)
    if following in facts[0].months and unpaid is None:
        return _outlook(None, None, None)  # the coming bill is paid: nothing to draft
    return _outlook(draft_date_for(following, e.draft_day), None, unpaid)


def _outlook(on: date | None, amount: Decimal | None, unpaid: tuple | None) -> Outlook:
    if unpaid is None:
        return Outlook(on, amount)
    month, cents, reason = unpaid
    return Outlook(on, amount, month, from_cents(cents), _due_date(month), reason)
