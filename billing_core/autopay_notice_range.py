"""The member's Reg E range election (12 CFR 1005.10(d)(2)): notice only outside a range of amounts.

The Connector must tell the member of the right to notice of every varying draft; the member may
instead choose to be told only when a draft falls outside a range. The election is captured with
an AutoPay authorization and kept with it (`rege_preferences`); the draft job and the notice
planner read it through billing_core.autopay_schedule.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from billing_core import audit, errors
from billing_core.backoffice.models import RegEPreference
from billing_core.models import Account
from billing_core.types import CENT
from billing_core.unit_of_work import UnitOfWork


def _money(value: object) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise errors.InvalidNoticeRange() from exc
    if amount != amount.quantize(CENT):
        raise errors.InvalidNoticeRange()
    return amount


def elect_notice_range(
    uow: UnitOfWork,
    account: Account,
    notice_range: tuple[object, object] | None,
    authorization_id: int,
    now: datetime,
) -> None:
    """Record (or, with None, withdraw) the member's range. Amounts are dollars and cents; the
    low end is at least $0.01, so a draft reduced by a partial payment can stay inside it."""
    existing = uow.session.get(RegEPreference, account.id)
    if notice_range is None:
        if existing is not None:
            uow.session.delete(existing)
        detail: dict[str, object] = {"every_change": True}
    else:
        low, high = (_money(v) for v in notice_range)
        if low < CENT or high < low:
            raise errors.InvalidNoticeRange()
        if existing is None:
            existing = RegEPreference(account_id=account.id)
            uow.session.add(existing)
        existing.range_low, existing.range_high = low, high
        existing.authorization_id, existing.elected_at = authorization_id, now
        detail = {"range_low": str(low), "range_high": str(high)}
    audit.record(
        uow.session,
        "rege_range_elected",
        at=now,
        account_id=account.id,
        channel="autopay",
        detail={"authorization_id": authorization_id, **detail},
    )
