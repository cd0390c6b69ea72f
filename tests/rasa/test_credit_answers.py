"""A verified member with a credit hears it as a credit, on every channel the balance answer serves."""

from __future__ import annotations

from datetime import date

from actions.account import ActionCheckBalance
from billing_core.backoffice.import_files import read_payment_csv
from billing_core.backoffice.payment_import import import_payments
from billing_core.balances import get_balance
from billing_core.billing_calendar import utcnow
from messages.render import render
from tests.rasa.conftest import make_tracker, payloads
from tests.rasa.test_actions import run


def test_a_member_who_paid_beyond_every_bill_hears_the_credit(demo):
    with demo.uow() as uow:
        owed = get_balance(uow, "1000000001", now=utcnow()).amount_due
    text = (
        "reference,account_number,amount,received_on,method,channel\n"
        f"W-20,1000000001,{owed + 20},{date(2026, 11, 30)},check,walk_in\n"
    )
    report = import_payments(
        demo.uow,
        read_payment_csv(text, today=date(2026, 12, 1)),
        file_name="w.csv",
        content=text,
        now=utcnow(),
    )
    assert report.posted == 1
    for channel in ("voice", "sms", "web"):
        tracker = make_tracker(
            slots={"verified": True, "account_number": "1000000001"},
            metadata={"channel": channel, "locale": "en"},
        )
        dispatcher, _ = run(ActionCheckBalance(), tracker)
        first = payloads(dispatcher)[0]
        assert first == {"msg": "balance_credit", "credit_amount": "20.00"}
    assert render("balance_credit", first, locale="es", channel="sms") == (
        "Tiene un crédito de $20.00. Se aplicará a su próxima factura."
    )
