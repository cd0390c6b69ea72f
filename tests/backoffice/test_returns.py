"""ACH returns and NOCs: reversing entries, restored balances, notices, suspension, retries."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from billing_core.backoffice.drafts import run_drafts
from billing_core.backoffice.models import (
    BankCorrection,
    MemberNotification,
    PaymentReversal,
    ReturnRetry,
)
from billing_core.backoffice.nacha import parse_file, run_origination
from billing_core.backoffice.representment import run_retries
from billing_core.backoffice.return_items import read_return_csv, read_return_file
from billing_core.backoffice.returns import apply_returns
from billing_core.ledger import outstanding
from billing_core.models import Account, AutopayEnrollment, BankMethod, Payment
from tests.backoffice.helpers import bill, eastern, make_member, pay
from tests.backoffice.return_files import ReturnSpec, build_return_file

JAN = date(2027, 1, 1)


def _drafted_file(rt, ach_dir, **member):
    number, ref = make_member(rt, autopay_day=4, **member)
    bill(rt, JAN)
    run_drafts(rt.uow, now=eastern(date(2026, 12, 4), 6))
    res = run_origination(
        rt.uow, now=eastern(date(2026, 12, 4), 15), file_date=date(2026, 12, 4), out_dir=ach_dir
    )
    return number, ref, parse_file(res.path.read_text())


def _return(rt, parsed, code, on, corrected="", index=0):
    text = build_return_file(
        [ReturnSpec(parsed.entries[index], code, corrected)], created_at=eastern(on)
    )
    items = read_return_file(text, received_on=on)
    return apply_returns(rt.uow, items, now=eastern(on, 10), source="RET.ach")


def _owed(rt, number):
    with rt.uow() as uow:
        acct = uow.session.scalar(select(Account.id).where(Account.account_number == number))
        return outstanding(uow.session, acct)


def test_an_r01_adds_a_reversing_entry_restores_the_balance_and_schedules_a_retry(runtime, ach_dir):
    number, _, parsed = _drafted_file(runtime, ach_dir, language="es", sms=True)
    assert _owed(runtime, number) == Decimal("0.00")
    result = _return(runtime, parsed, "R01", date(2026, 12, 8))
    assert (result.returned, result.retries_scheduled, result.suspended) == (1, 1, 0)
    assert _owed(runtime, number) == Decimal("300.00")
    with runtime.uow() as uow:
        payment = uow.session.scalars(select(Payment)).one()
        reversal = uow.session.scalars(select(PaymentReversal)).one()
        assert payment.amount == Decimal("300.00") and payment.status == "returned"
        assert (reversal.amount, reversal.return_code) == (Decimal("300.00"), "R01")
        retry = uow.session.scalars(select(ReturnRetry)).one()
        assert (retry.attempt, retry.due_on) == (1, date(2026, 12, 11))  # 3 banking days
        notes = {n.kind: n for n in uow.session.scalars(select(MemberNotification))}
        assert notes["payment_returned"].language == "es"
        assert notes["payment_returned"].channel == "sms"
        assert notes["payment_returned"].params["reason"] == "insufficient_funds"
        assert "retry_scheduled" in notes


def test_importing_the_same_return_twice_changes_nothing_the_second_time(runtime, ach_dir):
    number, _, parsed = _drafted_file(runtime, ach_dir)
    _return(runtime, parsed, "R01", date(2026, 12, 8))
    again = _return(runtime, parsed, "R01", date(2026, 12, 8))
    assert (again.returned, again.duplicates) == (0, 1)
    assert _owed(runtime, number) == Decimal("300.00")


def test_retries_stop_after_two_re_presentments(runtime, ach_dir):
    number, _, parsed = _drafted_file(runtime, ach_dir)
    day = date(2026, 12, 8)
    _return(runtime, parsed, "R01", day)
    for attempt, (run_day, return_day) in enumerate(
        [(date(2026, 12, 11), date(2026, 12, 15)), (date(2026, 12, 18), date(2026, 12, 22))],
        start=1,
    ):
        presented = run_retries(runtime.uow, now=eastern(run_day, 6), run_date=run_day)
        assert presented.presented == 1
        res = run_origination(
            runtime.uow, now=eastern(run_day, 15), file_date=run_day, out_dir=ach_dir
        )
        retry_file = parse_file(res.path.read_text())
        assert retry_file.batches[0].description == "RETRY PYMT"
        result = _return(runtime, retry_file, "R01", return_day)
        assert result.retries_scheduled == (1 if attempt == 1 else 0)
    with runtime.uow() as uow:
        assert len(uow.session.scalars(select(Payment)).all()) == 3
        assert [r.attempt for r in uow.session.scalars(select(ReturnRetry))] == [1, 2]
    assert _owed(runtime, number) == Decimal("300.00")


def test_a_retry_is_cancelled_when_the_member_has_paid_meanwhile(runtime, ach_dir):
    number, ref, parsed = _drafted_file(runtime, ach_dir)
    _return(runtime, parsed, "R01", date(2026, 12, 8))
    pay(runtime, number, ref, "300.00", eastern(date(2026, 12, 9)), "paid-by-phone")
    result = run_retries(runtime.uow, now=eastern(date(2026, 12, 11)), run_date=date(2026, 12, 11))
    assert (result.presented, result.cancelled) == (0, 1)
    assert _owed(runtime, number) == Decimal("0.00")


def test_an_account_closed_return_suspends_autopay_and_stops_later_drafts(runtime, ach_dir):
    number, _, parsed = _drafted_file(runtime, ach_dir)
    result = _return(runtime, parsed, "R02", date(2026, 12, 7))
    assert (result.suspended, result.retries_scheduled) == (1, 0)
    with runtime.uow() as uow:
        assert uow.session.scalar(select(AutopayEnrollment.status)) == "suspended"
    bill(runtime, date(2027, 2, 1))
    run_drafts(runtime.uow, now=eastern(date(2027, 1, 4), 6))
    with runtime.uow() as uow:
        assert len(uow.session.scalars(select(Payment)).all()) == 1
    assert _owed(runtime, number) == Decimal("600.00")


def test_a_noc_updates_the_stored_bank_details_without_recording_the_number(runtime, ach_dir):
    _, _, parsed = _drafted_file(runtime, ach_dir)
    result = _return(runtime, parsed, "C01", date(2026, 12, 7), corrected="99887766")
    assert result.corrections == 1
    with runtime.uow() as uow:
        bank = uow.session.scalars(select(BankMethod)).one()
        assert bank.last4 == "7766"
        assert runtime.cipher.decrypt(bank.account_number_encrypted) == "99887766"
        correction = uow.session.scalars(select(BankCorrection)).one()
        assert (
            "99887766" not in repr(correction.detail) and correction.detail["new_last4"] == "7766"
        )
        assert uow.session.scalar(select(Payment.status)) == "pending"  # a NOC is not a return


def test_a_csv_of_returns_by_confirmation_number_is_applied(runtime, ach_dir):
    number, _, _ = _drafted_file(runtime, ach_dir)
    with runtime.uow() as uow:
        confirmation = uow.session.scalar(select(Payment.confirmation_number))
    csv_text = f"confirmation_number,return_code,return_date\n{confirmation},R10,2026-12-30\n"
    items = read_return_csv(csv_text, received_on=date(2026, 12, 31))
    result = apply_returns(runtime.uow, items, now=eastern(date(2026, 12, 31)), source="csv")
    assert (result.returned, result.suspended) == (1, 1)
    assert _owed(runtime, number) == Decimal("300.00")


def test_no_full_bank_account_number_reaches_logs_notices_or_records(runtime, ach_dir, caplog):
    caplog.set_level(logging.DEBUG)
    _, _, parsed = _drafted_file(runtime, ach_dir, sms=True)
    full = parsed.entries[0].account_number
    _return(runtime, parsed, "R01", date(2026, 12, 8))
    _return(runtime, parsed, "C01", date(2026, 12, 8), corrected="11223344556")
    apply_returns(
        runtime.uow,
        read_return_csv("trace_number,return_code\n999,R01\n", received_on=date(2026, 12, 8)),
        now=datetime(2026, 12, 8, tzinfo=UTC),
        source="csv",
    )
    assert full not in caplog.text and "11223344556" not in caplog.text
    with runtime.uow() as uow:
        for model in (MemberNotification, PaymentReversal, BankCorrection, ReturnRetry):
            for row in uow.session.scalars(select(model)):
                text = repr({k: v for k, v in row.__dict__.items() if not k.startswith("_")})
                assert full not in text and "11223344556" not in text
