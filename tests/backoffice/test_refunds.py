"""Refunds: a credit left when coverage has ended goes back as one ACH credit entry (22/32) in the
NACHA file, once, with an audit event; unsettled money and open reinstatement windows wait."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from billing_core.backoffice.models import AccountStanding
from billing_core.backoffice.nacha import parse_file, run_origination
from billing_core.backoffice.refunds import run_refunds
from billing_core.backoffice.settlement import run_settlement
from billing_core.balances import get_balance
from billing_core.bill_run import end_coverage
from billing_core.models import Account, AuditEvent, BankMethod, Payment
from billing_core.money_models import Refund
from billing_core.payment_methods import add_bank_method
from tests.backoffice.helpers import bill, eastern, make_member, pay

JAN = date(2027, 1, 1)


def _account_id(rt, number):
    with rt.uow() as uow:
        return uow.session.scalar(select(Account.id).where(Account.account_number == number))


def _ended_with_credit(rt, *, premium="300.00", paid="300.00", settle=True, kind="checking"):
    """Paid January in December, then coverage ended with December: January's bill is revised to
    $0 and the payment is a credit."""
    number, ref = make_member(rt, premium=premium, start_month=date(2026, 12, 1))
    if kind == "savings":
        with rt.uow() as uow:
            ref = add_bank_method(
                uow,
                number,
                routing_number="011000015",
                bank_account_number="55501234",
                kind="savings",
                channel="voice",
                now=eastern(date(2026, 12, 1)),
            ).reference
    bill(rt, JAN)
    pay(rt, number, ref, paid, eastern(date(2026, 12, 10), 10), f"jan-{number}")
    run_origination(
        rt.uow,
        now=eastern(date(2026, 12, 10), 17),
        file_date=date(2026, 12, 10),
        out_dir=rt.settings.bank_data_key_path.parent / "ach-pay",
    )
    if settle:
        run_settlement(rt.uow, now=eastern(date(2026, 12, 15)), run_date=date(2026, 12, 15))
    with rt.uow() as uow:
        end_coverage(
            uow, _account_id(rt, number), date(2026, 12, 31), now=eastern(date(2026, 12, 20))
        )
    return number


def _file(rt, day, out):
    return run_origination(rt.uow, now=eastern(day, 17), file_date=day, out_dir=out)


def test_a_credit_after_coverage_ended_is_refunded_once_as_an_ach_credit_entry(runtime, tmp_path):
    number = _ended_with_credit(runtime)
    out = tmp_path / "ach"
    day = date(2027, 1, 4)
    first = run_refunds(runtime.uow, now=eastern(day, 6))
    again = run_refunds(runtime.uow, now=eastern(day, 7))
    assert (first.refunds, first.amount, again.refunds) == (1, Decimal("300.00"), 0)
    res = _file(runtime, day, out)
    assert _file(runtime, day, out).path is None  # nothing left: never sent twice
    assert (res.credits, res.credit_total, res.total) == (1, Decimal("300.00"), Decimal("0.00"))
    parsed = parse_file(res.path.read_text())
    [batch] = parsed.batches
    [entry] = batch.entries
    assert (entry.transaction_code, entry.amount_cents, entry.individual_id) == (
        "22",
        30000,
        number,
    )
    assert (batch.service_class, batch.sec_code, batch.description) == ("220", "PPD", "HC REFUND")
    assert (parsed.total_credit, parsed.total_debit) == (30000, 0)
    assert run_refunds(runtime.uow, now=eastern(date(2027, 2, 1), 6)).refunds == 0
    with runtime.uow() as uow:
        balance = get_balance(uow, number, now=eastern(day))
        assert (balance.credit, balance.amount_due) == (Decimal("0.00"), Decimal("0.00"))
        [refund] = uow.session.scalars(select(Refund)).all()
        assert (refund.status, refund.trace_number) == ("originated", entry.trace_number)
        [audit] = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "refund_created")
        ).all()
        assert audit.detail["amount"] == "300.00" and audit.detail["method"] == "eft"


def test_a_refund_to_a_savings_account_uses_transaction_code_32(runtime, tmp_path):
    _ended_with_credit(runtime, kind="savings")
    day = date(2027, 1, 4)
    run_refunds(runtime.uow, now=eastern(day, 6))
    [entry] = parse_file(_file(runtime, day, tmp_path).path.read_text()).entries
    assert entry.transaction_code == "32"


def test_a_credit_backed_by_an_unsettled_debit_waits_until_it_settles(runtime):
    number = _ended_with_credit(runtime, settle=False)
    day = date(2027, 1, 4)
    assert run_refunds(runtime.uow, now=eastern(day, 6)).refunds == 0
    run_settlement(runtime.uow, now=eastern(day), run_date=day)
    assert run_refunds(runtime.uow, now=eastern(day, 8)).refunds == 1
    with runtime.uow() as uow:
        assert get_balance(uow, number, now=eastern(day)).credit == Decimal("0.00")


def test_no_refund_while_coverage_runs_or_a_reinstatement_window_is_open(runtime):
    running, ref = make_member(runtime, premium="100.00", start_month=JAN)
    bill(runtime, JAN)
    pay(runtime, running, ref, "100.00", eastern(date(2026, 12, 10), 10), "r1")
    with runtime.uow() as uow:  # a credit (January revised down) on a coverage that runs on
        from billing_core.bill_run import revise_invoice
        from billing_core.ledger import current_invoices

        [inv] = current_invoices(uow.session, _account_id(runtime, running))
        revise_invoice(
            uow, inv.invoice_number, new_amount=Decimal("60.00"), now=eastern(date(2026, 12, 11))
        )
    ended = _ended_with_credit(runtime)
    with runtime.uow() as uow:
        uow.session.add(
            AccountStanding(
                account_id=_account_id(runtime, ended),
                state="terminated",
                reason="short_grace",
                past_due_amount=Decimal("0.00"),
                reinstate_by=date(2027, 1, 20),
                evaluated_on=date(2027, 1, 4),
                since=date(2026, 12, 16),
            )
        )
    assert run_refunds(runtime.uow, now=eastern(date(2027, 1, 4), 6)).refunds == 0
    with runtime.uow() as uow:
        assert get_balance(uow, running, now=eastern(date(2027, 1, 4))).credit == Decimal("40.00")
    assert run_refunds(runtime.uow, now=eastern(date(2027, 1, 21), 6)).refunds == 1


def test_a_member_who_paid_by_check_gets_a_check_refund_recorded_for_finance(runtime, tmp_path):
    number, _ = make_member(runtime, premium="50.00", start_month=date(2026, 12, 1))
    with runtime.uow() as uow:
        acct = _account_id(runtime, number)
        uow.session.add(
            Payment(
                confirmation_number="5550000001",
                idempotency_key="ext:walk_in:W1",
                account_id=acct,
                amount=Decimal("75.00"),
                fee=Decimal("0.00"),
                method="check",
                channel="walk_in",
                status="settled",
                effective_date=date(2026, 12, 5),
                created_at=eastern(date(2026, 12, 5)),
            )
        )
        end_coverage(uow, acct, date(2026, 12, 31), now=eastern(date(2026, 12, 20)))
    bill(runtime, date(2026, 12, 1))
    res = run_refunds(runtime.uow, now=eastern(date(2027, 1, 4), 6))
    assert (res.refunds, res.by_check, res.amount) == (1, 1, Decimal("25.00"))  # 75 - 50
    assert _file(runtime, date(2027, 1, 4), tmp_path).path is None  # no bank account: no entry
    with runtime.uow() as uow:
        [refund] = uow.session.scalars(select(Refund)).all()
        assert (refund.method, refund.status, refund.bank_method_id) == ("check", "check_due", None)
        assert uow.session.scalar(select(BankMethod.id)) is not None  # on file, never debited
