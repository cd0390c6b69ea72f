"""Originated debits settle once their return window has passed; returns still reverse them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from billing_core.backoffice.settlement import run_settlement
from billing_core.models import Payment
from tests.backoffice.helpers import eastern
from tests.backoffice.test_returns import _drafted_file, _owed, _return


def _statuses(rt):
    with rt.uow() as uow:
        return [p.status for p in uow.session.scalars(select(Payment).order_by(Payment.id))]


def test_a_debit_stays_pending_inside_the_return_window_and_settles_after_it(runtime, ach_dir):
    _drafted_file(runtime, ach_dir)  # drafted and originated Friday 4 December 2026
    assert run_settlement(runtime.uow, now=eastern(date(2026, 12, 7))) == 0  # 1 banking day
    assert _statuses(runtime) == ["pending"]
    assert run_settlement(runtime.uow, now=eastern(date(2026, 12, 8))) == 1  # 2 banking days
    assert _statuses(runtime) == ["settled"]
    assert run_settlement(runtime.uow, now=eastern(date(2026, 12, 9))) == 0  # once


def test_a_returned_debit_never_settles(runtime, ach_dir):
    _, _, parsed = _drafted_file(runtime, ach_dir)
    _return(runtime, parsed, "R01", date(2026, 12, 7))
    assert run_settlement(runtime.uow, now=eastern(date(2026, 12, 10))) == 0
    assert _statuses(runtime) == ["returned"]


def test_a_late_unauthorized_return_still_reverses_a_settled_debit(runtime, ach_dir):
    number, _, parsed = _drafted_file(runtime, ach_dir)
    run_settlement(runtime.uow, now=eastern(date(2026, 12, 10)))
    _return(runtime, parsed, "R10", date(2027, 1, 15))
    assert _statuses(runtime) == ["returned"]
    assert _owed(runtime, number) == Decimal("300.00")


def test_a_payment_not_yet_in_an_origination_file_does_not_settle(runtime):
    from tests.backoffice.helpers import bill, make_member, pay

    number, ref = make_member(runtime)
    bill(runtime, date(2027, 1, 1))
    pay(runtime, number, ref, "100.00", eastern(date(2026, 12, 1)), "k")
    assert run_settlement(runtime.uow, now=eastern(date(2026, 12, 15))) == 0
