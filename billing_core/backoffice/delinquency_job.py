"""The daily delinquency job: current → past due → grace → terminated (and back on full payment
within grace or the 35-day reinstatement window), with the notices each step needs.

The state itself comes from billing_core.delinquency (the subsidy rules live there); this job
records transitions, dates notices once, and makes a termination final after the window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import exists, select

from billing_core.accounts import get_account
from billing_core.backoffice.delinquency_notices import send_notices
from billing_core.backoffice.models import AccountStanding, StandingChange
from billing_core.backoffice.notifications import Notifier, OutboxNotifier
from billing_core.bill_run import end_coverage
from billing_core.billing_calendar import eastern_date
from billing_core.delinquency import Delinquency, delinquency_state
from billing_core.models import Account, Invoice
from billing_core.sql import is_postgresql
from billing_core.unit_of_work import UnitOfWork

CHUNK = 200  # accounts locked per transaction: short, so payments are never kept waiting long


@dataclass
class DelinquencyResult:
    evaluated: int = 0
    changes: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Standing:
    """What a verified caller may be told about their account's standing."""

    state: str
    reason: str | None
    past_due_amount: str
    missed_month: date | None
    grace_ends: date | None
    coverage_ends: date | None
    reinstate_by: date | None
    evaluated_on: date


def account_standing(uow: UnitOfWork, account_number: str) -> Standing | None:
    account = get_account(uow, account_number)
    row = uow.session.get(AccountStanding, account.id)
    if row is None:
        return None
    return Standing(
        row.state,
        row.reason,
        str(row.past_due_amount),
        row.missed_month,
        row.grace_ends,
        row.coverage_ends,
        row.reinstate_by,
        row.evaluated_on,
    )


def run_delinquency(
    uow_factory: Callable[[], UnitOfWork],
    *,
    now: datetime,
    chunk: int = CHUNK,
    notifier: Callable[[UnitOfWork], Notifier] | None = None,
    progress: Callable[[int], None] = lambda _: None,
) -> DelinquencyResult:
    today = eastern_date(now)
    make_notifier = notifier or (lambda uow: OutboxNotifier(uow.session, now))
    result = DelinquencyResult()
    after = 0
    while True:
        with uow_factory() as uow:
            stmt = (
                select(Account)
                .where(
                    Account.id > after,
                    exists().where(Invoice.account_id == Account.id),
                    ~exists().where(
                        AccountStanding.account_id == Account.id,
                        AccountStanding.evaluated_on >= today,
                    ),
                )
                .order_by(Account.id)
                .limit(chunk)
            )
            if is_postgresql(uow.session):
                stmt = stmt.with_for_update(skip_locked=True, of=Account)
            accounts = list(uow.session.scalars(stmt))
            if not accounts:
                break
            n = make_notifier(uow)
            for account in accounts:
                change = _evaluate(uow, account, now, today, n)
                result.evaluated += 1
                if change:
                    result.changes[change] = result.changes.get(change, 0) + 1
            after = accounts[-1].id
        progress(len(accounts))
    return result


def _evaluate(
    uow: UnitOfWork, account: Account, now: datetime, today: date, notifier: Notifier
) -> str | None:
    session = uow.session
    d: Delinquency = delinquency_state(uow, account.account_number, on=now)
    prev = session.get(AccountStanding, account.id)
    prev_state = prev.state if prev else None
    state = d.state
    params = send_notices(account, d, prev, today, notifier)
    for c in d.ended_coverages:
        if c.final:  # the window closed: stop billing the ended coverage (a binder never started)
            last_day = c.coverage_ends or (c.missed_month or today) - timedelta(days=1)
            end_coverage(uow, account.id, last_day, now=now, coverage_ids=[c.coverage_id])
    changed = state != prev_state
    if prev is None:
        prev = AccountStanding(account_id=account.id, since=today)
        session.add(prev)
    if changed:
        prev.since = today
        session.add(
            StandingChange(
                account_id=account.id,
                on=today,
                from_state=prev_state,
                to_state=state,
                detail={k: v for k, v in params.items() if v is not None} | {"reason": d.reason},
            )
        )
    prev.state = state
    prev.reason = d.reason if state != "current" else None
    prev.past_due_amount = d.past_due_amount
    prev.missed_month = d.missed_month if state != "current" else None
    prev.grace_ends = d.grace_ends
    prev.coverage_ends = d.coverage_ends
    prev.terminated_on = d.terminated_on if state == "terminated" else None
    prev.reinstate_by = d.reinstate_by if state == "terminated" else None
    prev.evaluated_on = today
    return f"{prev_state or 'new'}->{state}" if changed else None
