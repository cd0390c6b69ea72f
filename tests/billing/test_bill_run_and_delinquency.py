"""The monthly bill run, revised bills, and delinquency states under the grace-period rules."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from billing_core.balances import get_balance
from billing_core.bill_run import revise_invoice, run_bill_run
from billing_core.delinquency import delinquency_state
from billing_core.models import Invoice, Payment
from tests.billing.factories import bill, make_account


def test_the_bill_run_bills_each_coverage_once_and_a_second_run_adds_nothing(runtime, now):
    make_account(runtime, premiums=("200.00", "30.00"), now=now)
    with runtime.uow() as uow:
        assert run_bill_run(uow, date(2026, 12, 1), now=now) == 2
    with runtime.uow() as uow:
        assert run_bill_run(uow, date(2026, 12, 1), now=now) == 0
        invoices = uow.session.scalars(select(Invoice).order_by(Invoice.id)).all()
    assert [i.amount for i in invoices] == [Decimal("200.00"), Decimal("30.00")]
    assert all(i.due_at == datetime(2026, 11, 23, 22, 0, tzinfo=UTC) for i in invoices)


def test_coverage_that_has_not_started_is_not_billed(runtime, now):
    make_account(runtime, start=date(2027, 2, 1), now=now)
    with runtime.uow() as uow:
        assert run_bill_run(uow, date(2027, 1, 1), now=now) == 0


def test_a_revised_bill_supersedes_the_earlier_one_and_keeps_its_due_date(runtime, now):
    number = make_account(runtime, now=now)
    bill(runtime, date(2027, 1, 1))
    with runtime.uow() as uow:
        revised = revise_invoice(uow, "20270101", new_amount=Decimal("150.00"), now=now)
    assert revised.invoice_number == "20270111" and revised.revision == 1
    with runtime.uow() as uow:
        original = uow.session.scalars(select(Invoice).where(Invoice.revision == 0)).one()
        assert original.amount == Decimal("200.00")  # never edited
        assert revised.due_at == original.due_at and revised.replaces_id == original.id
        assert get_balance(uow, number, now=now).amount_due == Decimal("150.00")


def _pay(runtime, number, amount, when):
    with runtime.uow() as uow:
        account_id = uow.session.scalar(select(func.min(Invoice.account_id)))
        uow.session.add(
            Payment(
                confirmation_number=f"1{when:%m%d%H%M}",
                account_id=account_id,
                idempotency_key=f"t-{when.isoformat()}",
                amount=Decimal(amount),
                method="check",
                channel="mail",
                status="settled",
                effective_date=when.date(),
                created_at=when,
            )
        )


def at(y, m, d):
    return datetime(y, m, d, 17, 0, tzinfo=UTC)


@pytest.fixture
def subsidized(runtime, now):
    number = make_account(runtime, subsidized=True, start=date(2026, 9, 1), now=now)
    bill(
        runtime,
        date(2026, 9, 1),
        date(2026, 10, 1),
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
    )
    _pay(runtime, number, "200.00", at(2026, 8, 20))  # September paid; October missed
    return number


def test_a_member_who_paid_everything_due_is_current(runtime, now):
    number = make_account(runtime, now=now)
    bill(runtime, date(2026, 12, 1))
    _pay(runtime, number, "200.00", at(2026, 11, 20))
    with runtime.uow() as uow:
        assert delinquency_state(uow, number, on=now).state == "current"


def test_a_subsidized_member_is_past_due_before_the_missed_month_starts(runtime, subsidized):
    with runtime.uow() as uow:
        state = delinquency_state(uow, subsidized, on=at(2026, 9, 25))
    assert state.state == "past_due" and state.missed_month == date(2026, 10, 1)


def test_a_subsidized_member_gets_three_grace_months(runtime, subsidized):
    with runtime.uow() as uow:
        state = delinquency_state(uow, subsidized, on=at(2026, 12, 15))
    assert state.state == "grace"
    assert state.grace_ends == date(2026, 12, 31)
    assert state.past_due_amount == Decimal("600.00")


def test_unpaid_after_grace_ends_coverage_on_the_last_day_of_the_first_grace_month(
    runtime, subsidized
):
    with runtime.uow() as uow:
        state = delinquency_state(uow, subsidized, on=at(2027, 1, 2))
    assert state.state == "terminated"
    assert state.coverage_ends == date(2026, 10, 31)


def test_an_unsubsidized_member_has_a_short_grace_to_the_end_of_the_due_month(runtime, now):
    number = make_account(runtime, start=date(2026, 9, 1), now=now)
    bill(runtime, date(2026, 9, 1), date(2026, 10, 1))
    _pay(runtime, number, "200.00", at(2026, 8, 20))
    with runtime.uow() as uow:
        grace = delinquency_state(uow, number, on=at(2026, 9, 28))
        ended = delinquency_state(uow, number, on=at(2026, 10, 2))
    assert (grace.state, grace.grace_ends) == ("grace", date(2026, 9, 30))
    assert (ended.state, ended.coverage_ends) == ("terminated", date(2026, 9, 30))


def test_an_unpaid_first_bill_means_coverage_never_starts(runtime, now):
    number = make_account(runtime, start=date(2026, 12, 1), now=now)
    bill(runtime, date(2026, 12, 1))
    with runtime.uow() as uow:
        state = delinquency_state(uow, number, on=at(2026, 12, 5))
    assert (state.state, state.reason, state.coverage_ends) == ("terminated", "binder_unpaid", None)


def test_paying_the_full_balance_inside_grace_makes_the_member_current(runtime, subsidized):
    _pay(runtime, subsidized, "600.00", at(2026, 12, 10))
    with runtime.uow() as uow:
        assert delinquency_state(uow, subsidized, on=at(2026, 12, 15)).state == "current"
