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
from billing_core.backoffice.models import AccountStanding, StandingChange
from billing_core.backoffice.notifications import Notifier, OutboxNotifier
from billing_core.backoffice.sql import is_postgres
from billing_core.bill_run import end_coverage
from billing_core.billing_calendar import eastern_date
from billing_core.delinquency import Delinquency, delinquency_state
from billing_core.models import Account, Invoice
from billing_core.unit_of_work import UnitOfWork

REINSTATEMENT_DAYS = 35
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


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


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
            if is_postgres(uow.session):
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
    reinstate_by = prev.reinstate_by if prev else None
    terminated_on = prev.terminated_on if prev else None
    coverage_ends = d.coverage_ends
    if prev_state == "terminated":
        window_open = reinstate_by is not None and today <= reinstate_by
        if state == "current" and window_open:
            notifier.notify(
                account,
                "coverage_reinstated",
                {},
                dedupe_key=f"reinstated:{account.id}:{prev.missed_month}",
                on=today,
            )
        else:
            # Stays terminated: either still unpaid, or paid after the window closed.
            state, coverage_ends = "terminated", prev.coverage_ends
            if not window_open:
                # Final: stop billing the ended coverage (an unpaid binder never started).
                last_day = coverage_ends or (prev.missed_month or today) - timedelta(days=1)
                end_coverage(uow, account.id, last_day, now=now)
    missed = d.missed_month or (prev.missed_month if prev else None)
    params = {
        "past_due_amount": str(d.past_due_amount),
        "missed_month": missed.isoformat() if missed else None,
        "grace_ends": d.grace_ends.isoformat() if d.grace_ends else None,
    }
    if state == "past_due":
        notifier.notify(
            account,
            "past_due_warning",
            params,
            dedupe_key=f"past_due:{account.id}:{missed}",
            on=today,
        )
    elif state == "grace":
        notifier.notify(
            account, "grace_started", params, dedupe_key=f"grace:{account.id}:{missed}", on=today
        )
        # One termination warning in each grace month (a single one for the short grace period).
        k = max(_months_between(missed, today), 0) + 1 if missed else 1
        if d.reason != "subsidized_grace":
            k = 1
        notifier.notify(
            account,
            "termination_warning",
            {**params, "warning": k},
            dedupe_key=f"term_warn:{account.id}:{missed}:{k}",
            on=today,
        )
    elif state == "terminated" and prev_state != "terminated":
        terminated_on = today
        reinstate_by = today + timedelta(days=REINSTATEMENT_DAYS)
        notifier.notify(
            account,
            "coverage_terminated",
            {
                **params,
                "coverage_ends": coverage_ends.isoformat() if coverage_ends else None,
                "reason": d.reason,
                "reinstate_by": reinstate_by.isoformat(),
            },
            dedupe_key=f"terminated:{account.id}:{missed}",
            on=today,
        )
    if state == "current":
        terminated_on = reinstate_by = None
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
    prev.missed_month = missed if state != "current" else None
    prev.grace_ends = d.grace_ends
    prev.coverage_ends = coverage_ends
    prev.terminated_on = terminated_on
    prev.reinstate_by = reinstate_by
    prev.evaluated_on = today
    return f"{prev_state or 'new'}->{state}" if changed else None
