"""A benefit year of money that comes in from elsewhere and money that goes back, day by day through
every back-office job (bill run, Reg E, drafts, refunds, NACHA, settlement, delinquency):

- an AutoPay member whose check arrives the day before a draft (in full: no draft; in part: the
  draft takes only the rest);
- a member whose coverage ends after AutoPay paid the next month: one refund, one ACH credit
  entry in the NACHA files, never twice;
- a member whose bill is revised to $0 after a partial payment: a credit, applied to the next bill.

At the end every account's ledger balances to the cent and every file agrees with the database.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from billing_core.backoffice.business_days import is_business_day
from billing_core.backoffice.delinquency_job import run_delinquency
from billing_core.backoffice.drafts import plan_rege_notices, run_drafts, scheduled_draft_date
from billing_core.backoffice.import_files import read_lockbox_bai2, read_payment_csv
from billing_core.backoffice.models import NachaEntry, NachaFile, RegEPreference
from billing_core.backoffice.nacha import parse_file, run_origination
from billing_core.backoffice.payment_import import import_payments
from billing_core.backoffice.refunds import run_refunds
from billing_core.backoffice.settlement import run_settlement
from billing_core.balances import get_balance
from billing_core.bill_run import end_coverage, revise_invoice
from billing_core.credits import billed_total, credit_balance
from billing_core.ledger import NOT_CREDITED, current_invoices, outstanding
from billing_core.models import Account, Payment
from billing_core.money_models import Refund
from tests.backoffice.bai2_files import lockbox_file
from tests.backoffice.helpers import bill, eastern, make_member, pay
from tests.conftest import make_runtime

Z = Decimal("0.00")
YEAR = 2027


def _id(s, number):
    return s.scalar(select(Account.id).where(Account.account_number == number))


def _owed(rt, number):
    with rt.uow() as uow:
        return outstanding(uow.session, _id(uow.session, number))


def _import(rt, text, *, csv, day, name):
    reader = read_payment_csv if csv else read_lockbox_bai2
    report = import_payments(
        rt.uow, reader(text, today=day), file_name=name, content=text, now=eastern(day, 5)
    )
    assert report.status == "accepted" and report.posted == 1, report.errors
    return report


@pytest.mark.postgres
@pytest.mark.slow
def test_a_benefit_year_of_checks_refunds_and_credits_balances_to_the_cent(postgres_url, tmp_path):
    rt = make_runtime(postgres_url, tmp_path)
    out = tmp_path / "ach"
    jan = date(YEAR, 1, 1)
    created = eastern(date(2026, 11, 2))
    checker, _ = make_member(rt, premium="250.00", start_month=jan, autopay_day=15, created=created)
    leaver, _ = make_member(rt, premium="200.00", start_month=jan, autopay_day=5, created=created)
    reviser, reviser_bank = make_member(rt, premium="300.00", start_month=jan, created=created)
    steady = [
        make_member(rt, premium="410.55", start_month=jan, autopay_day=23, created=created)[0],
        make_member(rt, premium="99.99", start_month=jan, autopay_day=1, created=created)[0],
    ]
    with rt.uow() as uow:  # Reg E 1005.10(d)(2): the checker is told only outside $0-$300
        uow.session.add(
            RegEPreference(
                account_id=_id(uow.session, checker), range_low=Z, range_high=Decimal("300")
            )
        )
    # The check in full arrives the day before April's draft, part of July's the day before its.
    full_check_on = scheduled_draft_date(date(YEAR, 3, 1), 15) - timedelta(days=1)
    part_check_on = scheduled_draft_date(date(YEAR, 6, 1), 15) - timedelta(days=1)
    may = date(YEAR, 5, 1)
    checkpoints = {}

    day = date(2026, 12, 1)
    while day <= date(YEAR, 12, 31):
        now = eastern(day, 6)
        with time_machine.travel(now, tick=False):
            if day.day == 1 and day < date(YEAR, 12, 1):
                bill(rt, date(day.year + day.month // 12, day.month % 12 + 1, 1))
            if day == full_check_on:
                text = lockbox_file([("116", 25000, "LBX-APR", checker)], as_of=day)
                _import(rt, text, csv=False, day=day, name="lockbox-apr.bai")
            if day == part_check_on:
                text = (
                    "reference,account_number,amount,received_on,method,channel\n"
                    f"WALKIN-77,{checker},100.00,{day},check,walk_in\n"
                )
                _import(rt, text, csv=True, day=day, name="walkin-jul.csv")
            if day == date(YEAR, 6, 10):  # the leaver's coverage ends with June; July was drafted
                with rt.uow() as uow:
                    end_coverage(uow, _id(uow.session, leaver), date(YEAR, 6, 30), now=now)
            if (day.day == 20 and day.month != 12) or day == date(2026, 12, 20):
                owed = _owed(rt, reviser)
                if day == date(YEAR, 4, 20):
                    owed = Decimal("100.00")  # part of May's bill
                if owed > 0:
                    pay(rt, reviser, reviser_bank, str(owed), eastern(day, 11), f"rev-{day}")
            if day == date(YEAR, 4, 21):  # May's bill is revised to $0 after the partial payment
                with rt.uow() as uow:
                    [inv] = [
                        i
                        for i in current_invoices(uow.session, _id(uow.session, reviser))
                        if i.coverage_month == may
                    ]
                    revise_invoice(uow, inv.invoice_number, new_amount=Z, now=eastern(day, 12))
                with rt.uow() as uow:
                    checkpoints["after_revision"] = get_balance(uow, reviser, now=eastern(day, 13))
            if day == date(YEAR, 5, 2):
                with rt.uow() as uow:
                    checkpoints["next_bill"] = get_balance(uow, reviser, now=now)
            plan_rege_notices(rt.uow, now=now)
            run_drafts(rt.uow, now=now)
            run_refunds(rt.uow, now=now)
            if is_business_day(day):
                run_origination(rt.uow, now=eastern(day, 17), file_date=day, out_dir=out)
            run_settlement(rt.uow, now=now, run_date=day)
            run_delinquency(rt.uow, now=eastern(day, 7))
        day += timedelta(days=1)

    # The revised bill: the partial payment became a credit, and the next bill took it.
    assert (checkpoints["after_revision"].credit, checkpoints["after_revision"].amount_due) == (
        Decimal("100.00"),
        Z,
    )
    assert (checkpoints["next_bill"].credit, checkpoints["next_bill"].next_amount) == (
        Z,
        Decimal("200.00"),
    )

    files = [parse_file(p.read_text()) for p in sorted(out.glob("*.ach"))]
    credit_entries = [e for f in files for e in f.entries if e.transaction_code in ("22", "32")]
    with rt.uow() as uow:
        s = uow.session

        def drafted(number):
            return s.scalar(
                select(func.coalesce(func.sum(Payment.amount), 0)).where(
                    Payment.account_id == _id(s, number), Payment.channel == "autopay"
                )
            )

        def draft_months(number):
            keys = s.scalars(
                select(Payment.idempotency_key).where(
                    Payment.account_id == _id(s, number), Payment.channel == "autopay"
                )
            )
            return sorted(k.rsplit(":", 1)[1] for k in keys)

        # The check in full: no April draft. The check in part: July drafted only the rest.
        months = [f"{YEAR}-{m:02d}" for m in range(1, 13)]
        assert draft_months(checker) == [m for m in months if m != f"{YEAR}-04"]
        july = s.scalar(
            select(Payment.amount).where(
                Payment.idempotency_key == f"autopay:{_id(s, checker)}:{YEAR}-07"
            )
        )
        assert july == Decimal("150.00")
        assert Decimal(drafted(checker)) == Decimal("2650.00")  # 10 x 250 + 150

        # The leaver: January to July drafted, July refunded once, as one ACH credit entry.
        assert draft_months(leaver) == months[:7]
        assert Decimal(drafted(leaver)) == Decimal("1400.00")
        [refund] = s.scalars(select(Refund)).all()
        assert (refund.account_id, refund.amount, refund.status) == (
            _id(s, leaver),
            Decimal("200.00"),
            "originated",
        )
        [entry] = credit_entries
        assert (entry.individual_id, entry.amount_cents, entry.trace_number) == (
            leaver,
            20000,
            refund.trace_number,
        )

        # Every account: billed - (paid - refunded) = owed - credit, to the cent.
        for number in [checker, leaver, reviser, *steady]:
            acct = _id(s, number)
            paid = s.scalar(
                select(func.coalesce(func.sum(Payment.amount), 0)).where(
                    Payment.account_id == acct, Payment.status.not_in(NOT_CREDITED)
                )
            )
            refunded = s.scalar(
                select(func.coalesce(func.sum(Refund.amount), 0)).where(Refund.account_id == acct)
            )
            net = Decimal(paid) - Decimal(refunded)
            assert billed_total(s, acct) - net == outstanding(s, acct) - credit_balance(s, acct)
            assert outstanding(s, acct) == Z, number  # everyone paid the whole year
            assert credit_balance(s, acct) == Z, number  # and no money is left behind
        assert billed_total(s, _id(s, reviser)) == Decimal("3300.00")  # 11 x 300, May $0

        # Every file: debits are its payments, credits its refunds, to the cent.
        for f in s.scalars(select(NachaFile)):
            parsed = parse_file((out / f.file_name).read_text())
            debits = s.scalar(
                select(func.coalesce(func.sum(Payment.amount), 0))
                .join(NachaEntry, NachaEntry.payment_id == Payment.id)
                .where(NachaEntry.file_id == f.id)
            )
            credits = s.scalar(
                select(func.coalesce(func.sum(Refund.amount), 0)).where(Refund.file_id == f.id)
            )
            assert parsed.total_debit == int(Decimal(debits) * 100) == int(f.total_debit * 100)
            assert parsed.total_credit == int(Decimal(credits) * 100)
            assert parsed.entry_addenda_count == f.entry_count
    rt.engine.dispose()
