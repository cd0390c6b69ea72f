"""A benefit year (December 2026 to December 2027) of five households through the real jobs: bill
run, AutoPay drafts, NACHA files, a late R10, and the daily delinquency job. Each household's
covered months, notices and money are asserted, and every ledger balances to the cent.

- health + dental, who stops paying dental in April: dental ends March 31, health all year;
- ConnectorCare at $0 for January to March, then $45 a month, paid on time: never a binder;
- APTC, misses June to August and pays everything owed in the last week of grace: covered;
- APTC, one month behind from March: one grace episode, one notice, coverage ends March 31;
- AutoPay, whose June draft comes back R10 on July 26: a notice with a pay-by date, pays, covered.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from billing_core.backoffice.business_days import is_business_day
from billing_core.backoffice.delinquency_job import run_delinquency
from billing_core.backoffice.drafts import run_drafts
from billing_core.backoffice.models import MemberNotification, NachaEntry, PaymentReversal
from billing_core.backoffice.nacha import parse_file, run_origination
from billing_core.backoffice.return_items import read_return_file
from billing_core.backoffice.returns import apply_returns
from billing_core.billing_calendar import add_months
from billing_core.ledger import current_invoices, outstanding
from billing_core.models import Account, Coverage, Payment
from tests.backoffice.helpers import bill, eastern, make_member, pay
from tests.backoffice.return_files import ReturnSpec, build_return_file

START, END = date(2026, 12, 1), date(2027, 12, 31)
R10_ON = date(2027, 7, 26)


def _add_dental(rt, number: str) -> None:
    with rt.uow() as uow:
        acct = uow.session.scalar(select(Account.id).where(Account.account_number == number))
        health = uow.session.scalars(select(Coverage).where(Coverage.account_id == acct)).one()
        uow.session.add(
            Coverage(
                enrollee_id=health.enrollee_id,
                account_id=acct,
                line="dental",
                plan_name="Dental",
                monthly_premium=Decimal("30.00"),
                start_month=date(2027, 1, 1),
            )
        )


def _schedule() -> dict[str, dict[date, str]]:
    """Who pays what, by phone, on which day (10 AM Eastern)."""
    plans: dict[str, dict[date, str]] = {k: {} for k in ("dental", "cc", "aptc", "behind", "r10")}
    plans["dental"][date(2026, 12, 10)] = "330.00"
    for m in range(1, 13):  # on the 20th for next month: health and dental to March, then health
        plans["dental"][date(2027, m, 20)] = "330.00" if m < 3 else "300.00"
    for m in range(3, 13):  # $45 from April, on the 15th before
        plans["cc"][date(2027, m, 15)] = "45.00"
    plans["aptc"][date(2026, 12, 10)] = "300.00"
    for m in (1, 2, 3, 4, 8, 9, 10, 11, 12):
        plans["aptc"][date(2027, m, 15)] = "300.00"
    del plans["aptc"][date(2027, 8, 15)]
    plans["aptc"][date(2027, 8, 26)] = "1200.00"  # June to September, in grace's last week
    plans["behind"] = {
        date(2026, 12, 10): "300.00",
        date(2027, 1, 15): "300.00",
        date(2027, 3, 25): "300.00",
        date(2027, 4, 25): "300.00",
        date(2027, 5, 25): "300.00",
    }
    plans["r10"][date(2027, 8, 10)] = "600.00"  # August and September, after the notice
    for m in range(9, 13):
        plans["r10"][date(2027, m, 15)] = "300.00"
    return plans


@pytest.mark.slow
def test_a_benefit_year_of_households_keeps_each_coverage_it_paid_for(runtime, tmp_path):
    rt = runtime
    out = tmp_path / "ach"
    members = {
        "dental": make_member(rt, start_month=date(2027, 1, 1)),
        "cc": make_member(rt, start_month=date(2027, 1, 1), premium="0.00", subsidized=True),
        "aptc": make_member(rt, start_month=date(2027, 1, 1), subsidized=True),
        "behind": make_member(rt, start_month=date(2027, 1, 1), subsidized=True),
        "r10": make_member(rt, start_month=date(2027, 1, 1), autopay_day=5),
    }
    _add_dental(rt, members["dental"][0])
    plans = _schedule()
    entries: dict[str, object] = {}  # trace number -> parsed entry, to build the return file
    day = START
    while day <= END:
        if day.day == 1:
            if day == date(2027, 3, 1):  # ConnectorCare's premium becomes $45 from April
                with rt.uow() as uow:
                    cc = uow.session.scalar(
                        select(Account.id).where(Account.account_number == members["cc"][0])
                    )
                    uow.session.scalars(
                        select(Coverage).where(Coverage.account_id == cc)
                    ).one().monthly_premium = Decimal("45.00")
            bill(rt, add_months(day, 1))
        run_drafts(rt.uow, now=eastern(day, 6))
        run_delinquency(rt.uow, now=eastern(day, 7))
        for name, (number, ref) in members.items():
            amount = plans[name].get(day)
            if amount:
                pay(rt, number, ref, amount, eastern(day, 10), f"{name}-{day}")
        if day == R10_ON:
            with rt.uow() as uow:
                trace = uow.session.scalar(
                    select(NachaEntry.trace_number)
                    .join(Payment, Payment.id == NachaEntry.payment_id)
                    .where(Payment.idempotency_key.like("autopay:%:2027-07"))
                )
            text = build_return_file(
                [ReturnSpec(entries[trace], "R10", "")], created_at=eastern(day, 9)
            )
            items = read_return_file(text, received_on=day)
            apply_returns(rt.uow, items, now=eastern(day, 10, 30), source="R10.ach")
        if is_business_day(day):
            res = run_origination(rt.uow, now=eastern(day, 17), file_date=day, out_dir=out)
            if res.path is not None:
                for e in parse_file(res.path.read_text()).entries:
                    entries[e.trace_number] = e
        day += timedelta(days=1)

    outcome = {name: _outcome(rt, number) for name, (number, _) in members.items()}
    year = list(range(1, 13))
    assert outcome["dental"]["covered"] == {"health": year, "dental": [1, 2, 3]}
    assert outcome["dental"]["notices"] == Counter(
        {"grace_started": 1, "termination_warning": 1, "coverage_line_terminated": 1}
    )
    assert outcome["cc"]["covered"] == {"health": year}
    assert outcome["cc"]["notices"] == Counter()
    assert outcome["aptc"]["covered"] == {"health": year}
    assert outcome["aptc"]["notices"] == Counter(
        {"past_due_warning": 1, "grace_started": 1, "termination_warning": 3}
    )
    assert outcome["behind"]["covered"] == {"health": [1, 2, 3]}
    assert outcome["behind"]["notices"] == Counter(
        {
            "past_due_warning": 1,
            "grace_started": 1,
            "termination_warning": 3,
            "coverage_terminated": 1,
        }
    )
    assert outcome["r10"]["covered"] == {"health": year}
    assert outcome["r10"]["notices"] == Counter(
        {
            "payment_returned": 1,
            "autopay_suspended": 1,
            "grace_started": 1,
            "termination_warning": 1,
        }
    )
    with rt.uow() as uow:
        [reopened] = uow.session.scalars(
            select(MemberNotification).where(MemberNotification.kind == "grace_started")
        ).all()[-1:]
    assert reopened.params["grace_ends"] == "2027-08-25" and reopened.params["reopened"] is True
    # Money: what each paid, drafted and still owes or holds as credit, to the cent.
    assert outcome["r10"]["drafted"] == Decimal("2400.00")  # January to August
    assert outcome["behind"]["credit"] == Decimal("600.00")  # April and May, paid after the end
    for name, o in outcome.items():
        assert o["owed"] == 0, name
        assert o["billed"] - o["net_paid"] == o["owed"] - o["credit"], name


def _outcome(rt, number: str) -> dict:
    with rt.uow() as uow:
        s = uow.session
        acct = s.scalar(select(Account.id).where(Account.account_number == number))
        covered: dict[str, list[int]] = {}
        for c in s.scalars(select(Coverage).where(Coverage.account_id == acct)):
            last = c.end_month or date(2027, 12, 1)
            covered[c.line] = [m for m in range(1, 13) if c.start_month <= date(2027, m, 1) <= last]
        notices = Counter(
            s.scalars(select(MemberNotification.kind).where(MemberNotification.account_id == acct))
        )
        billed = sum((i.amount for i in current_invoices(s, acct)), Decimal("0.00"))
        paid = s.scalar(
            select(func.coalesce(func.sum(Payment.amount), 0)).where(Payment.account_id == acct)
        )
        reversed_ = s.scalar(
            select(func.coalesce(func.sum(PaymentReversal.amount), 0)).where(
                PaymentReversal.account_id == acct
            )
        )
        drafted = s.scalar(
            select(func.coalesce(func.sum(Payment.amount), 0)).where(
                Payment.account_id == acct, Payment.channel == "autopay"
            )
        )
        net = Decimal(paid) - Decimal(reversed_)
        owed = outstanding(s, acct)
        return {
            "covered": covered,
            "notices": notices,
            "billed": billed,
            "net_paid": net,
            "owed": owed,
            "credit": max(net - billed, Decimal("0.00")),
            "drafted": Decimal(drafted),
        }
