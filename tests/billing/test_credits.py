"""Credit balances: money beyond every bill is a credit, said as such and applied to the next bill;
payments over what is owed are refused with the amount owed."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from billing_core import errors
from billing_core.balances import get_balance
from billing_core.bill_run import revise_invoice
from billing_core.ledger import current_invoices
from billing_core.models import Account
from billing_core.payments import take_payment
from messages.render import render
from tests.billing.factories import bank_and_consent, bill, make_account


def _pay(runtime, number, amount, key, now):
    ref, auth_id = bank_and_consent(runtime, number, now=now)
    with runtime.uow() as uow:
        return take_payment(
            uow,
            number,
            amount=amount,
            channel="voice",
            idempotency_key=key,
            authorization_id=auth_id,
            bank_method_reference=ref,
            now=now,
        )


def _invoices(runtime, number, month):
    with runtime.uow() as uow:
        acct = uow.session.scalar(select(Account.id).where(Account.account_number == number))
        return [
            i.invoice_number
            for i in current_invoices(uow.session, acct)
            if i.coverage_month == month
        ]


def test_a_partial_payment_toward_a_month_revised_to_zero_becomes_a_credit_applied_to_the_next_bill(
    runtime, now
):
    number = make_account(runtime, premiums=("300.00",), start=date(2027, 1, 1), now=now)
    bill(runtime, date(2027, 1, 1))
    _pay(runtime, number, "100.00", "partial", now)
    with runtime.uow() as uow:
        [inv] = _invoices(runtime, number, date(2027, 1, 1))
        revise_invoice(uow, inv, new_amount=Decimal("0.00"), now=now)
    with runtime.uow() as uow:
        balance = get_balance(uow, number, now=now)
    assert balance.amount_due == Decimal("0.00")
    assert balance.credit == Decimal("100.00")

    bill(runtime, date(2027, 2, 1))  # the next bill takes the credit
    with runtime.uow() as uow:
        balance = get_balance(uow, number, now=now)
    assert balance.credit == Decimal("0.00")
    assert balance.amount_due == Decimal("200.00")
    assert balance.next_amount == Decimal("200.00")


def test_a_credit_is_said_as_a_credit_in_english_and_spanish():
    params = {"credit_amount": "20.00"}
    assert render("balance_credit", params, locale="en", channel="sms") == (
        "You have a credit of $20.00. It will be applied to your next bill."
    )
    assert render("balance_credit", params, locale="es", channel="sms") == (
        "Tiene un crédito de $20.00. Se aplicará a su próxima factura."
    )
    assert render("balance_credit", params, locale="en", channel="voice") == (
        "You have a credit of 20 dollars. It will be applied to your next bill."
    )


def test_a_payment_over_the_amount_owed_is_refused_with_the_amount_owed_in_a_message_safe_to_say(
    runtime, now
):
    number = make_account(runtime, premiums=("200.00", "25.50"), now=now)
    bill(runtime, date(2026, 12, 1))
    with pytest.raises(errors.AmountExceedsBalance) as refused:
        _pay(runtime, number, "300.00", "too-much", now)
    assert refused.value.owed == Decimal("225.50")
    assert str(refused.value) == "That amount is more than you owe. You can pay up to $225.50."
    assert refused.value.code == "amount_exceeds_balance"
