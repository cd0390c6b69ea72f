"""Delinquency per coverage (health and dental apart), $0 months and renewals, and a grace period
that runs from the first unpaid month and does not move."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import select

from billing_core.billing_calendar import EASTERN
from billing_core.delinquency import delinquency_state
from billing_core.models import Account, Coverage, Enrollee, Payment
from tests.billing.factories import bill, make_account
from tests.conftest import make_runtime

_keys = itertools.count(1)


def at(y: int, m: int, d: int, hour: int = 9) -> datetime:
    return datetime.combine(date(y, m, d), time(hour), tzinfo=EASTERN).astimezone(UTC)


def paid_elsewhere(rt, number: str, amount: str, when: datetime) -> None:
    """A check credited on `when` (how it got here is not the point of these tests)."""
    with rt.uow() as uow:
        account_id = uow.session.scalar(select(Account.id).where(Account.account_number == number))
        n = next(_keys)
        uow.session.add(
            Payment(
                confirmation_number=f"7{n:09d}",
                idempotency_key=f"check-{n}",
                account_id=account_id,
                amount=Decimal(amount),
                method="check",
                channel="mail",
                status="settled",
                effective_date=when.date(),
                created_at=when,
            )
        )


def state(rt, number: str, when: datetime):
    with rt.uow() as uow:
        return delinquency_state(uow, number, on=when)


def by_line(d) -> dict:
    return {c.line: c for c in d.coverages}


def _health_and_dental(rt, now, **kw) -> str:
    number = make_account(rt, premiums=("300.00", "30.00"), start=date(2027, 1, 1), now=now, **kw)
    bill(rt, date(2027, 1, 1), date(2027, 2, 1))
    paid_elsewhere(rt, number, "330.00", at(2026, 12, 10))  # the binder of both
    return number


def test_an_unpaid_dental_bill_ends_only_the_dental_coverage(runtime, now):
    number = _health_and_dental(runtime, now)
    paid_elsewhere(runtime, number, "300.00", at(2027, 1, 20))  # February's health only
    d = state(runtime, number, at(2027, 2, 2))
    lines = by_line(d)
    assert lines["dental"].state == "terminated"
    assert lines["dental"].coverage_ends == date(2027, 1, 31)
    assert lines["health"].state == "current"
    assert d.state == "current"  # the household keeps its health coverage
    assert [c.line for c in d.ended_coverages] == ["dental"]


def test_a_partial_payment_pays_the_oldest_month_first_and_health_before_dental(runtime, now):
    number = make_account(runtime, premiums=("300.00", "30.00"), start=date(2027, 1, 1), now=now)
    bill(runtime, date(2027, 1, 1), date(2027, 2, 1))
    paid_elsewhere(runtime, number, "330.00", at(2026, 12, 10))
    paid_elsewhere(runtime, number, "310.00", at(2027, 1, 20))
    lines = by_line(state(runtime, number, at(2027, 1, 25)))
    assert (lines["health"].past_due_amount, lines["dental"].past_due_amount) == (
        Decimal("0.00"),
        Decimal("20.00"),
    )
    assert (lines["health"].state, lines["dental"].state) == ("current", "grace")


def test_which_line_a_partial_payment_pays_first_is_a_setting(database_url, tmp_path, now):
    rt = make_runtime(database_url, tmp_path, payment_line_order=("dental", "health"))
    number = _health_and_dental(rt, now)
    paid_elsewhere(rt, number, "310.00", at(2027, 1, 20))
    lines = by_line(state(rt, number, at(2027, 1, 25)))
    assert (lines["health"].past_due_amount, lines["dental"].past_due_amount) == (
        Decimal("20.00"),
        Decimal("0.00"),
    )
    rt.engine.dispose()


def test_money_sent_after_a_dental_termination_pays_health_before_the_ended_dental_debt(
    runtime, now
):
    number = _health_and_dental(runtime, now)
    paid_elsewhere(runtime, number, "300.00", at(2027, 1, 20))
    bill(runtime, date(2027, 3, 1))
    paid_elsewhere(runtime, number, "300.00", at(2027, 2, 20))  # March's health
    lines = by_line(state(runtime, number, at(2027, 3, 2)))
    assert lines["health"].state == "current"
    assert lines["dental"].state == "terminated"


def _zero_then(rt, now, premium: str, first_paid: date, *, subsidized=True) -> str:
    """ConnectorCare at $0 from January (the bill run issues no $0 bills), then `premium`."""
    number = make_account(
        rt, premiums=("0.00",), subsidized=subsidized, start=date(2027, 1, 1), now=now
    )
    bill(rt, date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1))
    with rt.uow() as uow:
        uow.session.scalars(select(Coverage)).one().monthly_premium = Decimal(premium)
    bill(rt, first_paid)
    return number


def test_zero_premium_months_count_as_covered_months_so_a_first_45_dollar_bill_is_no_binder(
    runtime, now
):
    number = _zero_then(runtime, now, "45.00", date(2027, 4, 1))
    before = state(runtime, number, at(2027, 3, 25))
    assert (before.state, before.reason) == ("past_due", "subsidized_grace")
    inside = state(runtime, number, at(2027, 4, 2))
    assert (inside.state, inside.grace_ends) == ("grace", date(2027, 6, 30))
    ended = state(runtime, number, at(2027, 7, 1))
    assert (ended.state, ended.coverage_ends) == ("terminated", date(2027, 4, 30))


def _renewed(rt, now, *, subsidized: bool, december: str) -> str:
    """Covered through December 2026 under one plan, renewed into a new plan for 2027."""
    number = make_account(
        rt, premiums=(december,), subsidized=subsidized, start=date(2026, 10, 1), now=now
    )
    bill(rt, date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1))
    with rt.uow() as uow:
        old = uow.session.scalars(select(Coverage)).one()
        old.end_month = date(2026, 12, 1)
        person = uow.session.scalars(select(Enrollee)).one()
        uow.session.add(
            Coverage(
                enrollee_id=person.id,
                account_id=old.account_id,
                line="health",
                plan_name="2027 plan",
                monthly_premium=Decimal("200.00"),
                subsidized=subsidized,
                start_month=date(2027, 1, 1),
            )
        )
    if december != "0.00":
        paid_elsewhere(rt, number, str(Decimal(december) * 3), at(2026, 9, 20))
    bill(rt, date(2027, 1, 1))
    return number


def test_a_renewing_subsidized_member_who_paid_last_year_is_not_terminated_on_january_2(
    runtime, now
):
    number = _renewed(runtime, now, subsidized=True, december="200.00")
    d = state(runtime, number, at(2027, 1, 2))
    assert (d.state, d.reason, d.grace_ends) == ("grace", "subsidized_grace", date(2027, 3, 31))


def test_a_renewing_member_whose_last_year_was_all_zero_premium_is_never_a_new_binder(runtime, now):
    number = _renewed(runtime, now, subsidized=True, december="0.00")
    d = state(runtime, number, at(2027, 1, 2))
    assert (d.state, d.reason) == ("grace", "subsidized_grace")


def test_paying_one_old_month_at_a_time_does_not_move_the_grace_end(runtime, now):
    number = make_account(
        runtime, premiums=("300.00",), subsidized=True, start=date(2027, 1, 1), now=now
    )
    bill(runtime, date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1), date(2027, 4, 1))
    paid_elsewhere(runtime, number, "300.00", at(2026, 12, 10))  # January
    for month in (2, 3, 4):  # always a month behind: each pays the month then ending
        paid_elsewhere(runtime, number, "300.00", at(2027, month, 25))
    bill(runtime, date(2027, 5, 1))
    last_day = state(runtime, number, at(2027, 4, 30, 20))
    assert (last_day.state, last_day.missed_month, last_day.grace_ends) == (
        "grace",
        date(2027, 2, 1),
        date(2027, 4, 30),
    )
    ended = state(runtime, number, at(2027, 5, 1))
    assert (ended.state, ended.coverage_ends) == ("terminated", date(2027, 2, 28))


def test_a_grace_episode_ends_only_when_every_premium_then_due_is_paid(runtime, now):
    number = make_account(
        runtime, premiums=("300.00",), subsidized=True, start=date(2027, 1, 1), now=now
    )
    bill(runtime, date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1))
    paid_elsewhere(runtime, number, "300.00", at(2026, 12, 10))
    paid_elsewhere(runtime, number, "600.00", at(2027, 2, 25))  # February and March: all due
    bill(runtime, date(2027, 4, 1), date(2027, 5, 1))
    paid_elsewhere(runtime, number, "300.00", at(2027, 3, 20))  # April on time; May missed
    d = state(runtime, number, at(2027, 4, 25))
    assert (d.missed_month, d.grace_ends) == (date(2027, 5, 1), date(2027, 7, 31))
