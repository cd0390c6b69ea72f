"""The delinquency job per coverage and per episode: one "grace started" notice per episode, a
return after grace that reopens delinquency with a pay-by date, a binder that never starts, a
dental-only termination, and what a terminated caller is told."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from billing_core import errors
from billing_core.backoffice.delinquency_job import account_standing, run_delinquency
from billing_core.backoffice.drafts import run_drafts
from billing_core.backoffice.models import MemberNotification, ReturnRetry
from billing_core.backoffice.nacha import parse_file, run_origination
from billing_core.backoffice.representment import run_retries
from billing_core.backoffice.return_items import read_return_file
from billing_core.backoffice.returns import apply_returns
from billing_core.bill_run import run_bill_run
from billing_core.billing_calendar import bill_run_issued_at
from billing_core.cancellation import cancel_payment
from billing_core.delinquency import delinquency_state
from billing_core.models import Coverage, Enrollee, Invoice
from billing_core.standing import caller_standing
from messages.render import render
from tests.backoffice.helpers import bill, eastern, make_member, pay
from tests.backoffice.return_files import ReturnSpec, build_return_file


def _notices(rt, kind=None):
    with rt.uow() as uow:
        rows = uow.session.scalars(select(MemberNotification).order_by(MemberNotification.id))
        return [n for n in rows if kind is None or n.kind == kind]


def _days(rt, start: date, end: date) -> None:
    day = start
    while day <= end:
        run_delinquency(rt.uow, now=eastern(day, 7))
        day += timedelta(days=1)


def test_a_member_who_stays_one_month_behind_gets_one_grace_notice_and_is_terminated(runtime):
    number, ref = make_member(runtime, start_month=date(2027, 1, 1), subsidized=True)
    bill(runtime, date(2027, 1, 1))
    pay(runtime, number, ref, "300.00", eastern(date(2026, 12, 10)), "jan")
    for month in (2, 3, 4, 5):
        bill(runtime, date(2027, month, 1))
    day = date(2027, 1, 2)
    while day <= date(2027, 5, 3):
        if day.day == 25 and day.month in (2, 3, 4):  # pays the month then ending, late
            pay(runtime, number, ref, "300.00", eastern(day, 8), f"late-{day}")
        run_delinquency(runtime.uow, now=eastern(day, 7))
        day += timedelta(days=1)
    assert len(_notices(runtime, "grace_started")) == 1
    assert len(_notices(runtime, "termination_warning")) == 3
    with runtime.uow() as uow:
        s = account_standing(uow, number)
    assert (s.state, s.coverage_ends, s.reinstate_by) == (
        "terminated",
        date(2027, 2, 28),
        date(2027, 6, 5),  # terminated May 1, 35 days to reinstate
    )


def _health_and_dental(rt):
    number, ref = make_member(rt, start_month=date(2027, 1, 1))
    with rt.uow() as uow:
        health = uow.session.scalars(select(Coverage)).one()
        uow.session.add(
            Coverage(
                enrollee_id=health.enrollee_id,
                account_id=health.account_id,
                line="dental",
                plan_name="Dental",
                monthly_premium=Decimal("30.00"),
                subsidized=False,
                start_month=date(2027, 1, 1),
            )
        )
    bill(rt, date(2027, 1, 1))
    pay(rt, number, ref, "330.00", eastern(date(2026, 12, 10)), "binder")
    bill(rt, date(2027, 2, 1))
    pay(rt, number, ref, "300.00", eastern(date(2027, 1, 20)), "feb-health")
    return number, ref


def test_an_unpaid_dental_bill_ends_the_dental_coverage_and_keeps_billing_health(runtime):
    number, _ = _health_and_dental(runtime)
    _days(runtime, date(2027, 1, 24), date(2027, 3, 10))
    with runtime.uow() as uow:
        ends = {c.line: c.end_month for c in uow.session.scalars(select(Coverage))}
        assert ends == {"health": None, "dental": date(2027, 1, 1)}  # January was its last month
        assert account_standing(uow, number).state == "current"
        assert run_bill_run(uow, date(2027, 4, 1), now=bill_run_issued_at(date(2027, 4, 1))) == 1
    [ended] = _notices(runtime, "coverage_line_terminated")
    assert ended.params["line"] == "dental" and ended.params["coverage_ends"] == "2027-01-31"
    assert not _notices(runtime, "coverage_terminated")


def test_an_unpaid_binder_means_coverage_never_started_and_cannot_be_reinstated(runtime):
    number, ref = make_member(runtime, start_month=date(2027, 1, 1))
    bill(runtime, date(2027, 1, 1))
    run_delinquency(runtime.uow, now=eastern(date(2027, 1, 1), 7))
    with runtime.uow() as uow:
        s = account_standing(uow, number)
    assert (s.state, s.reason, s.reinstate_by) == ("terminated", "binder_unpaid", None)
    assert [n.kind for n in _notices(runtime)][-1] == "coverage_not_started"
    with pytest.raises(errors.NothingOwed):  # the binder bill was withdrawn: nothing to pay
        pay(runtime, number, ref, "300.00", eastern(date(2027, 1, 10)), "too-late")
    run_delinquency(runtime.uow, now=eastern(date(2027, 1, 11), 7))
    with runtime.uow() as uow:
        assert account_standing(uow, number).state == "terminated"
        assert caller_standing(uow, number, now=eastern(date(2027, 1, 11))).state == "not_started"


def test_a_late_unauthorized_return_reopens_delinquency_with_a_notice_and_a_pay_by_date(
    runtime, ach_dir
):
    number, ref = make_member(runtime, start_month=date(2027, 1, 1), autopay_day=4)
    bill(runtime, date(2027, 1, 1))
    run_drafts(runtime.uow, now=eastern(date(2026, 12, 4), 6))
    res = run_origination(
        runtime.uow,
        now=eastern(date(2026, 12, 4), 15),
        file_date=date(2026, 12, 4),
        out_dir=ach_dir,
    )
    entry = parse_file(res.path.read_text()).entries[0]
    bill(runtime, date(2027, 2, 1))
    pay(runtime, number, ref, "300.00", eastern(date(2027, 1, 10)), "feb")
    _days(runtime, date(2027, 1, 2), date(2027, 2, 9))
    returned_on = date(2027, 2, 10)  # R10: 60 days to claim, long after January's grace
    text = build_return_file([ReturnSpec(entry, "R10", "")], created_at=eastern(returned_on))
    items = read_return_file(text, received_on=returned_on)
    apply_returns(runtime.uow, items, now=eastern(returned_on, 10), source="R10.ach")
    run_delinquency(runtime.uow, now=eastern(date(2027, 2, 11), 7))
    with runtime.uow() as uow:
        s = account_standing(uow, number)
    assert (s.state, s.grace_ends) == ("grace", date(2027, 3, 12))
    [notice] = _notices(runtime, "grace_started")
    assert notice.params["grace_ends"] == "2027-03-12" and notice.params["reopened"] is True
    _days(runtime, date(2027, 2, 12), date(2027, 3, 12))
    with runtime.uow() as uow:
        assert account_standing(uow, number).state == "grace"
    run_delinquency(runtime.uow, now=eastern(date(2027, 3, 13), 7))
    with runtime.uow() as uow:
        s = account_standing(uow, number)
    assert (s.state, s.coverage_ends) == ("terminated", date(2027, 1, 31))


def _missing_january(rt):
    number, ref = make_member(rt, start_month=date(2026, 12, 1))
    bill(rt, date(2026, 12, 1))
    pay(rt, number, ref, "300.00", eastern(date(2026, 11, 10)), "dec")
    bill(rt, date(2027, 1, 1))
    bill(rt, date(2027, 2, 1))
    return number, ref


def test_a_terminated_caller_hears_the_termination_date_and_the_reinstatement_window(runtime):
    number, _ = _missing_january(runtime)
    run_delinquency(runtime.uow, now=eastern(date(2027, 1, 1), 7))
    with runtime.uow() as uow:
        s = caller_standing(uow, number, now=eastern(date(2027, 1, 5)))
    assert (s.state, s.coverage_ends, s.reinstate_by) == (
        "terminated",
        date(2026, 12, 31),
        date(2027, 2, 5),
    )
    params = {
        "past_due_amount": str(s.past_due_amount),
        "coverage_end_date": s.coverage_ends.isoformat(),
        "reinstate_date": s.reinstate_by.isoformat(),
    }
    english = render("faq/late_payment.terminated", params, locale="en", channel="voice")
    spanish = render("faq/late_payment.terminated", params, locale="es", channel="voice")
    assert "December 31, 2026" in english and "February 5, 2027" in english
    assert "31 de diciembre de 2026" in spanish and "5 de febrero de 2027" in spanish


def test_after_the_window_a_caller_still_hears_terminated_though_the_bills_are_now_zero(runtime):
    number, _ = _missing_january(runtime)
    run_delinquency(runtime.uow, now=eastern(date(2027, 1, 1), 7))
    run_delinquency(runtime.uow, now=eastern(date(2027, 2, 6), 7))  # final: bills revised to $0
    with runtime.uow() as uow:
        assert {i.amount for i in uow.session.scalars(select(Invoice)) if i.revision} == {
            Decimal("0.00")
        }
        s = caller_standing(uow, number, now=eastern(date(2027, 2, 10)))
    assert (s.state, s.coverage_ends) == ("terminated_final", date(2026, 12, 31))


def test_a_re_presentment_never_collects_a_bill_issued_after_the_returned_payment(runtime, ach_dir):
    number, ref = make_member(runtime, start_month=date(2027, 1, 1), autopay_day=4)
    bill(runtime, date(2027, 1, 1))
    run_drafts(runtime.uow, now=eastern(date(2026, 12, 4), 6))
    res = run_origination(
        runtime.uow,
        now=eastern(date(2026, 12, 4), 15),
        file_date=date(2026, 12, 4),
        out_dir=ach_dir,
    )
    entry = parse_file(res.path.read_text()).entries[0]
    text = build_return_file([ReturnSpec(entry, "R01", "")], created_at=eastern(date(2026, 12, 30)))
    items = read_return_file(text, received_on=date(2026, 12, 30))
    apply_returns(runtime.uow, items, now=eastern(date(2026, 12, 30), 10), source="R01.ach")
    pay(runtime, number, ref, "300.00", eastern(date(2026, 12, 31)), "paid-by-phone")
    bill(runtime, date(2027, 2, 1))  # February's bill, due January 23, is not what was returned
    result = run_retries(runtime.uow, now=eastern(date(2027, 1, 5), 6), run_date=date(2027, 1, 5))
    assert (result.presented, result.cancelled) == (0, 1)
    with runtime.uow() as uow:
        assert uow.session.scalar(select(ReturnRetry.note)) == "bill already paid"


def test_a_re_presentment_goes_out_while_the_returned_bill_is_still_owed(runtime, ach_dir):
    number, _ = make_member(runtime, start_month=date(2027, 1, 1), autopay_day=4)
    bill(runtime, date(2027, 1, 1))
    run_drafts(runtime.uow, now=eastern(date(2026, 12, 4), 6))
    res = run_origination(
        runtime.uow,
        now=eastern(date(2026, 12, 4), 15),
        file_date=date(2026, 12, 4),
        out_dir=ach_dir,
    )
    entry = parse_file(res.path.read_text()).entries[0]
    text = build_return_file([ReturnSpec(entry, "R01", "")], created_at=eastern(date(2026, 12, 8)))
    items = read_return_file(text, received_on=date(2026, 12, 8))
    apply_returns(runtime.uow, items, now=eastern(date(2026, 12, 8), 10), source="R01.ach")
    result = run_retries(
        runtime.uow, now=eastern(date(2026, 12, 11), 6), run_date=date(2026, 12, 11)
    )
    assert (result.presented, result.cancelled) == (1, 0)
    del number


def test_a_renewal_in_a_new_plan_row_keeps_the_january_grace(runtime):
    number, ref = make_member(runtime, start_month=date(2026, 11, 1), subsidized=True)
    bill(runtime, date(2026, 11, 1))
    bill(runtime, date(2026, 12, 1))
    pay(runtime, number, ref, "600.00", eastern(date(2026, 10, 20)), "fall")
    with runtime.uow() as uow:
        old = uow.session.scalars(select(Coverage)).one()
        old.end_month = date(2026, 12, 1)
        person = uow.session.scalars(select(Enrollee)).one()
        uow.session.add(
            Coverage(
                enrollee_id=person.id,
                account_id=old.account_id,
                line="health",
                plan_name="2027 Silver",
                monthly_premium=Decimal("320.00"),
                subsidized=True,
                start_month=date(2027, 1, 1),
            )
        )
    bill(runtime, date(2027, 1, 1))
    _days(runtime, date(2026, 12, 24), date(2027, 1, 2))
    with runtime.uow() as uow:
        s = account_standing(uow, number)
    assert (s.state, s.reason, s.grace_ends) == ("grace", "subsidized_grace", date(2027, 3, 31))
    assert not _notices(runtime, "coverage_terminated")


def test_a_caller_who_paid_in_full_inside_the_window_hears_current_before_the_nightly_job(
    runtime,
):
    number, ref = _missing_january(runtime)
    run_delinquency(runtime.uow, now=eastern(date(2027, 1, 1), 7))
    pay(runtime, number, ref, "600.00", eastern(date(2027, 1, 20), 10), "reinstate")
    with runtime.uow() as uow:
        assert caller_standing(uow, number, now=eastern(date(2027, 1, 20), 11)).state == "current"


def test_a_cancelled_payment_does_not_keep_the_coverage_paid(runtime):
    number, ref = make_member(runtime, start_month=date(2026, 12, 1))
    bill(runtime, date(2026, 12, 1))
    pay(runtime, number, ref, "300.00", eastern(date(2026, 11, 10)), "dec")
    bill(runtime, date(2027, 1, 1))
    confirmation = pay(runtime, number, ref, "300.00", eastern(date(2026, 12, 20)), "jan")
    with runtime.uow() as uow:
        cancel_payment(
            uow, number, confirmation, channel="voice", now=eastern(date(2026, 12, 20), 11)
        )
    with runtime.uow() as uow:
        d = delinquency_state(uow, number, on=eastern(date(2026, 12, 28)))
    assert (d.state, d.past_due_amount) == ("grace", Decimal("300.00"))
