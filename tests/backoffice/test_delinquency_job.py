"""Daily delinquency job: transitions, notices, coverage end dates, reinstatement window."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from billing_core.backoffice.delinquency_job import account_standing, run_delinquency
from billing_core.backoffice.models import MemberNotification, StandingChange
from billing_core.balances import get_balance
from billing_core.bill_run import run_bill_run
from billing_core.models import Invoice
from tests.backoffice.helpers import bill, eastern, make_member, pay


def _run(rt, day, hour=7):
    return run_delinquency(rt.uow, now=eastern(day, hour))


def _standing(rt, number):
    with rt.uow() as uow:
        return account_standing(uow, number)


def _kinds(rt):
    with rt.uow() as uow:
        return [
            n.kind
            for n in uow.session.scalars(select(MemberNotification).order_by(MemberNotification.id))
        ]


def _unsubsidized_missing_january(rt):
    number, ref = make_member(rt, start_month=date(2026, 12, 1))
    bill(rt, date(2026, 12, 1))
    pay(rt, number, ref, "300.00", eastern(date(2026, 11, 10)), "dec")
    bill(rt, date(2027, 1, 1))
    return number, ref


def test_an_unsubsidized_late_payment_gets_a_short_grace_then_ends_with_the_last_paid_month(
    runtime,
):
    number, _ = _unsubsidized_missing_january(runtime)
    _run(runtime, date(2026, 12, 23), 16)  # before 5 PM on the due date: still current
    assert _standing(runtime, number).state == "current"
    _run(runtime, date(2026, 12, 24))
    s = _standing(runtime, number)
    assert (s.state, s.grace_ends) == ("grace", date(2026, 12, 31))
    _run(runtime, date(2027, 1, 1))
    s = _standing(runtime, number)
    assert (s.state, s.coverage_ends, s.reinstate_by) == (
        "terminated",
        date(2026, 12, 31),
        date(2027, 2, 5),
    )
    assert _kinds(runtime) == ["grace_started", "termination_warning", "coverage_terminated"]


def test_paying_in_full_within_the_reinstatement_window_restores_the_account(runtime):
    number, ref = _unsubsidized_missing_january(runtime)
    _run(runtime, date(2027, 1, 1))
    pay(runtime, number, ref, "300.00", eastern(date(2027, 1, 20)), "late")
    result = _run(runtime, date(2027, 1, 21))
    assert _standing(runtime, number).state == "current"
    assert result.changes == {"terminated->current": 1}
    assert "coverage_reinstated" in _kinds(runtime)


def test_paying_after_the_reinstatement_window_leaves_the_account_terminated(runtime):
    number, ref = _unsubsidized_missing_january(runtime)
    _run(runtime, date(2027, 1, 1))
    pay(runtime, number, ref, "300.00", eastern(date(2027, 2, 8)), "too-late")
    _run(runtime, date(2027, 2, 9))
    s = _standing(runtime, number)
    assert (s.state, s.coverage_ends) == ("terminated", date(2026, 12, 31))
    assert "coverage_reinstated" not in _kinds(runtime)


def test_once_the_reinstatement_window_closes_the_ended_coverage_is_no_longer_billed(runtime):
    number, _ = _unsubsidized_missing_january(runtime)
    bill(runtime, date(2027, 2, 1))
    _run(runtime, date(2027, 1, 1))
    with runtime.uow() as uow:  # inside the window the bills stand: paying them reinstates
        assert get_balance(uow, number, now=eastern(date(2027, 1, 2))).amount_due == Decimal(
            "600.00"
        )
    _run(runtime, date(2027, 2, 6))
    _run(runtime, date(2027, 2, 7))  # a second run changes nothing more
    with runtime.uow() as uow:
        assert get_balance(uow, number, now=eastern(date(2027, 2, 7))).amount_due == 0
        revised = uow.session.scalars(select(Invoice).where(Invoice.revision == 1)).all()
        assert sorted(i.coverage_month for i in revised) == [date(2027, 1, 1), date(2027, 2, 1)]
        assert run_bill_run(uow, date(2027, 3, 1), now=eastern(date(2027, 2, 1))) == 0


def test_a_subsidized_member_gets_three_grace_months_and_coverage_ends_after_the_first(runtime):
    number, ref = make_member(runtime, start_month=date(2027, 1, 1), subsidized=True)
    bill(runtime, date(2027, 1, 1))
    pay(runtime, number, ref, "300.00", eastern(date(2026, 12, 10)), "jan")
    bill(runtime, date(2027, 2, 1))
    _run(runtime, date(2027, 1, 25))
    assert _standing(runtime, number).state == "past_due"
    for day in (date(2027, 2, 2), date(2027, 2, 20), date(2027, 3, 2), date(2027, 4, 2)):
        _run(runtime, day)
        s = _standing(runtime, number)
        assert (s.state, s.grace_ends) == ("grace", date(2027, 4, 30))
    _run(runtime, date(2027, 5, 1))
    s = _standing(runtime, number)
    assert (s.state, s.coverage_ends) == ("terminated", date(2027, 2, 28))
    kinds = _kinds(runtime)
    assert kinds.count("termination_warning") == 3
    assert kinds[0] == "past_due_warning" and kinds[-1] == "coverage_terminated"
    with runtime.uow() as uow:
        history = [(c.from_state, c.to_state) for c in uow.session.scalars(select(StandingChange))]
    assert history == [(None, "past_due"), ("past_due", "grace"), ("grace", "terminated")]


def test_an_unpaid_binder_bill_means_coverage_never_starts(runtime):
    number, _ = make_member(runtime, start_month=date(2027, 1, 1), subsidized=True)
    bill(runtime, date(2027, 1, 1))
    _run(runtime, date(2026, 12, 28))
    assert (_standing(runtime, number).state, _standing(runtime, number).reason) == (
        "past_due",
        "binder_unpaid",
    )
    _run(runtime, date(2027, 1, 1))
    assert _standing(runtime, number).state == "terminated"


def test_running_the_job_twice_a_day_evaluates_each_account_once(runtime):
    _unsubsidized_missing_january(runtime)
    assert _run(runtime, date(2026, 12, 24)).evaluated == 1
    assert _run(runtime, date(2026, 12, 24), 18).evaluated == 0
    assert _kinds(runtime).count("grace_started") == 1
