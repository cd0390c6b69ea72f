"""A month and a bit of back-office life for a few hundred accounts on PostgreSQL: bill run,
one-time payments, Reg E notices, drafts, files, returns, retries, grace and termination. At the
end every account's ledger balances to the cent and every file agrees with the database."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from billing_core.backoffice.business_days import is_business_day
from billing_core.backoffice.delinquency_job import run_delinquency
from billing_core.backoffice.drafts import plan_rege_notices, run_drafts
from billing_core.backoffice.models import (
    AccountStanding,
    NachaEntry,
    NachaFile,
    PaymentReversal,
)
from billing_core.backoffice.nacha import parse_file, run_origination
from billing_core.backoffice.representment import run_retries
from billing_core.backoffice.return_items import read_return_file
from billing_core.backoffice.returns import apply_returns
from billing_core.bill_run import revise_invoice
from billing_core.delinquency import delinquency_state
from billing_core.ledger import current_invoices, outstanding
from billing_core.models import Account, Invoice, Payment
from tests.backoffice.helpers import bill, eastern, make_member, pay
from tests.backoffice.return_files import ReturnSpec, build_return_file
from tests.conftest import make_runtime

ACCOUNTS = 240


@pytest.mark.postgres
@pytest.mark.slow
def test_a_month_of_back_office_work_balances_to_the_cent(postgres_url, tmp_path):
    rng = random.Random(7)
    rt = make_runtime(postgres_url, tmp_path)
    out = tmp_path / "ach"
    members = []
    for i in range(ACCOUNTS):
        autopay = rng.random() < 0.6
        number, ref = make_member(
            rt,
            premium=f"{rng.randint(5000, 90000) / 100:.2f}",
            start_month=date(2027, 1, 1),
            subsidized=rng.random() < 0.4,
            kind="employer" if i % 15 == 0 else "household",
            language=rng.choice(["en", "es"]),
            sms=rng.random() < 0.5,
            autopay_day=rng.randint(1, 23) if autopay else None,
            channel=rng.choice(["web", "voice", "paper"]),
        )
        behaviour = "autopay" if autopay else rng.choice(["on_time", "on_time", "late", "never"])
        members.append((number, ref, behaviour, rng.randint(2, 23)))
    bill(rt, date(2027, 1, 1))
    for number, ref, _, _ in members:  # everyone pays the binder in December
        with rt.uow() as uow:
            acct = uow.session.scalar(select(Account.id).where(Account.account_number == number))
            owed = outstanding(uow.session, acct)
        pay(rt, number, ref, str(owed), eastern(date(2026, 12, 10)), f"binder-{number}")

    pending_returns: dict[date, list] = {}
    day = date(2026, 12, 31)
    end = date(2027, 2, 2)
    while day <= end:
        now = eastern(day, 6)
        with time_machine.travel(now, tick=False):
            if day.day == 1:
                bill(rt, date(2027, day.month + 1, 1))
                if day.month == 1:  # a mid-month change: some bills are revised
                    with rt.uow() as uow:
                        for inv in uow.session.scalars(
                            select(Invoice).where(Invoice.coverage_month == date(2027, 2, 1))
                        ).all()[:12]:
                            revise_invoice(
                                uow,
                                inv.invoice_number,
                                new_amount=inv.amount + Decimal("17.25"),
                                now=eastern(day, 12),
                            )
            plan_rege_notices(rt.uow, now=now)
            run_drafts(rt.uow, now=now, chunk=50)
            run_retries(rt.uow, now=now, run_date=day)
            for number, ref, behaviour, pay_day in members:
                due_day = {"on_time": pay_day, "late": 27}.get(behaviour)
                if due_day == day.day and day.month == 1:
                    with rt.uow() as uow:
                        acct = uow.session.scalar(
                            select(Account.id).where(Account.account_number == number)
                        )
                        owed = outstanding(uow.session, acct)
                    if owed > 0:
                        pay(rt, number, ref, str(owed), eastern(day, 11), f"{behaviour}-{number}")
            if is_business_day(day):
                res = run_origination(rt.uow, now=eastern(day, 17), file_date=day, out_dir=out)
                if res.path is not None:
                    parsed = parse_file(res.path.read_text())
                    chosen = [e for e in parsed.entries if rng.random() < 0.12]
                    specs = [
                        ReturnSpec(
                            e, rng.choice(["R01", "R01", "R09", "R02", "R10", "C01"]), "55667788"
                        )
                        for e in chosen
                    ]
                    pending_returns.setdefault(day + timedelta(days=2), []).extend(specs)
            specs = pending_returns.pop(day, [])
            if specs and is_business_day(day):
                text = build_return_file(specs, created_at=eastern(day, 5))
                apply_returns(rt.uow, read_return_file(text, received_on=day), now=now, source="r")
            elif specs:
                pending_returns.setdefault(day + timedelta(days=1), []).extend(specs)
            run_delinquency(rt.uow, now=eastern(day, 7))
        day += timedelta(days=1)

    with rt.uow() as uow:
        s = uow.session
        # Every account: billed - credited == what the ledger says is owed, to the cent.
        for number, _, _, _ in members:
            acct = s.scalar(select(Account.id).where(Account.account_number == number))
            billed = sum((i.amount for i in current_invoices(s, acct)), Decimal("0.00"))
            paid = s.scalar(
                select(func.coalesce(func.sum(Payment.amount), 0)).where(Payment.account_id == acct)
            )
            reversed_ = s.scalar(
                select(func.coalesce(func.sum(PaymentReversal.amount), 0)).where(
                    PaymentReversal.account_id == acct
                )
            )
            assert billed - (Decimal(paid) - Decimal(reversed_)) == outstanding(s, acct) or (
                outstanding(s, acct) == 0 and billed < Decimal(paid) - Decimal(reversed_)
            ), number
            state = delinquency_state(uow, number, on=eastern(end, 7))
            standing = s.get(AccountStanding, acct)
            assert standing.state == state.state or (
                standing.state == "terminated" and state.state == "current"
            )
        # Reversals mirror their payments exactly; returned payments are exactly the reversed ones.
        rows = s.execute(
            select(PaymentReversal.amount, Payment.amount, Payment.status).join(
                Payment, Payment.id == PaymentReversal.payment_id
            )
        ).all()
        assert rows and all(r == p and st == "returned" for r, p, st in rows)
        assert s.scalar(select(func.count()).where(Payment.status == "returned")) == len(rows)
        # No invoice month drafted twice; every file's totals match its payments.
        keys = Counter(
            s.scalars(select(Payment.idempotency_key).where(Payment.channel == "autopay"))
        )
        assert keys and max(keys.values()) == 1
        for f in s.scalars(select(NachaFile)):
            parsed = parse_file((out / f.file_name).read_text())
            total = s.scalar(
                select(func.sum(Payment.amount))
                .join(NachaEntry, NachaEntry.payment_id == Payment.id)
                .where(NachaEntry.file_id == f.id)
            )
            assert parsed.total_debit == int(total * 100) == int(f.total_debit * 100)
            assert parsed.entry_addenda_count == f.entry_count
        states = Counter(s.scalars(select(AccountStanding.state)))
    assert states["terminated"] > 0 and states["current"] > 0
    rt.engine.dispose()
