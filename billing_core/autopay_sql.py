"""AutoPay rules as SQL predicates, for set-based jobs outside the back office (due-date reminders)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_

from billing_core.autopay_schedule import due_draft_date
from billing_core.backoffice.models import RegENotice


def autopay_covers_bill(ae: Any, month: date, draft_day_from: int) -> ColumnElement[bool]:
    """True for an `autopay_enrollments` row whose draft for `month`'s bill is still ahead (draft
    day on or after `draft_day_from`) and will pay it by its due date: active, drafting that
    month (not set up after its draft date, not paused for it), and no Reg E notice moving it
    past the due date. A reminder is suppressed only then."""
    held = exists().where(
        RegENotice.account_id == ae.c.account_id,
        RegENotice.coverage_month == month,
        RegENotice.draft_on > due_draft_date(month),
    )
    return and_(
        ae.c.status == "active",
        or_(ae.c.first_month.is_(None), ae.c.first_month <= month),
        or_(ae.c.skip_month.is_(None), ae.c.skip_month != month),
        ae.c.draft_day >= draft_day_from,
        ~held,
    )
