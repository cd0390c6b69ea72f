"""Payment status from the ledger: pending (before and after it is sent), posted, returned with its
reason and next step, cancelled; the latest AutoPay draft, the next draft, credits and refunds.

December 2026: Tuesday the 1st; January's bill is due Wednesday 23 December."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from billing_core.backoffice.drafts import run_drafts
from billing_core.backoffice.nacha import run_origination
from billing_core.backoffice.refunds import run_refunds
from billing_core.backoffice.returns import ReturnItem, apply_returns
from billing_core.backoffice.settlement import run_settlement
from billing_core.bill_run import revise_invoice
from billing_core.cancellation import cancel_payment
from billing_core.models import Coverage, Invoice, Payment
from billing_core.payment_status import payment_fact, payment_status
from tests.backoffice.helpers import bill, eastern, make_member, pay

JAN = date(2027, 1, 1)
PAID = eastern(date(2026, 12, 2), 10)  # Wednesday


def status(rt, number, at):
    with rt.uow() as uow:
        return payment_status(uow, number, now=at)


def returned(rt, confirmation, code, on, at):
    item = ReturnItem(code=code, returned_on=on, confirmation_number=confirmation)
    apply_returns(rt.uow, [item], now=at, source="test-returns.csv")


def test_a_member_who_never_paid_has_no_latest_payment(runtime):
    number, _ = make_member(runtime, start_month=JAN)
    bill(runtime, JAN)
    seen = status(runtime, number, PAID)
    assert seen.latest is None and seen.latest_draft is None and seen.refund is None
    assert seen.balance.amount_due == Decimal("300.00")


def test_a_phone_payment_is_scheduled_then_processing_then_posted(runtime, tmp_path):
    number, ref = make_member(runtime, start_month=JAN)
    bill(runtime, JAN)
    confirmation = pay(runtime, number, ref, "300.00", PAID, "status-1")
    fact = status(runtime, number, PAID).latest
    assert (fact.confirmation_number, fact.amount, fact.channel) == (
        confirmation,
        Decimal("300.00"),
        "voice",
    )
    assert (fact.state, fact.cancellable, fact.made_on) == ("scheduled", True, date(2026, 12, 2))
    assert fact.final_on == date(2026, 12, 4)  # two banking days after it is debited
    run_origination(
        runtime.uow,
        now=eastern(date(2026, 12, 2), 17),
        file_date=date(2026, 12, 2),
        out_dir=tmp_path,
    )
    fact = status(runtime, number, eastern(date(2026, 12, 2), 18)).latest
    assert (fact.state, fact.cancellable, fact.final_on) == ("processing", False, date(2026, 12, 4))
    run_settlement(runtime.uow, now=eastern(date(2026, 12, 7), 6))
    assert status(runtime, number, eastern(date(2026, 12, 7), 9)).latest.state == "posted"


def test_a_returned_payment_says_why_and_that_it_will_be_tried_again(runtime):
    number, ref = make_member(runtime, start_month=JAN)
    bill(runtime, JAN)
    confirmation = pay(runtime, number, ref, "300.00", PAID, "status-r01")
    returned(runtime, confirmation, "R01", date(2026, 12, 4), eastern(date(2026, 12, 4), 12))
    seen = status(runtime, number, eastern(date(2026, 12, 4), 13))
    fact = seen.latest
    assert (fact.state, fact.returned_on, fact.return_reason) == (
        "returned",
        date(2026, 12, 4),
        "insufficient_funds",
    )
    assert (
        fact.next_step == "retry" and fact.retry_on is not None and fact.retry_on > fact.returned_on
    )
    assert seen.balance.amount_due == Decimal("300.00")  # owed again


def test_a_stopped_payment_asks_the_member_to_pay_again_until_they_do(runtime):
    number, ref = make_member(runtime, start_month=JAN)
    bill(runtime, JAN)
    first = pay(runtime, number, ref, "300.00", PAID, "status-r08")
    returned(runtime, first, "R08", date(2026, 12, 4), eastern(date(2026, 12, 4), 12))
    fact = status(runtime, number, eastern(date(2026, 12, 4), 13)).latest
    assert (fact.return_reason, fact.next_step, fact.retry_on) == (
        "payment_stopped",
        "pay_again",
        None,
    )
    pay(runtime, number, ref, "300.00", eastern(date(2026, 12, 7), 10), "status-r08-again")
    seen = status(runtime, number, eastern(date(2026, 12, 7), 11))
    assert seen.latest.state == "scheduled"  # the newest payment comes first
    with runtime.uow() as uow:
        payment = uow.session.scalars(
            select(Payment).where(Payment.confirmation_number == first)
        ).one()
        again = payment_fact(uow.session, payment, date(2026, 12, 7), seen.balance.amount_due)
    assert again.next_step == "paid_since"


def test_a_returned_autopay_draft_on_a_closed_account_needs_a_new_bank_account(runtime):
    number, _ = make_member(runtime, start_month=JAN, autopay_day=4)
    bill(runtime, JAN)
    run_drafts(runtime.uow, now=eastern(date(2026, 12, 4), 6))
    with runtime.uow() as uow:
        draft = uow.session.scalars(select(Payment).where(Payment.channel == "autopay")).one()
        drafted = draft.confirmation_number
    returned(runtime, drafted, "R02", date(2026, 12, 8), eastern(date(2026, 12, 8), 12))
    seen = status(runtime, number, eastern(date(2026, 12, 8), 13))
    assert seen.latest.autopay and seen.latest.state == "returned"
    assert (seen.latest.return_reason, seen.latest.next_step) == ("account_closed", "new_bank")
    assert seen.autopay.status == "suspended"


def test_the_latest_draft_is_told_too_when_a_one_time_payment_came_after_it(runtime):
    number, ref = make_member(runtime, start_month=JAN, autopay_day=4)
    bill(runtime, JAN)
    run_drafts(runtime.uow, now=eastern(date(2026, 12, 4), 6))
    with runtime.uow() as uow:  # the bill goes up after the draft; the member pays the rest
        invoice = uow.session.scalars(select(Invoice).order_by(Invoice.id.desc())).first()
        revise_invoice(
            uow,
            invoice.invoice_number,
            new_amount=Decimal("340.00"),
            now=eastern(date(2026, 12, 5)),
        )
    pay(runtime, number, ref, "40.00", eastern(date(2026, 12, 7), 10), "status-rest")
    seen = status(runtime, number, eastern(date(2026, 12, 7), 11))
    assert (seen.latest.amount, seen.latest.channel) == (Decimal("40.00"), "voice")
    draft = seen.latest_draft
    assert (draft.amount, draft.autopay, draft.made_on) == (
        Decimal("300.00"),
        True,
        date(2026, 12, 4),
    )
    assert draft.state == "scheduled" and not draft.cancellable  # a draft is paused, not cancelled


def test_a_cancelled_payment_and_the_next_autopay_draft(runtime):
    number, ref = make_member(runtime, start_month=JAN, autopay_day=21)
    bill(runtime, JAN)
    confirmation = pay(runtime, number, ref, "100.00", PAID, "status-cancel")
    with runtime.uow() as uow:
        cancel_payment(uow, number, confirmation, channel="voice", now=PAID)
    seen = status(runtime, number, PAID)
    assert seen.latest.state == "cancelled" and not seen.latest.cancellable
    assert (seen.autopay.next_draft_date, seen.autopay.next_draft_amount) == (
        date(2026, 12, 21),
        Decimal("300.00"),
    )


def test_a_credit_and_a_refund_on_its_way_are_part_of_the_answer(runtime):
    number, _ = make_member(runtime, start_month=date(2026, 11, 1))
    with runtime.uow() as uow:  # coverage ended with November, which was paid by check and more
        coverage = uow.session.scalars(select(Coverage).order_by(Coverage.id.desc())).first()
        coverage.end_month = date(2026, 11, 1)
    bill(runtime, date(2026, 11, 1))
    with runtime.uow() as uow:
        uow.session.add(
            Payment(
                confirmation_number="7000000001",
                idempotency_key="ext:mail:status-credit",
                account_id=coverage.account_id,
                amount=Decimal("420.00"),
                method="check",
                channel="mail",
                status="settled",
                effective_date=date(2026, 10, 21),
                created_at=eastern(date(2026, 10, 21), 9),
            )
        )
    seen = status(runtime, number, eastern(date(2026, 11, 2), 9))
    assert (seen.latest.state, seen.latest.channel) == ("posted", "mail")
    assert seen.balance.credit == Decimal("120.00") and seen.refund is None
    run_refunds(runtime.uow, now=eastern(date(2026, 12, 2), 6))
    refund = status(runtime, number, eastern(date(2026, 12, 2), 9)).refund
    assert refund is not None and refund.state == "on_its_way"
    assert refund.amount == Decimal("120.00") and refund.method == "check"
