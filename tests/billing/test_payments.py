"""One-time EFT payments: posted pending the same day, idempotent, never over-collecting."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from billing_core import errors
from billing_core.autopay import enroll_autopay
from billing_core.balances import get_balance
from billing_core.models import AuditEvent, BankMethod
from billing_core.payment_methods import add_card, list_bank_methods
from billing_core.payments import take_payment
from tests.billing.factories import BANK_ACCOUNT, bank_and_consent, bill, make_account


@pytest.fixture
def member(runtime, now):
    number = make_account(runtime, premiums=("200.00", "25.50"), now=now)
    bill(runtime, date(2026, 12, 1), date(2027, 1, 1))
    return number


def pay(runtime, number, amount, key, ref, auth_id, now):
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


def test_balance_shows_past_due_and_the_next_bill(runtime, member, now):
    with runtime.uow() as uow:
        balance = get_balance(uow, member, now=now)
    assert balance.amount_due == Decimal("451.00")
    assert balance.past_due == Decimal("225.50")  # December was due 23 November
    assert balance.next_coverage_month == date(2027, 1, 1)
    assert balance.next_amount == Decimal("225.50")
    assert balance.last_payment_amount is None


def test_a_payment_posts_pending_the_same_day_and_reduces_the_balance(runtime, member, now):
    ref, auth_id = bank_and_consent(runtime, member, now=now)
    receipt = pay(runtime, member, "225.50", "k1", ref, auth_id, now)
    assert receipt.status == "pending"
    assert receipt.effective_date == date(2026, 11, 29)
    assert len(receipt.confirmation_number) == 10 and receipt.confirmation_number.isdigit()
    assert receipt.last4 == "1012"
    with runtime.uow() as uow:
        balance = get_balance(uow, member, now=now)
    assert balance.past_due == Decimal("0.00")
    assert balance.amount_due == Decimal("225.50")
    assert balance.last_payment_amount == Decimal("225.50")


def test_partial_and_multiple_payments_each_reduce_the_balance(runtime, member, now):
    ref, auth_id = bank_and_consent(runtime, member, now=now)
    pay(runtime, member, "100.00", "a", ref, auth_id, now)
    pay(runtime, member, "0.50", "b", ref, auth_id, now)
    with runtime.uow() as uow:
        assert get_balance(uow, member, now=now).amount_due == Decimal("350.50")


def test_a_retried_request_with_the_same_key_returns_the_first_payment(runtime, member, now):
    ref, auth_id = bank_and_consent(runtime, member, now=now)
    first = pay(runtime, member, "50.00", "same-key", ref, auth_id, now)
    again = pay(runtime, member, "50.00", "same-key", ref, auth_id, now)
    assert again == first
    with runtime.uow() as uow:
        assert get_balance(uow, member, now=now).amount_due == Decimal("401.00")


def test_the_same_key_with_a_different_amount_is_refused(runtime, member, now):
    ref, auth_id = bank_and_consent(runtime, member, now=now)
    pay(runtime, member, "50.00", "same-key", ref, auth_id, now)
    with pytest.raises(errors.IdempotencyConflict):
        pay(runtime, member, "60.00", "same-key", ref, auth_id, now)


def test_paying_more_than_is_owed_is_refused_with_the_amount_owed(runtime, member, now):
    ref, auth_id = bank_and_consent(runtime, member, now=now)
    with pytest.raises(errors.AmountExceedsBalance) as refused:
        pay(runtime, member, "451.01", "k", ref, auth_id, now)
    assert refused.value.owed == Decimal("451.00")


def test_nothing_can_be_paid_when_nothing_is_owed(runtime, member, now):
    ref, auth_id = bank_and_consent(runtime, member, now=now)
    pay(runtime, member, "451.00", "all", ref, auth_id, now)
    with pytest.raises(errors.NothingOwed):
        pay(runtime, member, "1.00", "more", ref, auth_id, now)


def test_a_payment_needs_a_recorded_authorization(runtime, member, now):
    ref, _ = bank_and_consent(runtime, member, now=now)
    with pytest.raises(errors.AuthorizationRequired):
        pay(runtime, member, "10.00", "k", ref, None, now)


def _card(rt, number, now):
    with rt.uow() as uow:
        return add_card(
            uow, number, token="ctok_1", connector="Default", last4="1111", channel="voice", now=now
        ).reference


def test_cards_are_refused_while_the_card_policy_is_off(runtime, member, now):
    with pytest.raises(errors.CardPaymentsDisabled):
        _card(runtime, member, now)


def test_a_card_payment_carries_the_flat_fee_when_the_policy_is_on(database_url, tmp_path, now):
    from tests.conftest import make_runtime

    rt = make_runtime(
        database_url, tmp_path, card_payments_enabled=True, card_convenience_fee=Decimal("2.95")
    )
    number = make_account(rt, now=now)
    bill(rt, date(2026, 12, 1))
    _, auth_id = bank_and_consent(rt, number, now=now)
    card = _card(rt, number, now)
    with rt.uow() as uow:
        assert [m.kind for m in list_bank_methods(uow, number)] == ["checking"]
        assert list_bank_methods(uow, number, include_cards=True)[0].kind == "card"
    receipt = pay(rt, number, "200.00", "c", card, auth_id, now)
    assert (receipt.amount, receipt.fee, receipt.method) == (
        Decimal("200.00"),
        Decimal("2.95"),
        "card",
    )
    assert receipt.last4 == "1111"
    with rt.uow() as uow, pytest.raises(errors.PaymentMethodNotFound):
        enroll_autopay(  # AutoPay drafts a bank account, never a card
            uow, number, bank_method_reference=card, draft_day=5, authorization_id=auth_id, now=now
        )
    rt.engine.dispose()
    # The policy turned off again: a card on file can no longer be charged.
    off = make_runtime(database_url, tmp_path, card_payments_enabled=False)
    with pytest.raises(errors.CardPaymentsDisabled):
        pay(off, number, "10.00", "c2", card, auth_id, now)
    off.engine.dispose()


def test_a_bank_method_of_another_account_cannot_be_used(runtime, member, now):
    other = make_account(runtime, "1000000098", phone=None, now=now)
    ref, _ = bank_and_consent(runtime, other, now=now)
    _, auth_id = bank_and_consent(runtime, member, now=now)
    with pytest.raises(errors.PaymentMethodNotFound):
        pay(runtime, member, "10.00", "k", ref, auth_id, now)


def test_the_stored_bank_method_row_does_not_contain_the_account_number(runtime, member, now):
    bank_and_consent(runtime, member, now=now)
    with runtime.uow() as uow:
        row = uow.session.execute(text("SELECT * FROM bank_methods")).one()
        assert BANK_ACCOUNT not in repr(tuple(row))
        assert BANK_ACCOUNT.encode() not in row.account_number_encrypted
        method = uow.session.scalars(select(BankMethod)).one()
        assert uow.cipher.decrypt(method.account_number_encrypted) == BANK_ACCOUNT
        audit = repr([e.detail for e in uow.session.scalars(select(AuditEvent))])
        assert BANK_ACCOUNT not in audit
        assert [m.last4 for m in list_bank_methods(uow, member)] == ["1012"]
