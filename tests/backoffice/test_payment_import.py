"""Payments made elsewhere: a lockbox BAI2 file and a CSV of walk-in or portal payments are posted
idempotently by external reference, whole or not at all, with every bad line reported."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from billing_core.backoffice.cli import main
from billing_core.backoffice.import_files import read_lockbox_bai2, read_payment_csv
from billing_core.backoffice.payment_import import import_payments
from billing_core.balances import get_balance
from billing_core.delinquency import delinquency_state
from billing_core.models import AuditEvent, Payment
from billing_core.money_models import PaymentImport
from tests.backoffice.bai2_files import lockbox_file
from tests.backoffice.helpers import bill, eastern, make_member
from tests.conftest import make_runtime

TODAY = date(2026, 12, 22)
NOW = eastern(TODAY, 8)
JAN = date(2027, 1, 1)


def _bai2(rt, text, name="lockbox.bai"):
    return import_payments(
        rt.uow, read_lockbox_bai2(text, today=TODAY), file_name=name, content=text, now=NOW
    )


def _csv(rt, text, name="walkin.csv"):
    return import_payments(
        rt.uow, read_payment_csv(text, today=TODAY), file_name=name, content=text, now=NOW
    )


def _count(rt, *where):
    with rt.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(Payment).where(*where))


def test_a_lockbox_file_posts_each_check_once_and_the_member_owes_nothing_at_once(runtime):
    maria, _ = make_member(runtime, premium="300.00", start_month=JAN)
    jose, _ = make_member(runtime, premium="120.00", start_month=JAN)
    bill(runtime, JAN)
    text = lockbox_file(
        [
            ("115", 42000, "DEP-1", ""),  # the deposit total: not a payment of its own
            ("116", 30000, "LBX-0001", maria),
            ("116", 5000, "LBX-0002", jose),
            ("165", 7000, "BP-0003", jose),  # bank bill-pay by ACH credit
        ],
        as_of=date(2026, 12, 21),
    )
    report = _bai2(runtime, text)
    assert (report.status, report.posted, report.amount) == ("accepted", 3, Decimal("420.00"))
    assert [s.line for s in report.skipped] == [4]
    again = _bai2(runtime, text, name="lockbox-again.bai")
    assert (again.status, again.posted, again.duplicates) == ("accepted", 0, 3)
    assert _count(runtime, Payment.channel.in_(("lockbox", "bill_pay"))) == 3
    with runtime.uow() as uow:
        assert get_balance(uow, maria, now=NOW).amount_due == Decimal("0.00")
        assert get_balance(uow, jose, now=NOW).amount_due == Decimal("0.00")
        assert delinquency_state(uow, maria, on=eastern(date(2026, 12, 28))).state == "current"
        check = uow.session.scalars(
            select(Payment).where(Payment.idempotency_key == "ext:lockbox:LBX-0001")
        ).one()
        assert (check.method, check.status, check.effective_date) == (
            "check",
            "settled",
            date(2026, 12, 21),
        )
        audits = uow.session.scalar(
            select(func.count()).where(AuditEvent.action == "external_payment_posted")
        )
        assert audits == 3


def test_a_lockbox_file_with_bad_lines_imports_nothing_and_reports_every_bad_line(runtime):
    maria, _ = make_member(runtime, premium="300.00", start_month=JAN)
    bill(runtime, JAN)
    text = lockbox_file(
        [
            ("116", 30000, "LBX-1", maria),  # good, but the file is rejected
            ("116", 100, "LBX-2", "9999999999"),  # no such account
            ("116", 100, "LBX-3", "12AB"),  # not an account number
            ("116", 100, "LBX-1", maria),  # the same reference twice
            ("195", 100, "W-1", maria),  # a wire: a credit nobody said is a premium
        ],
        as_of=date(2026, 12, 21),
    )
    report = _bai2(runtime, text)
    assert report.status == "rejected" and report.posted == 0
    assert [(e.line, e.field) for e in report.errors] == [
        (5, "account_number"),
        (6, "customer reference"),
        (7, "reference"),
        (8, "type code"),
    ]
    assert _count(runtime) == 0
    with runtime.uow() as uow:
        row = uow.session.scalars(select(PaymentImport)).one()
        assert row.status == "rejected" and len(row.report) == 4
        assert "0001234567" not in str(row.report)  # never a bank account number


def test_a_malformed_bai2_file_is_rejected_line_by_line_before_anything_is_read(runtime):
    good = lockbox_file([("116", 30000, "LBX-1", "1000000001")], as_of=date(2026, 12, 21))
    lines = good.splitlines()
    lines[3] = "16,116,300.00,Z,LBX-1,1000000001/"  # amounts are whole cents
    lines.insert(4, "17,garbage")
    report = _bai2(runtime, "\n".join(lines) + "\n")
    assert [(e.line, e.field) for e in report.errors] == [(4, "amount"), (5, "record code")]
    wrong_total = good.replace("49,30000,3/", "49,30001,3/")
    [error] = _bai2(runtime, wrong_total).errors
    assert error.line == 0 and "control total" in error.reason


WALK_IN_COLUMNS = "reference,account_number,amount,received_on,method,channel\n"


def test_a_csv_batch_with_any_bad_line_imports_nothing_and_names_each_fault(runtime):
    maria, _ = make_member(runtime, premium="300.00", start_month=JAN)
    bill(runtime, JAN)
    text = WALK_IN_COLUMNS + (
        f"W-1,{maria},100.00,2026-12-21,check,walk_in\n"
        f"W-2,{maria},12.345,2026-12-21,check,walk_in\n"
        f"W-3,{maria},10.00,2027-01-05,cash,walk_in\n"
        f"W-4,1000009999,10.00,2026-12-21,moneyorder,walk_in\n"
        f",{maria},10.00,2026-12-21,eft,portal\n"
    )
    report = _csv(runtime, text)
    assert report.status == "rejected"
    assert [(e.line, e.field) for e in report.errors] == [
        (3, "amount"),
        (4, "received_on"),
        (4, "method"),
        (5, "account_number"),
        (6, "reference"),
    ]
    assert _count(runtime) == 0
    fixed = WALK_IN_COLUMNS + f"W-1,{maria},100.00,2026-12-21,check,walk_in\n"
    assert _csv(runtime, fixed).posted == 1
    conflicting = WALK_IN_COLUMNS + f"W-1,{maria},200.00,2026-12-21,check,walk_in\n"
    [conflict] = _csv(runtime, conflicting).errors
    assert (conflict.line, conflict.reason) == (2, "already used for a different payment")
    assert _csv(runtime, "account,amount\n1,2\n").errors[0].field == "header"


def test_the_import_command_prints_the_report_and_fails_on_a_rejected_file(
    runtime, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("BANK_DATA_KEY_FILE", str(runtime.settings.bank_data_key_path))
    maria, _ = make_member(runtime, premium="300.00", start_month=JAN)
    bill(runtime, JAN)
    good, bad = tmp_path / "good.csv", tmp_path / "bad.bai"
    good.write_text(WALK_IN_COLUMNS + f"P-9,{maria},300.00,2026-12-21,eft,portal\n")
    bad.write_text(lockbox_file([("116", 100, "X", "1")], as_of=date(2026, 12, 21)))
    with time_machine.travel(NOW, tick=False):
        assert main(["--quiet", "import-payments", str(good), "--csv"]) == 0
        assert main(["--quiet", "import-payments", str(bad)]) == 1
    captured = capsys.readouterr()
    assert "1 payments posted ($300.00)" in captured.out
    assert "rejected, 1 bad lines, nothing posted" in captured.out
    assert "line 4: customer reference" in captured.err


@pytest.mark.postgres
def test_two_imports_of_the_same_file_in_parallel_post_each_payment_once(postgres_url, tmp_path):
    rt = make_runtime(postgres_url, tmp_path)
    members = [make_member(rt, premium="90.00", start_month=JAN)[0] for _ in range(30)]
    bill(rt, JAN)
    text = lockbox_file(
        [("116", 9000, f"LBX-{n}", m) for n, m in enumerate(members)], as_of=date(2026, 12, 21)
    )
    reports = []
    threads = [threading.Thread(target=lambda: reports.append(_bai2(rt, text))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.posted for r in reports) == [0, 30]
    assert _count(rt) == 30
    rt.engine.dispose()
